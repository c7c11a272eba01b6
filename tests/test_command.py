"""The `lambda-native` command dispatches to each subcommand, from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    done = run("publish", cwd=str(tmp_path))
    assert done.returncode == 2
    assert "unknown command 'publish'" in done.stderr


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


def test_bench_outside_a_checkout_says_where_the_suite_is(tmp_path):
    """Installed without the repository around it (as a wheel installs it), bench explains itself."""
    site = tmp_path / "site"
    package = Path(__file__).resolve().parent.parent / "src" / "lambda_native"
    shutil.copytree(package, site / "lambda_native", ignore=shutil.ignore_patterns("__pycache__"))
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); from lambda_native.cli import main; sys.exit(main())"
    )
    # -S: no site-packages, so the editable install of this checkout cannot win over the copy.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, "bench", "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "the benchmark suite is part of the lambda-native repository" in done.stderr
    assert str(site / "lambda_native") in done.stderr
    assert "Traceback" not in done.stderr


def test_bench_loads_the_checkouts_suite_without_putting_the_checkout_on_sys_path(tmp_path):
    code = (
        "import os, sys\n"
        "from lambda_native.cli import bench\n"
        "try:\n"
        "    bench(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import benchmarks\n"
        "print(os.path.dirname(benchmarks.__file__))\n"
        "print(sys.path)\n"
    )
    checkout = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "python -m benchmarks" in done.stdout  # the suite's own --help
    folder, path = done.stdout.splitlines()[-2:]
    assert folder == os.path.join(checkout, "benchmarks")
    assert repr(checkout) not in path
