"""Lambda's sandbox around the runtime, as `lambda-native invoke` and `serve` run it by default: the task
root read-only at /var/task, a private /tmp of the ephemeral storage's size, uid 993, Lambda's PATH, HOME
unset, nothing written into the user's folder; `--no-sandbox` gives the plain process back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import orjson
import pytest

from lambda_native.emulator import Function, sandbox
from lambda_native.emulator.lambda_env import LAMBDA_LD_LIBRARY_PATH, LAMBDA_PATH
from lambda_native.emulator.sandbox import DEFAULT_EPHEMERAL_MB, SANDBOX_UID, TASK_ROOT
from lambda_native.emulator.task_root import extract_zip
from tests.builder.conftest import native_zip  # noqa: F401  (the shared native build of examples/hello)

from .conftest import OUR_RUNTIME, TESTDATA
from .test_serve import Server

PROBE_SOURCE = TESTDATA / "sandbox"
NATIVE = "native"
INTERPRETED = "interpreted"


def listing(folder) -> list[str]:
    """Every path below `folder`, relative to it."""
    return sorted(
        os.path.relpath(os.path.join(top, name), folder)
        for top, dirs, files in os.walk(folder)
        for name in dirs + files
    )


@pytest.fixture
def user_folder(tmp_path):
    """A user's source folder holding the probe handlers."""
    folder = tmp_path / "src"
    shutil.copytree(PROBE_SOURCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture(params=[INTERPRETED, pytest.param(NATIVE, marks=pytest.mark.native)])
def runtime(request, user_folder, tmp_path):
    """(the function's folder, the command after --, or None for its bootstrap): the probe handlers under
    `python -m lambda_native`, or beside the native hello build's bootstrap, which imports them from the
    task root."""
    if request.param == INTERPRETED:
        return user_folder, OUR_RUNTIME
    folder = tmp_path / "native"
    extract_zip(request.getfixturevalue("native_zip"), folder)
    shutil.copy(user_folder / "probe.py", folder / "probe.py")
    return folder, None


def function(runtime, handler: str, **kwargs) -> Function:
    folder, command = runtime
    return Function(folder, command=command, handler=handler, **kwargs)


def test_the_task_root_is_read_only_at_var_task_and_the_user_is_lambdas(runtime):
    folder = runtime[0]
    before = listing(folder)
    with function(runtime, "probe.report", sandbox=True) as fn:
        result = fn.invoke({})
    assert result.ok, result.payload
    seen = result.json()
    assert seen["here"] == seen["task_root"] == seen["cwd"] == TASK_ROOT
    assert seen["write_task_root"] == "EROFS"
    assert seen["write_tmp"] == "ok"
    assert seen["uid"] == SANDBOX_UID
    assert seen["home"] is None
    assert seen["path"] == LAMBDA_PATH
    assert seen["ld_library_path"] == LAMBDA_LD_LIBRARY_PATH.format(task=TASK_ROOT)
    assert listing(folder) == before  # no written.txt, no __pycache__


def test_without_the_sandbox_the_function_runs_in_the_users_folder(runtime):
    folder = runtime[0]
    with function(runtime, "probe.report") as fn:
        seen = fn.invoke({}).json()
    assert seen["here"] == seen["task_root"] == str(folder)
    assert seen["write_task_root"] == "ok"
    assert seen["uid"] == os.getuid()
    assert (folder / "written.txt").exists()


@pytest.mark.parametrize("size_mb", [DEFAULT_EPHEMERAL_MB, 600])
def test_tmp_is_private_and_full_at_the_ephemeral_storage_size(runtime, size_mb):
    with function(runtime, "probe.fill_tmp", sandbox=True, ephemeral_storage=size_mb, timeout=30) as fn:
        result = fn.invoke({})
    assert result.json() == {"mb": size_mb, "error": "ENOSPC"}


def test_the_templates_ephemeral_storage_sizes_tmp_and_the_option_wins(user_folder, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: {user_folder}\n      Handler: probe.fill_tmp\n      Timeout: 30\n"
        "      EphemeralStorage:\n        Size: 640\n"
    )
    from_template = cli("invoke", "--template", template, "--", *OUR_RUNTIME)
    assert from_template.returncode == 0, from_template.stderr
    assert orjson.loads(from_template.stdout) == {"mb": 640, "error": "ENOSPC"}
    from_option = cli("invoke", "--template", template, "--ephemeral-storage", "576", "--", *OUR_RUNTIME)
    assert orjson.loads(from_option.stdout) == {"mb": 576, "error": "ENOSPC"}
    template.write_text(template.read_text().replace("640", "100"))
    refused = cli("invoke", "--template", template, "--", *OUR_RUNTIME)
    assert refused.returncode == 2
    assert b"Fn.EphemeralStorage.Size: ephemeral storage must be between 512 and 10240 MB" in refused.stderr


def test_a_raised_errors_stack_names_var_task(runtime):
    with function(runtime, "probe.fail", sandbox=True) as fn:
        result = fn.invoke({})
    assert result.error_type == "ValueError"
    assert f'File "{TASK_ROOT}/probe.py"' in "".join(result.json()["stackTrace"])


@pytest.mark.native
def test_a_compiled_handlers_stack_names_var_task(native_zip):  # noqa: F811
    with Function(native_zip, sandbox=True) as fn:
        result = fn.invoke({"error": "boom"})
    assert result.error_type == "ValueError"
    assert f'File "{TASK_ROOT}/app.py"' in "".join(result.json()["stackTrace"])


def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", *map(str, args)],
        capture_output=True,
        timeout=60,
        env=env,
    )


