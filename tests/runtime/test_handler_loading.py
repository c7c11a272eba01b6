"""Checklist 2 and 8: resolving the handler string, every loading failure with its exact error, and the
init-error flow (warning line, `[ERROR]` line, `POST /init/error` with the error-type header, exit 1)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from . import native
from .process import NATIVE, TESTDATA
from .support import ERROR_DOC_KEYS, TEXT_FRAMES, FrameReader, invoke, trace_entry

UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, "
    "in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using "
    "managed runtimes, runtime updates can be triggered by a function change, or can be applied "
    "automatically. To determine if the runtime has been updated, check the runtime version in the "
    "INIT_START log entry. If this error correlates with a change in the runtime version, you may be able to "
    "mitigate this error by temporarily rolling back to the previous runtime version. For more information, "
    "see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
JSON_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"

# Handlers that load: handler string -> what it returns for the event {"x": 1}.
LOADS = {
    "echo.handler": {"x": 1},
    "pkg.sub.mod.handler": "pkg.sub.mod",
    "slash_dir/nested/mod.handler": "slash_dir/nested/mod",
    "builtin_named/sys.handler": "builtin_named/sys",
    "builtin_named.sys.handler": "builtin_named/sys",
}

IMPORT = "Runtime.ImportModuleError"
NOT_FOUND = "Runtime.HandlerNotFound"
# The failures that mean "no such handler" (not an error in the code it names).
NAMING_ERRORS = {"Runtime.MalformedHandlerName", "Runtime.BuiltInModuleConflict", IMPORT, NOT_FOUND}
# Handlers that fail to load: case -> (handler string, errorType, errorMessage, stackTrace).
FAILS = {
    "no_dot": (
        "bad_handler",
        "Runtime.MalformedHandlerName",
        "Bad handler 'bad_handler': not enough values to unpack (expected 2, got 1)",
        [],
    ),
    "builtin": (
        "sys.handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys as a handler module",
        [],
    ),
    "builtin_package": (
        "sys.sub.handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys.sub as a handler module",
        [],
    ),
    "missing_dependency": (
        "import_error.handler",
        IMPORT,
        "Unable to import module 'import_error': No module named 'no_such_module_xyz'",
        [],
    ),
    "missing_module": (
        "no_such_handler_module.handler",
        IMPORT,
        "Unable to import module 'no_such_handler_module': No module named 'no_such_handler_module'",
        [],
    ),
    "missing_slash_module": (
        "slash_dir/nested/nope.handler",
        IMPORT,
        "Unable to import module 'slash_dir/nested/nope': No module named 'slash_dir.nested.nope'",
        [],
    ),
    "missing_function": ("echo.missing", NOT_FOUND, "Handler 'missing' missing on module 'echo'", []),
    "empty_function": ("echo.", NOT_FOUND, "Handler '' missing on module 'echo'", []),
    "missing_in_package": (
        "pkg.sub.mod.nope",
        NOT_FOUND,
        "Handler 'nope' missing on module 'pkg.sub.mod'",
        [],
    ),
    "syntax_error": ("syntax_error.handler", "Runtime.UserCodeSyntaxError", None, None),  # computed below
    "raises_on_import": ("raise_on_import.handler", "ValueError", "bad configuration at import", None),
}


@pytest.fixture(scope="module")
def syntax_root(tmp_path_factory):
    """A task root holding syntax_error.py (kept as .txt in testdata so that linters stay quiet)."""
    root = tmp_path_factory.mktemp("syntax_root")
    shutil.copy(TESTDATA / "syntax_error.txt", root / "syntax_error.py")
    return root


@pytest.fixture(scope="module")
def started():
    """impl -> its runs, for the whole module."""
    return {}


@pytest.fixture
def runs(impl, started, module_launch, syntax_root):
    """Every handler string under `impl`, all started at once on first use."""
    if impl not in started:
        started[impl] = {}
        for handler in LOADS:
            started[impl][handler] = module_launch(impl, handler)
        for case, (handler, *_) in FAILS.items():
            root = syntax_root if case == "syntax_error" else TESTDATA
            started[impl][case] = module_launch(impl, handler, task_root=root)
    return started[impl]


def _syntax_expectation(root):
    path = root / "syntax_error.py"
    try:
        compile(path.read_text(), str(path), "exec")
    except SyntaxError as error:
        message = f"Syntax error in module 'syntax_error': {error}"
        return message, [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
    raise AssertionError("syntax_error.py compiled")


@pytest.mark.parametrize("handler", list(LOADS))
def test_handler_string_resolves(impl, handler, runs):
    api, proc = runs[handler]
    reply = invoke(api, {"x": 1})
    assert reply.kind == "response", proc.describe()
    assert json.loads(reply.body) == LOADS[handler]


@pytest.mark.parametrize("case", list(FAILS))
def test_loading_failure_reports_the_official_error(impl, case, runs, syntax_root):
    api, proc = runs[case]
    _, error_type, message, trace = FAILS[case]
    if case == "syntax_error":
        message, trace = _syntax_expectation(syntax_root)
    if impl == NATIVE and error_type in NAMING_ERRORS:
        # When _HANDLER names no handler it can find, the native bootstrap says which one it holds.
        message += native.BUILT_HANDLER_NOTE
    assert proc.wait(20) == 1, proc.describe()
    init_error = api.wait_init_error()
    doc = json.loads(init_error.body)
    assert list(doc) == ERROR_DOC_KEYS
    assert doc["errorType"] == error_type
    assert doc["errorMessage"] == message
    assert doc["requestId"] == ""
    if case == "raises_on_import":
        # The official client keeps importlib's frames here; the user's frame must come last.
        assert doc["stackTrace"][-1] == trace_entry(proc, "raise_on_import.py", "import-raise", "<module>")
        assert all(entry.startswith('  File "') for entry in doc["stackTrace"])
    else:
        assert doc["stackTrace"] == trace
    assert init_error.header("Lambda-Runtime-Function-Error-Type") == error_type
    assert [request.kind for request in api.requests] == ["init_error"], "no /next after an init failure"


@pytest.mark.parametrize("case", ["missing_dependency", "raises_on_import", "syntax_error"])
def test_init_failure_logs_the_warning_and_the_error_line(impl, case, runs):
    api, proc = runs[case]
    proc.wait(20)
    doc = json.loads(api.wait_init_error().body)
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}", "Traceback (most recent call last):"]
    for entry in doc["stackTrace"]:
        for line in entry.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    expected = "\r".join(lines) + "\n"
    warning = rf"\[WARNING\]\t{TIMESTAMP}\t\t{re.escape(UNHANDLED_WARNING)}\n"
    assert re.fullmatch(warning + re.escape(expected), proc.stdout), proc.describe()


def test_init_failure_in_json_format(impl, launch):
    api, proc = launch(impl, "import_error.handler", env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    assert proc.wait(20) == 1, proc.describe()
    warning, error = (json.loads(line) for line in proc.stdout.splitlines())
    assert list(warning) == ["timestamp", "level", "message", "logger", "requestId"]
    assert re.fullmatch(JSON_TS, warning["timestamp"])
    assert (warning["level"], warning["message"], warning["logger"], warning["requestId"]) == (
        "WARNING",
        UNHANDLED_WARNING,
        "root",
        "",
    )
    assert list(error) == ["timestamp", "level", *ERROR_DOC_KEYS]
    assert re.fullmatch(JSON_TS, error["timestamp"])
    doc = json.loads(api.wait_init_error().body)
    assert {key: error[key] for key in ERROR_DOC_KEYS} == doc
    assert error["level"] == "ERROR"


def test_init_failure_on_the_telemetry_fd(impl, launch):
    reader = FrameReader()
    env = {"_LAMBDA_TELEMETRY_LOG_FD": str(reader.write_fd)}
    api, proc = launch(impl, "import_error.handler", env=env, pass_fds=(reader.write_fd,))
    reader.start()
    assert proc.wait(20) == 1, proc.describe()
    reader.containing("Runtime.ImportModuleError")
    warning, error = reader.frames
    assert warning.type == TEXT_FRAMES["NOTSET"]
    assert re.fullmatch(rf"\[WARNING\]\t{TIMESTAMP}\t\t{re.escape(UNHANDLED_WARNING)}\n", warning.text)
    assert error.type == TEXT_FRAMES["ERROR"]
    doc = json.loads(api.wait_init_error().body)
    expected = f"[ERROR] {doc['errorType']}: {doc['errorMessage']}\nTraceback (most recent call last):"
    assert error.text == expected
    assert proc.stdout == ""
