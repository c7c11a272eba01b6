"""`python -m benchmarks`: bad arguments are refused clearly; `--quick` writes a complete result."""

import subprocess
import sys

import orjson
import pytest

from benchmarks.machine import REPO_ROOT
from benchmarks.schema import missing_figures, validate
from benchmarks.variants import DEFAULT_VARIANTS

NON_NATIVE = [name for name in DEFAULT_VARIANTS if name != "native"]


def bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "native,turbo"], "unknown variant 'turbo'; choose from native, interpreted"),
        (["--variants", ","], "unknown variant (none given)"),
        (["--workloads", "hello,big"], "unknown workload 'big'; choose from hello, json, imports"),
        (["--runs", "0"], "--runs: must be at least 1, got 0"),
        (["--warm", "many"], "--warm: expected a whole number, got 'many'"),
        (["--speed"], "unrecognized arguments: --speed"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(args, message):
    done = bench(*args, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr


def check_complete(out, variants, workloads):
    (json_file,) = out.glob("*.json")
    doc = orjson.loads(json_file.read_bytes())
    assert validate(doc) == []
    assert missing_figures(doc) == []
    assert doc["settings"]["quick"] is True
    assert {(c["variant"], c["workload"]) for c in doc["cells"]} == {
        (v, w) for v in variants for w in workloads
    }
    for cell in doc["cells"]:
        assert cell["status"] == "ok", cell["errors"]
        assert cell["cold"]["first_response_ms"]["n"] == 3
        assert cell["warm"]["invokes"] == 50
        assert cell["size"]["zip_bytes"] > 0
        for baseline in ("awslambdaric", "interpreted"):
            if baseline != cell["variant"] and baseline in variants:
                assert set(cell["ratios"][baseline]) == {"init", "first_response", "peak_rss"}
    assert doc["reference"]["bare python"]["spawn_to_exit_ms"]["n"] == 3
    table = json_file.with_suffix(".md").read_text()
    for variant in variants:
        label = doc["variants"][variant]["label"]
        for workload in workloads:
            assert f"| {label} | {workload} |" in table
    assert "Not measured" not in table
    assert json_file.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_suite_without_native_builds_is_complete(tmp_path):
    # The real-function workloads (boto3, Powertools, FastAPI) add a minute of stale-.pyc cold starts here;
    # test_workloads.py checks that each answers, interpreted and under awslambdaric.
    workloads = ("hello", "json", "imports")
    done = bench("--quick", "--variants", ",".join(NON_NATIVE), "--workloads", ",".join(workloads),
                 "--out", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    check_complete(tmp_path, NON_NATIVE, workloads)


@pytest.mark.native
def test_quick_suite_is_complete(tmp_path):
    # The imports workload's native build compiles all of pydantic: ~10 minutes on 2 cores from a cold
    # cache, too long for every CI run; the default suite measures it, and the run above covers its rows.
    workloads = ("hello", "json")
    done = bench("--quick", "--workloads", ",".join(workloads), "--out", str(tmp_path), timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    check_complete(tmp_path, DEFAULT_VARIANTS, workloads)
