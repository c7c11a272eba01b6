"""Fixtures for the build tests: the shared fake Runtime API on 127.0.0.1, a folder served on 127.0.0.1,
the C floor and the native build of examples/hello, each built once per session."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading

import pytest

from lambda_native.emulator.task_root import extract_zip
from tests.support.fake_api import FakeRuntimeAPI

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_PY = os.path.join(ROOT, "build.py")


def run_build(*args: str, env: dict | None = None, python: str = sys.executable, cwd: str = ROOT):
    """Run `python build.py ARGS` as a user would; returns the CompletedProcess (text)."""
    return subprocess.run(
        [python, BUILD_PY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1; yields (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def runtime_api():
    """The fake Runtime API (tests/support), closed after the test."""
    with FakeRuntimeAPI() as api:
        yield api


@pytest.fixture(scope="session")
def c_floor(tmp_path_factory) -> str:
    """The C floor built by `build.py --c-floor`, as a user builds it."""
    out = tmp_path_factory.mktemp("c-floor-dist")
    result = run_build("--c-floor", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return os.path.join(out, "c-floor", "bootstrap")


INPUTS = [
    os.path.join(ROOT, "examples", "hello"),
    os.path.join(ROOT, "src", "lambda_native", "runtime"),
    os.path.join(ROOT, "src", "lambda_native", "builder"),
]


def newest_input() -> float:
    """The latest modification time of anything the build of examples/hello depends on here."""
    return max(
        os.path.getmtime(os.path.join(folder, name))
        for top in INPUTS
        for folder, _, files in os.walk(top)
        if "__pycache__" not in folder
        for name in files
    )


@pytest.fixture(scope="session")
def native_zip(tmp_path_factory) -> str:
    """dist/function.zip if it is up to date, else a fresh build of examples/hello in a temporary folder."""
    existing = os.path.join(ROOT, "dist", "function.zip")
    if os.path.exists(existing) and os.path.getmtime(existing) > newest_input():
        return existing
    out = tmp_path_factory.mktemp("native")
    result = run_build("--out", str(out), "--work-dir", str(out / "work"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "glibc floor" in result.stdout
    return str(out / "function.zip")


@pytest.fixture(scope="session")
def task_root(native_zip, tmp_path_factory) -> str:
    """The zip unpacked with its modes, as Lambda unpacks it into /var/task."""
    root = tmp_path_factory.mktemp("var-task")
    extract_zip(native_zip, root)
    return str(root)
