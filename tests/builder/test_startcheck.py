"""If it builds, it starts: the build's check runs what it built under the emulator. Shell-script runtimes
(curl against the real Runtime API) show how each kind of init is judged; the native test builds a
function whose library imports a module by name, sees the check fail the build, and the fixed build
pass."""

from __future__ import annotations

import json
import os
import textwrap
import zipfile

import pytest

from lambda_native.builder import startcheck
from lambda_native.builder.build_error import BuildError
from lambda_native.emulator import Function

from .conftest import run_build

INIT_ERROR = """#!/bin/sh
echo "loading the handler"
curl -sS --noproxy '*' -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: {error_type}" \\
  --data-binary '{document}' "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error"
exit 1
"""
# Prints what it was given, then waits for events and answers each with its environment's credentials.
READY = """#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
echo "endpoint=$AWS_ENDPOINT_URL key=$AWS_ACCESS_KEY_ID"
H="$(mktemp)"
while true; do
  curl -sS --noproxy '*' -D "$H" -o /dev/null "$API/invocation/next"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$H" | tr -d '\\r' | cut -d' ' -f2)"
  curl -sS --noproxy '*' -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: {error_type}" \\
    --data-binary '{document}' "$API/invocation/$ID/{reply}"
done
"""


def bootstrap_zip(tmp_path, script: str) -> str:
    path = tmp_path / "function.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        archive.writestr(info, script)
    return str(path)


def document(error_type: str, message: str) -> str:
    """An error document as the runtime posts it, with one stack frame."""
    frame = '  File "/var/task/app.py", line 3, in <module>\n    PLUGIN = load()\n'
    return json.dumps(
        {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": [frame]}
    )


def test_an_init_missing_a_module_fails_the_build_with_the_init_error(tmp_path):
    message = "Unable to import module app: No module named plugins.shout"
    script = INIT_ERROR.format(
        error_type="Runtime.ImportModuleError", document=document("Runtime.ImportModuleError", message)
    )
    src = tmp_path / "src"
    (src / "plugins").mkdir(parents=True)
    (src / "plugins" / "shout.py").write_text("", encoding="utf-8")
    with pytest.raises(BuildError) as error:
        startcheck.check_start(bootstrap_zip(tmp_path, script), "app.handler", function_folders=[str(src)])
    assert str(error.value) == (
        f"the built function does not start: its init fails with Runtime.ImportModuleError: {message}\n"
        '    File "/var/task/app.py", line 3, in <module>\n'
        "      PLUGIN = load()\n"
        "its output:\n"
        "  loading the handler\n"
        f"plugins.shout is installed for the function ({src / 'plugins' / 'shout.py'}) but the build left it "
        "out: it is imported by a name computed at run time. Ship it with --include-module plugins.shout. "
        "--no-check skips this check."
    )


@pytest.mark.parametrize(
    ("message", "advice"),
    [
        # The trim's doing: a standard-library module the build could not see imported.
        (
            "Unable to import module 'app': Module 'sqlite3' was actively excluded from Nuitka compilation.",
            "--include-stdlib sqlite3",
        ),
        # Not the build's doing: the function never installed it.
        ("Unable to import module 'app': No module named 'nosuchdep'", "add the package that provides it"),
        # An import error that names no module gets the general advice.
        ("Unable to import module 'app': cannot load the handler", "Something the function reaches by name"),
    ],
)
def test_the_fix_said_depends_on_where_the_missing_module_is(tmp_path, message, advice):
    script = INIT_ERROR.format(
        error_type="Runtime.ImportModuleError", document=document("Runtime.ImportModuleError", message)
    )
    with pytest.raises(BuildError) as error:
        startcheck.check_start(
            bootstrap_zip(tmp_path, script), "app.handler", function_folders=[str(tmp_path)]
        )
    assert advice in str(error.value).splitlines()[-1]


def test_an_init_missing_a_codec_fails_the_build(tmp_path):
    script = INIT_ERROR.format(
        error_type="LookupError", document=document("LookupError", "unknown encoding: idna")
    )
    with pytest.raises(BuildError, match="its init fails with LookupError: unknown encoding: idna"):
        startcheck.check_start(bootstrap_zip(tmp_path, script), "app.handler")


def test_any_other_init_error_is_a_warning(tmp_path):
    message = "Could not connect to the endpoint URL: http://127.0.0.1:9/"
    script = INIT_ERROR.format(
        error_type="EndpointConnectionError", document=document("EndpointConnectionError", message)
    )
    checked = startcheck.check_start(bootstrap_zip(tmp_path, script), "app.handler")
    assert checked.init_ms is None and not checked.invoked
    [warning] = checked.warnings
    assert warning.startswith(
        "the built function's init failed, maybe only because this is not Lambda: its init fails with "
        f"EndpointConnectionError: {message}"
    )


def test_a_ready_function_passes_with_fake_credentials_and_aws_pointed_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREALCALLER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    # Ready only when given the fake key and the closed endpoint; else an init error the check fails on.
    guard = """
if [ "$AWS_ACCESS_KEY_ID" != ASIALAMBDANATIVEFAKE ] || [ "$AWS_ENDPOINT_URL" != http://127.0.0.1:9 ]
then
  curl -sS --noproxy '*' -o /dev/null -X POST --data-binary '{}' \\
    -H "Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError" "$API/init/error"
  exit 1
fi
"""
    script = READY.format(error_type="", document="{}", reply="response").replace("H=", guard + "H=", 1)
    checked = startcheck.check_start(bootstrap_zip(tmp_path, script), "app.handler")
    assert checked.init_ms > 0 and checked.warnings == [] and not checked.invoked


def test_the_check_runs_the_function_in_lambdas_sandbox(tmp_path):
    """An init that writes beside its code fails there as on Lambda: /var/task is read-only."""
    script = (
        '#!/bin/sh\ntouch "$LAMBDA_TASK_ROOT/cache.db" || {\n'
        + INIT_ERROR.split("\n", 1)[1].format(
            error_type="OSError", document=document("OSError", "cannot write the cache")
        )
        + "}\n"
    )
    checked = startcheck.check_start(bootstrap_zip(tmp_path, script), "app.handler")
    [warning] = checked.warnings
    assert "its init fails with OSError: cannot write the cache" in warning
    assert "touch: cannot touch '/var/task/cache.db': Read-only file system" in warning


def test_a_bootstrap_the_emulator_cannot_run_here_is_a_warning(tmp_path):
    path = tmp_path / "function.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", "")  # no bootstrap
    checked = startcheck.check_start(str(path), "app.handler")
    assert checked.init_ms is None and not checked.invoked and not checked.started
    assert checked.warnings[0].startswith("the built function was not started to check it: ")


