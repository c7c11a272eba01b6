"""Fixtures for the build tests: a Runtime API server on 127.0.0.1 and the C floor, built once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .runtime_api import RuntimeAPI

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_PY = os.path.join(ROOT, "build.py")


def run_build(*args: str, env: dict | None = None, python: str = sys.executable, cwd: str = ROOT):
    """Run `python build.py ARGS` as a user would; returns the CompletedProcess (text)."""
    return subprocess.run(
        [python, BUILD_PY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture
def runtime_api():
    api = RuntimeAPI()
    yield api
    api.close()


@pytest.fixture(scope="session")
def c_floor(tmp_path_factory) -> str:
    """The C floor built by `build.py --c-floor`, as a user builds it."""
    out = tmp_path_factory.mktemp("c-floor-dist")
    result = run_build("--c-floor", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return os.path.join(out, "c-floor", "bootstrap")
