"""If it builds, it starts: the build's last step runs the zip it made under the emulator, as Lambda
would, and the handler must load.

A native build compiles in what its static scans and its import probe found. A module or a codec reached
only by a name computed at run time is missing until something asks for it: on Lambda, at the first
cold start. So the build starts the built `bootstrap` (lambda_native.emulator, in Lambda's sandbox, the
init phase alone: the handler's module is imported, none of the handler's code runs) and then:

- an init that fails because something is missing (`Runtime.ImportModuleError`, or an error saying "No
  module named" or "unknown encoding") fails the build, showing the init error and what fixes it, told
  apart by where the module is installed (builder/missing);
- any other init error (code that needs the cloud, or a setting, at import) is a warning: the build
  cannot tell whether it would fail on Lambda too;
- with `--check-event EVENT.json` the function is then invoked once; an error reply of the missing kind
  fails the build too, any other is a warning.

The function gets the emulator's plainly fake credentials (never the caller's) and `AWS_ENDPOINT_URL` on
a closed port of 127.0.0.1, so init code that calls AWS fails fast here instead of reaching the cloud
from the build host.
"""

from __future__ import annotations

from lambda_native.builder import missing
from lambda_native.builder.build_error import BuildError

# Where AWS SDKs are sent during the check: the discard port, where nothing listens.
NOWHERE = "http://127.0.0.1:9"
# What says that a module or a codec was left out of the build.
MISSING = ("No module named", "unknown encoding")
# Generous: the check is about what loads, not how fast or how small.
CHECK_TIMEOUT_SECONDS = 30.0
CHECK_MEMORY_MB = 10240
LOG_LINES_SHOWN = 20
FIX = (
    "Something the function reaches by name was left out of the build. Name it with --include-module "
    "(a module: --include-module mylib.plugins.csv; a codec: --include-module encodings.cp1252), see "
    'README "Your libraries"; --no-check skips this check.'
)
SKIP = "--no-check skips this check."


def fix_for(payload: bytes, function_folders: list[str] | tuple[str, ...]) -> str:
    """What to do about the missing module an error document names: by where it is installed, or FIX
    when the document names none."""
    name = missing.missing_module(payload.decode("utf-8", "replace"))
    if name is None:
        return FIX
    return f"{missing.advice(name, function_folders)} {SKIP}"


def is_missing(error_type: str | None, payload: bytes) -> bool:
    """Whether an error means that the build left something out."""
    if error_type == "Runtime.ImportModuleError":
        return True
    text = payload.decode("utf-8", "replace")
    return any(marker in text for marker in MISSING)


def describe(what: str, error_type: str, payload: bytes, logs: list[str]) -> str:
    """An error for the user: the error document's type, message and stack, and the runtime's output."""
    import orjson

    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    lines = [
        f"{what} fails with {error_type}: {document.get('errorMessage', payload.decode('utf-8', 'replace'))}"
    ]
    for frame in document.get("stackTrace") or []:
        lines.extend("  " + line for line in str(frame).rstrip("\n").splitlines())
    # The runtime's own report of the error (Lambda's warning, the `[ERROR]` line) repeats the above.
    shown = [
        line
        for line in logs
        if "LAMBDA_WARNING: Unhandled exception" not in line and not line.startswith(f"[ERROR] {error_type}:")
    ]
    if shown:
        lines.append("its output:")
        lines.extend("  " + part for line in shown[-LOG_LINES_SHOWN:] for part in line.split("\r"))
    return "\n".join(lines)


class CheckResult:
    """What the check found: whether the function could be started here at all, how long its init took
    (None when it failed), whether --check-event was invoked, and the warnings to show."""

    __slots__ = ("init_ms", "invoked", "started", "warnings")

    def __init__(
        self, init_ms: float | None, warnings: list[str], invoked: bool, started: bool = True
    ) -> None:
        self.init_ms = init_ms
        self.warnings = warnings
        self.invoked = invoked
        self.started = started


def read_event(path: str) -> bytes:
    """The `--check-event` file, checked to be JSON; BuildError otherwise."""
    import orjson

    try:
        with open(path, "rb") as file:
            data = file.read()
        orjson.loads(data)
    except OSError as exc:
        raise BuildError(f"--check-event {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise BuildError(f"--check-event {path} is not valid JSON: {exc}") from None
    return data


def check_start(
    zip_path: str,
    handler: str,
    event: bytes | None = None,
    function_folders: list[str] | tuple[str, ...] = (),
) -> CheckResult:
    """Start the function in `zip_path` under the emulator; BuildError when its handler does not load
    (or, with `event`, its invoke fails) because something is missing, saying what fixes it from where
    the module is installed (`function_folders`: its source and its installed requirements)."""
    from lambda_native.emulator import Function, PackageError
    from lambda_native.emulator.lambda_env import FAKE_CREDENTIALS

    warnings = []
    env = {"AWS_ENDPOINT_URL": NOWHERE}
    try:
        function = Function(
            zip_path,
            handler=handler,
            timeout=CHECK_TIMEOUT_SECONDS,
            memory=CHECK_MEMORY_MB,
            env=env,
            credentials=FAKE_CREDENTIALS,
            sandbox=True,
        )
    except PackageError as exc:  # e.g. an arm64 bootstrap on a machine without qemu-user
        warnings.append(f"the built function was not started to check it: {exc}")
        return CheckResult(None, warnings, invoked=False, started=False)
    with function:
        init = function.init()
        if not init.ok:
            text = describe("its init", init.error_type, init.payload, init.logs)
            if is_missing(init.error_type, init.payload):
                raise BuildError(
                    f"the built function does not start: {text}\n{fix_for(init.payload, function_folders)}"
                )
            warnings.append(
                f"the built function's init failed, maybe only because this is not Lambda: {text}"
            )
            return CheckResult(None, warnings, invoked=False)
        if event is None:
            return CheckResult(init.init_duration_ms, warnings, invoked=False)
        result = function.invoke(event)
        if not result.ok:
            text = describe("its invoke with --check-event", result.error_type, result.payload, result.logs)
            if is_missing(result.error_type, result.payload):
                raise BuildError(
                    f"the built function starts, but {text}\n{fix_for(result.payload, function_folders)}"
                )
            warnings.append(f"the built function starts, but {text}")
    return CheckResult(init.init_duration_ms, warnings, invoked=True)