@pytest.mark.parametrize(
    ("error_type", "message", "missing"),
    [
        ("ModuleNotFoundError", "No module named 'html'", True),
        ("KeyError", "'order_id'", False),
    ],
)
def test_a_check_event_is_invoked_once_and_judged_like_the_init(tmp_path, error_type, message, missing):
    script = READY.format(error_type=error_type, document=document(error_type, message), reply="error")
    path = bootstrap_zip(tmp_path, script)
    if missing:
        with pytest.raises(
            BuildError, match=f"starts, but its invoke with --check-event fails with {error_type}"
        ):
            startcheck.check_start(path, "app.handler", b"{}")
        return
    checked = startcheck.check_start(path, "app.handler", b"{}")
    assert checked.invoked and checked.init_ms > 0
    assert checked.warnings[0].startswith(
        f"the built function starts, but its invoke with --check-event fails with {error_type}"
    )


@pytest.mark.parametrize(("content", "expected"), [(None, "No such file"), ("{nope", "is not valid JSON")])
def test_a_bad_check_event_is_refused_before_compiling(tmp_path, content, expected):
    event = tmp_path / "event.json"
    if content is not None:
        event.write_text(content)
    result = run_build("--check-event", str(event), "--out", str(tmp_path))
    assert result.returncode == 2 and expected in result.stderr
    assert "starting Nuitka" not in result.stdout


LIBRARY = {
    # A library that loads its plugins by a name computed at run time, as many do.
    "plugin_lib/__init__.py": """
        import importlib

        def load(name):
            return importlib.import_module("plugin_lib.plugins." + name)
        """,
    "plugin_lib/plugins/__init__.py": "",
    "plugin_lib/plugins/shout.py": """
        import html

        def run(text):
            return html.escape(text.upper())
        """,
    # As `pip install --target .` leaves it: the package is a library, not the function's own code.
    "plugin_lib-1.0.dist-info/RECORD": "plugin_lib/__init__.py,,\\nplugin_lib/plugins/shout.py,,\\n",
    # In a folder of its own, named by a path as SAM templates write it: handlers/app.handler.
    "handlers/app.py": """
        import plugin_lib

        PLUGIN = plugin_lib.load("shout")


        def handler(event, context):
            return PLUGIN.run(event["text"])
        """,
}


@pytest.mark.native
def test_the_check_catches_a_module_a_library_imports_by_name_and_the_fixed_build_passes(tmp_path):
    src = tmp_path / "fn"
    for name, text in LIBRARY.items():
        os.makedirs(os.path.dirname(src / name), exist_ok=True)
        (src / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    common = ["--src", str(src), "--handler", "handlers/app.handler"]
    common += ["--out", str(tmp_path / "dist"), "--work-dir", str(tmp_path / "work")]
    failed = run_build(*common)
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert failed.stderr.startswith(
        "build: error: the built function does not start: its init fails with Runtime.ImportModuleError: "
        # The plugins' package is not compiled in either: nothing imports it by an import statement.
        "Unable to import module 'handlers/app': No module named 'plugin_lib.plugins'\n"
    ), failed.stderr
    assert "LAMBDA_WARNING" not in failed.stderr  # the runtime's own report of the error is not repeated
    assert os.listdir(tmp_path / "dist") == []  # no zip that would die on Lambda
    assert "--include-module" in failed.stderr
    fixed = run_build(*common, "--include-module", "plugin_lib.plugins.shout")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "  start-up      its handler loads" in fixed.stdout
    with Function(str(tmp_path / "dist" / "function.zip"), handler="handlers/app.handler") as fn:
        result = fn.invoke({"text": "<b>hi</b>"})
        assert result.json() == "&lt;B&gt;HI&lt;/B&gt;"
        # The handler's own source ships beside bootstrap, the library's does not.
        assert os.path.isfile(os.path.join(fn.task_root, "handlers", "app.py"))
        assert not os.path.exists(os.path.join(fn.task_root, "plugin_lib"))
