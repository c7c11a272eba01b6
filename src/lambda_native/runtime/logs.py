"""Function logs as the official runtime writes them: unbuffered stdout/stderr, the log sink (stdout, or the
framed telemetry fd when `_LAMBDA_TELEMETRY_LOG_FD` is set), the TEXT/JSON format and the level.

`logging` costs ~20 ms to import, so it is not imported here: the Lambda root handler (`loghandler.py`) is
installed when the function's code first imports `logging` (an import hook), and a function that never logs
never pays for it.
"""

from __future__ import annotations

import os
import sys
import time

TEXT, JSON = "TEXT", "JSON"
# `AWS_LAMBDA_LOG_LEVEL` values the official client accepts: logging's own names (TRACE maps to DEBUG).
LEVELS = frozenset(("CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET"))
# Telemetry frame types by level bucket (`min(50, max(0, levelno)) // 10 * 10`), big-endian.
_LEVEL_BUCKETS = (0, 10, 20, 30, 40, 50)
_TEXT_CODES = (0xA55A0003, 0xA55A000B, 0xA55A000F, 0xA55A0013, 0xA55A0017, 0xA55A001B)
_JSON_CODES = (0xA55A0002, 0xA55A000A, 0xA55A000E, 0xA55A0012, 0xA55A0016, 0xA55A001A)
TEXT_FRAME_TYPES = {
    level: code.to_bytes(4, "big") for level, code in zip(_LEVEL_BUCKETS, _TEXT_CODES, strict=True)
}
JSON_FRAME_TYPES = {
    level: code.to_bytes(4, "big") for level, code in zip(_LEVEL_BUCKETS, _JSON_CODES, strict=True)
}
DEFAULT_FRAME_TYPE = TEXT_FRAME_TYPES[0]
ERROR_LEVEL = 40


class Config:
    """Log format (`TEXT` or `JSON`) and level name (None: leave the root logger's level alone)."""

    __slots__ = ("format", "level")

    def __init__(self, log_format: str | None, level: str | None):
        self.format = JSON if (log_format or "").upper() == JSON else TEXT
        name = (level or "").upper()
        if name == "TRACE":
            name = "DEBUG"
        self.level = name if name in LEVELS else None

    def error_frame_type(self) -> bytes:
        """The frame type of the runtime's own `[ERROR]` lines in this format."""
        return (JSON_FRAME_TYPES if self.format == JSON else TEXT_FRAME_TYPES)[ERROR_LEVEL]


class CurrentInvoke:
    """The request id and tenant id of the invoke in progress, stamped on every log line."""

    __slots__ = ("request_id", "tenant_id")

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.tenant_id: str | None = None


current = CurrentInvoke()


class StdoutSink:
    """Logs on stdout: messages as they are, error reports' lines joined with CR (one CloudWatch event)."""

    __slots__ = ()

    def write(self, message: str, frame_type: bytes | None = None) -> None:
        """Write one log message (the frame type only matters to the framed sink)."""
        sys.stdout.write(message)

    def write_error(self, lines: list[str], frame_type: bytes) -> None:
        """Write the runtime's error report: lines joined with `\\r`, then a newline."""
        sys.stdout.write("\r".join(lines) + "\n")


class FramedSink:
    """Logs on the telemetry fd, one frame per message: type | length | timestamp (µs) | UTF-8, big-endian."""

    __slots__ = ("fd", "lock")

    def __init__(self, fd: int):
        self.fd = fd
        self.lock = None  # set when several threads log at once: a frame must not be cut by another

    def write(self, message: str, frame_type: bytes | None = None) -> None:
        """Write one message as one frame (default frame type 0xA55A0003)."""
        payload = message.encode("utf-8", "backslashreplace")
        micros = time.time_ns() // 1000
        frame = b"%b%b%b%b" % (
            frame_type or DEFAULT_FRAME_TYPE,
            len(payload).to_bytes(4, "big"),
            micros.to_bytes(8, "big"),
            payload,
        )
        if self.lock is None:
            self._write_all(frame)
        else:
            with self.lock:
                self._write_all(frame)

    def _write_all(self, frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            view = view[os.write(self.fd, view) :]

    def write_error(self, lines: list[str], frame_type: bytes) -> None:
        """Write the runtime's error report as one frame, lines joined with `\\n`."""
        self.write("\n".join(lines), frame_type)


_config: Config | None = None
_sink: StdoutSink | FramedSink | None = None
_logging_configured = False


def config() -> Config:
    """The log configuration read from the environment by `setup()`."""
    return _config or Config(os.environ.get("AWS_LAMBDA_LOG_FORMAT"), os.environ.get("AWS_LAMBDA_LOG_LEVEL"))


def sink() -> StdoutSink | FramedSink:
    """Where function logs go: the sink `setup()` chose, else stdout."""
    return _sink or StdoutSink()


def _unbuffered(stream):
    """The same text stream without buffering (what `python -u` gives): print() output leaves at once."""
    if stream is None:
        return stream
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream  # replaced by something that is not a file; leave it alone
    import io

    stream.flush()
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding=stream.encoding, errors=stream.errors, write_through=True)


def setup(log_format: str | None = None) -> None:
    """Unbuffer stdout/stderr, read the log format and level, open the sink, arrange the `logging` setup.

    `log_format` overrides `AWS_LAMBDA_LOG_FORMAT` (Managed Instances take JSON only).
    """
    global _config, _sink
    sys.stdout = _unbuffered(sys.stdout)
    sys.stderr = _unbuffered(sys.stderr)
    _config = config()
    if log_format is not None:
        _config.format = log_format
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    if fd is not None and fd.isdigit() and fd.isascii():
        _sink = FramedSink(int(fd))
    else:
        if fd is not None:
            sys.stderr.write(f"lambda-native: ignoring _LAMBDA_TELEMETRY_LOG_FD={fd!r}: not an fd number\n")
        _sink = StdoutSink()
    if "logging" in sys.modules:
        configure_logging()
    else:
        sys.meta_path.insert(0, _LoggingImportHook())


def configure_logging() -> None:
    """Install the Lambda root handler, format and level (once); imports `logging`."""
    global _logging_configured
    if _logging_configured:
        return
    _logging_configured = True
    from lambda_native.runtime import loghandler

    settings = config()
    loghandler.install(
        sink(),
        json_format=settings.format == JSON,
        level=settings.level,
        text_frame_types=TEXT_FRAME_TYPES,
        json_frame_types=JSON_FRAME_TYPES,
        current=_current_invoke,
    )


def _current_invoke() -> CurrentInvoke:
    """`current` as it is now (the concurrent slots replace it with their own)."""
    return current


class _LoggingImportHook:
    """A one-shot `sys.meta_path` finder: lets `logging` load as usual, then configures it."""

    __slots__ = ()

    def find_spec(self, name: str, path=None, target=None):
        """For `logging` only: the normal spec, with a loader that configures logging after running it."""
        if name != "logging":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec is not None else None
            if spec is not None:
                break
        else:
            return None
        if hasattr(spec.loader, "exec_module"):
            spec.loader = _ConfigureAfter(spec.loader)
        return spec


class _ConfigureAfter:
    """Wraps the real loader of `logging`: runs the module, restores the real loader, configures logging."""

    __slots__ = ("loader",)

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        """Let the real loader create the module."""
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        """Run `logging` with its real loader, then install the Lambda root handler."""
        module.__loader__ = module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        configure_logging()