def test_invoke_runs_in_the_sandbox_by_default_and_no_sandbox_turns_it_off(user_folder):
    before = listing(user_folder)
    command = ["--handler", "probe.report", "--", *OUR_RUNTIME]
    sandboxed = cli("invoke", user_folder, *command)
    assert sandboxed.returncode == 0, sandboxed.stderr
    seen = orjson.loads(sandboxed.stdout)
    assert (seen["here"], seen["write_task_root"], seen["uid"]) == (TASK_ROOT, "EROFS", SANDBOX_UID)
    assert listing(user_folder) == before
    plain = cli("invoke", user_folder, "--no-sandbox", *command)
    assert plain.returncode == 0, plain.stderr
    seen = orjson.loads(plain.stdout)
    assert (seen["here"], seen["write_task_root"]) == (str(user_folder), "ok")
    assert seen["path"].endswith(":" + LAMBDA_PATH) and seen["path"] != LAMBDA_PATH  # the caller's first


def test_serve_runs_in_the_sandbox_by_default(user_folder):
    server = Server(user_folder, "--handler", "probe.report", "--", *OUR_RUNTIME)
    try:
        seen = orjson.loads(server.invoke({}).data)
    finally:
        server.close()
    assert (seen["here"], seen["write_task_root"], seen["uid"]) == (TASK_ROOT, "EROFS", SANDBOX_UID)


def test_ephemeral_storage_outside_lambdas_range_is_refused(user_folder):
    run = cli("invoke", user_folder, "--ephemeral-storage", "100", "--", *OUR_RUNTIME, "probe.report")
    assert run.returncode == 2
    assert b"between 512 and 10240 MB" in run.stderr
    run = cli("invoke", user_folder, "--no-sandbox", "--ephemeral-storage", "1024", "--", *OUR_RUNTIME)
    assert run.returncode == 2
    assert b"cannot go with --no-sandbox" in run.stderr


