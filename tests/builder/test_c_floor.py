"""The C floor (bootstrap.c): compiled warning-free and answering a real Runtime API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from lambda_native.builder import cfloor
from lambda_native.builder.target import glibc
from lambda_native.builder.target.toolchain import find_c_compiler
from lambda_native.emulator import Function

from .conftest import run_build

MAX_EVENT = 6291556


def start(path: str, api: str, **env: str) -> subprocess.Popen:
    environ = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": api, **env}
    return subprocess.Popen([path], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def running(c_floor, runtime_api):
    process = start(c_floor, runtime_api.address)
    yield process
    process.kill()
    process.wait()


def test_compiles_without_warnings(tmp_path):
    cc = find_c_compiler()
    result = subprocess.run(
        [cc, *cfloor.CFLAGS, "-o", str(tmp_path / "bootstrap"), cfloor.SOURCE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stderr == ""


def test_needs_no_newer_glibc_than_al2023(c_floor):
    need = glibc.glibc_need(c_floor)
    assert need is not None and need.version <= (2, 34), need.describe()


def test_echoes_under_the_emulator(c_floor):
    with Function(os.path.dirname(c_floor)) as fn:
        first = fn.invoke({"name": "Ada"})
        assert first.ok and first.cold
        assert first.json() == {"name": "Ada"}
        second = fn.invoke(b"[1, 2, 3]")
        assert second.ok and not second.cold
        assert second.payload == b"[1, 2, 3]"


def test_echoes_events_on_one_connection(running, runtime_api):
    ids = [runtime_api.push(b'{"n": %d}' % n) for n in range(3)]
    responses = runtime_api.wait_requests("response", 3)
    assert [r.request_id for r in responses] == ids
    assert [r.body for r in responses] == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']
    assert responses[0].header("content-type") == "application/json"
    assert len({r.connection for r in runtime_api.requests}) == 1, "one kept-alive connection"


def test_echoes_a_large_event(running, runtime_api):
    event = b'"' + b"x" * (3 * 1024 * 1024) + b'"'
    runtime_api.push(event)
    [response] = runtime_api.wait_requests("response")
    assert response.body == event


def test_reports_an_oversize_event_and_carries_on(running, runtime_api):
    request_id = runtime_api.push(b"x" * (MAX_EVENT + 1))
    [error] = runtime_api.wait_requests("error")
    assert error.request_id == request_id
    assert error.header("lambda-runtime-function-error-type") == "Runtime.EventTooLarge"
    document = json.loads(error.body)
    assert document["errorType"] == "Runtime.EventTooLarge"
    assert str(MAX_EVENT + 1) in document["errorMessage"]
    assert document["requestId"] == request_id
    runtime_api.push(b"{}")
    [response] = runtime_api.wait_requests("response")
    assert response.body == b"{}"


def test_exits_when_next_fails(c_floor, runtime_api):
    runtime_api.push_status(500)
    process = start(c_floor, runtime_api.address)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 1
    assert "invocation/next answered 500" in stderr


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (None, "AWS_LAMBDA_RUNTIME_API is not set"),
        ("127.0.0.1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1 is not HOST:PORT"),
        ("127.0.0.1:http", "is not HOST:PORT"),
        ("127.0.0.1:1", "cannot connect to the Runtime API at 127.0.0.1:1"),
    ],
)
def test_bad_runtime_api_is_a_message_and_exit_1(c_floor, api, message):
    env = {"PATH": os.environ.get("PATH", "")}
    if api is not None:
        env["AWS_LAMBDA_RUNTIME_API"] = api
    result = subprocess.run([c_floor], env=env, capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 1
    assert message in result.stderr


def test_without_a_c_compiler_says_so(tmp_path):
    env = {"PATH": str(tmp_path)}
    result = run_build("--c-floor", "--out", str(tmp_path), env=env)
    assert result.returncode == 2
    assert "no C compiler found" in result.stderr
    env["CC"] = "/nonexistent/cc"
    result = run_build("--c-floor", "--out", str(tmp_path), env=env)
    assert result.returncode == 2
    assert "CC='/nonexistent/cc' was not found" in result.stderr


def test_builds_from_a_wheel(tmp_path):
    """`--c-floor` finds bootstrap.c inside an installed wheel (the top-level file is not there)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    project = tmp_path / "project"
    shutil.copytree(
        os.path.join(root, "src"), project / "src", symlinks=True, ignore=shutil.ignore_patterns("*.egg-info")
    )
    for name in ("pyproject.toml", "README.md", "bootstrap.c"):
        shutil.copy(os.path.join(root, name), project / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(project)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    assert not (site / "lambda_native" / "builder" / "bootstrap.c").is_symlink()
    code = "import sys; from lambda_native.commands.build import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, "--c-floor", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert os.access(tmp_path / "out" / "c-floor" / "bootstrap", os.X_OK)
