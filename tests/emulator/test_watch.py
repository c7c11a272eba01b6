"""`lambda-native watch`: a real server process on 127.0.0.1, real HTTP, and a function folder edited
between invokes as a user edits it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lambda_native.emulator.watch import changes, describe, snapshot

from .test_serve import Server

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "examples" / "requests" / "requirements.txt"

HANDLER = """\
import os


def handler(event, context):
    return {{"version": {version}, "pid": os.getpid(), "native": "__compiled__" in globals()}}
"""


@pytest.fixture
def watch():
    servers = []

    def start(*args) -> Server:
        servers.append(Server(*args, command="watch"))
        return servers[-1]

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.close()


def write_handler(folder, version, source: str = HANDLER) -> None:
    (folder / "app.py").write_text(source.format(version=version))


def answer(server: Server) -> dict:
    reply = server.invoke({})
    assert reply.status == 200, reply.data
    return reply.json()


def test_the_invoke_after_a_change_runs_the_new_code(watch, tmp_path):
    write_handler(tmp_path, 1)
    server = watch(tmp_path, "--work-dir", tmp_path / ".work")
    first = answer(server)
    assert first["version"] == 1 and first["native"] is False
    assert answer(server)["pid"] == first["pid"]  # unchanged: warm
    write_handler(tmp_path, 2)
    second = answer(server)  # at once: no wait for the poll
    assert second["version"] == 2 and second["pid"] != first["pid"]
    # A module of the folder that the handler imports counts as well.
    (tmp_path / "settings.py").write_text("VERSION = 30\n")
    write_handler(tmp_path, "__import__('settings').VERSION")
    assert answer(server)["version"] == 30
    (tmp_path / "settings.py").write_text("VERSION = 31\n")
    assert answer(server)["version"] == 31
    lines = server.close()
    assert "lambda-native watch: app.py changed: the next invoke runs it interpreted" in lines
    assert "lambda-native watch: settings.py changed: the next invoke runs it interpreted" in lines


def test_what_is_not_the_functions_code_does_not_restart_it(watch, tmp_path):
    write_handler(tmp_path, 1)
    server = watch(tmp_path)
    pid = answer(server)["pid"]
    (tmp_path / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "__pycache__" / "other.cpython-311.pyc").write_bytes(b"x")
    (tmp_path / ".app.py.swp").write_bytes(b"x")
    (tmp_path / ".build").mkdir()
    (tmp_path / ".build" / "log").write_text("x")
    assert answer(server)["pid"] == pid


def test_a_syntax_error_is_the_init_error_and_the_fix_recovers(watch, tmp_path):
    write_handler(tmp_path, 1)
    server = watch(tmp_path, "--handler", "app.handler")
    assert answer(server)["version"] == 1
    (tmp_path / "app.py").write_text("def handler(event, context)\n    return 1\n")
    broken = server.invoke({})
    assert broken.status == 502
    assert broken.json()["errorType"] == "Runtime.UserCodeSyntaxError"
    assert "expected ':'" in broken.json()["errorMessage"]
    write_handler(tmp_path, 3)
    assert answer(server)["version"] == 3


def test_another_interpreted_runtime_after_the_separator(watch, tmp_path):
    write_handler(tmp_path, 1)
    server = watch(tmp_path, "--", sys.executable, "-m", "awslambdaric", "app.handler")
    assert answer(server)["version"] == 1
    write_handler(tmp_path, 2)
    assert answer(server)["version"] == 2


def test_requirements_are_installed_into_the_work_folder_for_the_function(watch, tmp_path):
    (tmp_path / "app.py").write_text(
        "import requests\n\n\ndef handler(event, context):\n    return {'from': requests.__file__}\n"
    )
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS.read_text())
    # Kept between sessions, as the examples' installs are: reinstalled only when the file changes.
    work = ROOT / ".build" / "examples" / "watch"
    server = watch(tmp_path, "--requirements", tmp_path / "requirements.txt", "--work-dir", work)
    assert answer(server)["from"].startswith(str(work / "requirements" / "requests"))


def test_a_zip_is_refused_with_what_to_give(tmp_path):
    (tmp_path / "function.zip").write_bytes(b"PK")
    done = subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", "watch", str(tmp_path / "function.zip")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "is not a folder: watch takes the function's source folder (the build's --src)" in done.stderr


def test_snapshot_sees_additions_removals_and_rewrites(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "c").write_text("c")
    ignore = (str(tmp_path / "work"),)
    before = snapshot(str(tmp_path), ignore)
    assert sorted(before) == ["b.txt", os.path.join("pkg", "a.py")]
    (tmp_path / "b.txt").unlink()
    (tmp_path / "new.py").write_text("n")
    os.utime(tmp_path / "pkg" / "a.py", ns=(time.time_ns(), time.time_ns() + 10**9))
    (tmp_path / "work" / "d").write_text("d")
    after = snapshot(str(tmp_path), ignore)
    assert changes(before, after) == ["b.txt", "new.py", os.path.join("pkg", "a.py")]
    assert describe(["a", "b", "c", "d"]) == "a, b, c, ... (4 files)"


def test_a_failed_native_build_is_reported_and_the_interpreted_runtime_keeps_serving(watch, tmp_path):
    # Defined at run time: the build, which parses the module for its handler, refuses it; Python runs it.
    (tmp_path / "app.py").write_text('globals()["handler"] = lambda event, context: {"version": 1}\n')
    server = watch(tmp_path, "--native", "--work-dir", tmp_path / ".work")
    wait_for_line(server, "native build failed", 120, fail_on=None)
    [line] = [line for line in server.lines if "native build failed" in line]
    assert line.endswith(
        "so invokes keep running the code interpreted: handler app.handler: "
        f"{tmp_path}/app.py defines no 'handler' at top level (functions defined: none)"
    )
    assert answer(server) == {"version": 1}


@pytest.mark.native
def test_native_builds_take_over_when_done(watch, tmp_path):
    write_handler(tmp_path, 1)
    server = watch(tmp_path, "--native", "--work-dir", tmp_path / ".work")
    assert answer(server) | {"pid": 0} == {"version": 1, "pid": 0, "native": False}  # while it builds
    wait_for_line(server, "native build done", 900)
    assert answer(server) | {"pid": 0} == {"version": 1, "pid": 0, "native": True}
    write_handler(tmp_path, 2)
    assert answer(server) | {"pid": 0} == {"version": 2, "pid": 0, "native": False}  # at once, interpreted
    wait_for_line(server, "native build done", 900, after=1)
    assert answer(server) | {"pid": 0} == {"version": 2, "pid": 0, "native": True}


def wait_for_line(
    server: Server, text: str, seconds: float, after: int = 0, fail_on: str | None = "native build failed"
) -> None:
    """Wait until `text` has been printed more than `after` times (failing at once on `fail_on`)."""
    deadline = time.monotonic() + seconds
    while sum(text in line for line in server.lines) <= after:
        assert time.monotonic() < deadline, "\n".join(server.lines)
        assert fail_on is None or not any(fail_on in line for line in server.lines), "\n".join(server.lines)
        time.sleep(0.1)