def test_without_user_namespaces_one_warning_and_the_plain_process(user_folder):
    """Run the emulator where the kernel allows no more user namespaces (their limit set to 0 inside
    one), as on hosts that forbid them."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("util-linux unshare is not installed")
    invoke = [
        sys.executable,
        "-m",
        "lambda_native.cli",
        "invoke",
        str(user_folder),
        "--repeat",
        "2",
        "--cold",
    ]
    script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'
    run = subprocess.run(
        [
            unshare,
            "--user",
            "--map-root-user",
            "sh",
            "-c",
            script,
            "sh",
            *invoke,
            "--handler",
            "probe.report",
            "--",
            *OUR_RUNTIME,
        ],
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.decode().splitlines() if "warning" in line]
    assert len(warnings) == 1, run.stderr
    assert "Lambda's sandbox is unavailable here (unshare(CLONE_NEWUSER | CLONE_NEWNS): " in warnings[0]
    assert "--no-sandbox" in warnings[0]
    seen = orjson.loads(run.stdout.splitlines()[0])
    assert (seen["here"], seen["write_task_root"]) == (str(user_folder), "ok")


def test_a_zip_runs_from_var_task(user_folder, tmp_path):
    zip_path = tmp_path / "function.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.write(user_folder / "probe.py", "probe.py")
    with Function(zip_path, command=OUR_RUNTIME, handler="probe.report", sandbox=True) as fn:
        seen = fn.invoke({}).json()
    assert (seen["here"], seen["write_task_root"]) == (TASK_ROOT, "EROFS")


TMP_CHECK = """
import os


def handler(event, context):
    try:
        open(os.path.join(event["kept"], "written.txt"), "w").close()
        write_kept = "ok"
    except OSError as exc:
        write_kept = os.strerror(exc.errno)
    return {"runtime_seen": os.path.exists(event["kept"]), "hidden_seen": os.path.exists(event["hidden"]),
            "write_kept": write_kept}
"""


def test_a_runtime_in_the_hosts_tmp_stays_visible_read_only_and_the_rest_of_tmp_is_hidden(
    user_folder, tmp_path
):
    # A checkout or a venv in /tmp (a CI runner's clone): the runtime must still start, and nothing else
    # of the host's /tmp may show through the sandbox's own.
    runtime = tmp_path / "run_runtime.py"
    runtime.write_text('import runpy\nrunpy.run_module("lambda_native", run_name="__main__")\n')
    (user_folder / "tmpcheck.py").write_text(TMP_CHECK)
    command = [sys.executable, str(runtime)]
    function = Function(user_folder, command=command, handler="tmpcheck.handler", sandbox=True)
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="lambda-native-hidden-") as hidden, function as fn:
        result = fn.invoke({"kept": str(tmp_path), "hidden": hidden.name})
        assert result.ok, (result.payload, result.logs)
        seen = result.json()
    assert seen == {"runtime_seen": True, "hidden_seen": False, "write_kept": "Read-only file system"}
    assert not (tmp_path / "written.txt").exists()
    assert sandbox.tmp_entries([str(runtime), "/usr/bin/python3", "relative"], str(user_folder)) == [
        str(tmp_path).split("/")[2]
    ]


NOBODY = 65534
AS_AN_ORDINARY_USER = """
import importlib.util, os, subprocess, sys
spec = importlib.util.spec_from_file_location("sandbox", sys.argv[1])
sandbox = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sandbox)
box = sandbox.Sandbox(sys.argv[2])
report, box.report_fd = os.pipe()
script = "id -u; pwd; touch x 2>/dev/null && echo writable || echo read-only"
run = subprocess.run(["/bin/sh", "-c", script], preexec_fn=box.enter, capture_output=True, text=True)
print(run.stdout, end="")
"""


def test_an_ordinary_user_gets_the_same_sandbox(tmp_path):
    """The set-up needs no root where the kernel allows unprivileged user namespaces: run it as nobody
    (with the system's Python: the project's may be in a folder only root can read)."""
    setpriv, python = shutil.which("setpriv"), "/usr/bin/python3"
    if os.getuid() != 0 or setpriv is None or not os.access(python, os.X_OK):
        pytest.skip("needs root (to become nobody), util-linux setpriv and /usr/bin/python3")
    task = tempfile.mkdtemp(prefix="lambda-native-nobody-")
    try:
        os.chmod(task, 0o755)
        as_nobody = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        run = subprocess.run(
            [*as_nobody, python, "-c", AS_AN_ORDINARY_USER, sandbox.__file__, task],
            capture_output=True,
            text=True,
            timeout=30,
            cwd="/",
        )
    finally:
        shutil.rmtree(task)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"{SANDBOX_UID}\n{TASK_ROOT}\nread-only\n"
