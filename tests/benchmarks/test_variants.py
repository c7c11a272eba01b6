"""Each variant is what its label says: where its runtime comes from and the state of its .pyc files."""

import importlib.util
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.pinning import spawning_on
from benchmarks.variants import VARIANTS
from benchmarks.workloads import WORKLOADS

MAGIC = importlib.util.MAGIC_NUMBER


def pyc_for(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def pyc_header(pyc: Path) -> tuple[int, int, int]:
    """(flags, mtime, size) of a .pyc (mtime and size are meaningful only for timestamp .pyc)."""
    data = pyc.read_bytes()[:16]
    assert data[:4] == MAGIC
    return struct.unpack("<III", data[4:16])


@pytest.fixture(scope="module")
def interpreted():
    return VARIANTS["interpreted"].prepare(WORKLOADS["hello"])


def test_interpreted_ships_the_runtime_and_valid_unchecked_hash_pyc(interpreted):
    task = interpreted.task_dir
    sources = sorted(task.rglob("*.py"))
    assert task / "app.py" in sources
    assert task / "lambda_native" / "runtime" / "loop.py" in sources
    assert (task / "orjson").is_dir()
    for source in sources:
        flags, _, _ = pyc_header(pyc_for(source))
        assert flags == 0b01, f"{source}: not an unchecked-hash .pyc"
    assert interpreted.command == [sys.executable, "-m", "lambda_native"]
    assert interpreted.env == {"PYTHONDONTWRITEBYTECODE": "1"}


def test_interpreted_imports_its_runtime_from_the_task_folder_not_the_checkout(interpreted):
    done = subprocess.run(
        [sys.executable, "-c", "import lambda_native.runtime.loop as b, orjson; print(b.__file__)"],
        cwd=interpreted.task_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(interpreted.task_dir)


def test_the_stale_variant_ships_only_stale_pyc():
    prepared = VARIANTS["interpreted-stale"].prepare(WORKLOADS["hello"])
    sources = sorted(prepared.task_dir.rglob("*.py"))
    assert sources
    for source in sources:
        flags, mtime, _ = pyc_header(pyc_for(source))
        assert flags == 0, f"{source}: not a timestamp .pyc"
        assert mtime != int(source.stat().st_mtime), f"{source}: its .pyc is not stale"
    assert prepared.env == {"PYTHONDONTWRITEBYTECODE": "1"}


def test_awslambdaric_runs_the_official_client_on_the_handler():
    prepared = VARIANTS["awslambdaric"].prepare(WORKLOADS["imports"])
    assert prepared.command == [sys.executable, "-m", "awslambdaric", "app.handler"]
    assert (prepared.task_dir / "pydantic").is_dir()
    assert not (prepared.task_dir / "lambda_native").exists()


def test_the_c_floor_is_a_bootstrap_that_echoes():
    prepared = VARIANTS["c-floor"].prepare(WORKLOADS["hello"])
    assert prepared.command is None
    assert os.access(prepared.task_dir / "bootstrap", os.X_OK)
    assert prepared.echoes


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two usable CPUs")
def test_a_child_spawned_on_a_cpu_is_pinned_there_and_the_parent_is_not():
    before = os.sched_getaffinity(0)
    cpu = max(before)
    with spawning_on(cpu):
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
            stdout=subprocess.PIPE,
            text=True,
        )
    out, _ = child.communicate(timeout=30)
    assert out.strip() == f"[{cpu}]"
    assert os.sched_getaffinity(0) == before
