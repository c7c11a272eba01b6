"""Helpers shared by the runtime tests: expected stack-trace entries, invoking, telemetry frames."""

from __future__ import annotations

import json
import os
import struct
import threading
import time

from .process import TESTDATA, LaunchedRuntime

ERROR_DOC_KEYS = ["errorMessage", "errorType", "requestId", "stackTrace"]


def line_of(filename: str, marker: str) -> tuple[int, str]:
    """(line number, stripped source) of the line in testdata/`filename` holding `# marker: <marker>`."""
    tag = f"# marker: {marker}"
    for number, line in enumerate((TESTDATA / filename).read_text().splitlines(), start=1):
        if line.rstrip().endswith(tag):
            return number, line.strip()
    raise LookupError(f"no {tag!r} in {filename}")


def trace_lines(proc: LaunchedRuntime, filename: str, marker: str, function: str) -> list[str]:
    """The lines of one traceback entry for a frame of `proc`'s handler code, without line ends."""
    number, source = line_of(filename, marker)
    # The native build ships the function's .py files beside bootstrap, so compiled frames show them too.
    return [f'  File "{proc.code_dir / filename}", line {number}, in {function}', f"    {source}"]


def trace_entry(proc: LaunchedRuntime, filename: str, marker: str, function: str) -> str:
    """One `stackTrace` element as `traceback.format_list` writes it."""
    return "".join(line + "\n" for line in trace_lines(proc, filename, marker, function))


def xray_frame(proc: LaunchedRuntime, filename: str, marker: str, function: str) -> dict:
    number, _ = line_of(filename, marker)
    return {"label": function, "path": str(proc.code_dir / filename), "line": number}


def invoke(api, body=b"{}", timeout: float = 20, **headers):
    """Queue one event and return the runtime's reply (its /response or /error request)."""
    request_id = api.push(body, **headers)
    return api.wait_reply(request_id, timeout)


def error_doc(reply) -> dict:
    """The parsed error document of an /error reply, checking it is one."""
    assert reply.kind == "error", f"expected /error, got {reply.kind}: {reply.body!r}"
    doc = json.loads(reply.body)
    assert list(doc) == ERROR_DOC_KEYS
    return doc


class Shared:
    """Runtimes shared by the tests of a module, started on first use, keyed by their configuration."""

    def __init__(self, launcher):
        self._launcher = launcher
        self._running = {}

    def get(self, impl: str, handler: str, **env):
        """(api, process) for `impl` running `handler` with extra `env`, started on first use."""
        key = (impl, handler, tuple(sorted(env.items())))
        if key not in self._running or not self._running[key][1].running:
            self._running[key] = self._launcher(impl, handler, env=env)
        return self._running[key]


# Telemetry frame types (big-endian u32), from the official client's tables.
TEXT_FRAMES = {"NOTSET": 0xA55A0003, "DEBUG": 0xA55A000B, "INFO": 0xA55A000F}
TEXT_FRAMES.update({"WARNING": 0xA55A0013, "ERROR": 0xA55A0017, "CRITICAL": 0xA55A001B})
JSON_FRAMES = {"NOTSET": 0xA55A0002, "DEBUG": 0xA55A000A, "INFO": 0xA55A000E}
JSON_FRAMES.update({"WARNING": 0xA55A0012, "ERROR": 0xA55A0016, "CRITICAL": 0xA55A001A})

_HEADER = struct.Struct(">IIQ")


class Frame:
    __slots__ = ("payload", "timestamp_us", "type")

    def __init__(self, frame_type: int, timestamp_us: int, payload: bytes):
        self.type = frame_type
        self.timestamp_us = timestamp_us
        self.payload = payload

    @property
    def text(self) -> str:
        return self.payload.decode()

    def __repr__(self):
        return f"Frame({self.type:#x}, {self.payload!r})"


class FrameReader:
    """Reads the runtime's telemetry pipe: `4-byte type | 4-byte length | 8-byte µs timestamp | payload`."""

    def __init__(self):
        self.read_fd, self.write_fd = os.pipe()
        self.frames: list[Frame] = []
        self.garbage = b""
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Call after the runtime was spawned with `pass_fds=(reader.write_fd,)`."""
        os.close(self.write_fd)
        self._thread.start()

    def _run(self):
        buffer = b""
        while True:
            data = os.read(self.read_fd, 65536)
            if not data:
                break
            buffer += data
            while len(buffer) >= _HEADER.size:
                frame_type, length, timestamp = _HEADER.unpack_from(buffer)
                if len(buffer) < _HEADER.size + length:
                    break
                payload = buffer[_HEADER.size : _HEADER.size + length]
                buffer = buffer[_HEADER.size + length :]
                with self._cond:
                    self.frames.append(Frame(frame_type, timestamp, payload))
                    self._cond.notify_all()
        os.close(self.read_fd)
        with self._cond:
            self.garbage = buffer
            self._cond.notify_all()

    def wait_frame(self, predicate, timeout: float = 20) -> Frame:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for frame in self.frames:
                    if predicate(frame):
                        return frame
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching frame; frames so far: {self.frames}")
                self._cond.wait(left)

    def containing(self, text: str, timeout: float = 20) -> Frame:
        return self.wait_frame(lambda frame: text.encode() in frame.payload, timeout)
