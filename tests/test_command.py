"""The `lambda-native` command dispatches to each subcommand, from any folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(sys.executable), "lambda-native")


def run(*args: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_no_command_prints_usage(tmp_path):
    done = run(cwd=str(tmp_path))
    assert done.returncode == 2
    for command in ("invoke", "serve", "build", "bench"):
        assert f"  {command} " in done.stdout


def test_unknown_command_is_refused(tmp_path):
    done = run("deploy", cwd=str(tmp_path))
    assert done.returncode == 2
    assert "unknown command 'deploy'" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invoke"], "give a function.zip, a folder holding 'bootstrap'"),
        (["build", "--handler", "nodot"], "--handler 'nodot' is malformed"),
        # The benchmark suite lives in the checkout, not the package: found from another folder too.
        (["bench", "--runs", "0"], "--runs: must be at least 1, got 0"),
    ],
)
def test_subcommands_parse_their_own_arguments(tmp_path, args, message):
    done = run(*args, cwd=str(tmp_path))
    assert done.returncode == 2
    assert message in done.stderr
