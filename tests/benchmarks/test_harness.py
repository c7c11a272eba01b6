"""The harness against runtimes whose start-up cost is known, and the suite run end to end on them."""

import sys
from pathlib import Path

import orjson
import pytest

from benchmarks import harness
from benchmarks.artifacts import PrepareError
from benchmarks.reference import BarePython, spawn_to_exit_ms
from benchmarks.schema import missing_figures, validate
from benchmarks.suite import run_suite
from benchmarks.variants import Prepared, Variant
from benchmarks.workloads import WORKLOADS

SLOW_RUNTIME = Path(__file__).parent / "testdata" / "slow_runtime.py"
SLEEP_S = 0.150


class SlowVariant(Variant):
    """A runtime that sleeps `SLEEP_S` before its first `/next` and echoes every event."""

    name = "slow"
    label = "slow fake"
    description = f"a Python script that sleeps {SLEEP_S * 1000:.0f} ms, then echoes events"

    def prepare(self, workload, work_dir=None):
        size = {"zip_bytes": 1, "unzipped_bytes": 1, "contents": "a test script"}
        command = [sys.executable, str(SLOW_RUNTIME), str(SLEEP_S)]
        return Prepared(command, SLOW_RUNTIME.parent, {}, size, echoes=True)


def test_a_runtime_that_sleeps_before_next_is_measured_at_least_that_long():
    workload = WORKLOADS["hello"]
    sample = harness.cold_start(SlowVariant().prepare(workload), workload, workload.event(), 128, None)
    assert sample.init_ms >= SLEEP_S * 1000
    assert sample.first_response_ms >= sample.init_ms
    assert sample.peak_rss_kb > 1000  # a Python process: several MB, read from /proc


def test_warm_invokes_report_round_trips_cpu_time_and_a_rate():
    workload = WORKLOADS["hello"]
    runtime = harness.WarmRuntime(SlowVariant().prepare(workload), workload, workload.event(), 128, None)
    try:
        for _ in range(20):
            runtime.invoke()
        warm = runtime.figures()
    finally:
        runtime.close()
    assert warm["invokes"] == 20
    assert warm["round_trip_us"]["n"] == 20
    assert 0 < warm["round_trip_us"]["min"] <= warm["round_trip_us"]["p99"]
    assert warm["invokes_per_s"] > 0
    # A Python runtime that reads, echoes and posts an event spends some µs of CPU on it: never none.
    assert warm["cpu_us"]["n"] == 20 and warm["cpu_us"]["median"] > 0
    assert warm["wait_us"]["min"] >= 0


class LoggingVariant(SlowVariant):
    """The slow fake, writing its name to a shared log for every event it answers."""

    def __init__(self, name: str, log: Path) -> None:
        self.name = self.label = name
        self.log = log

    def prepare(self, workload, work_dir=None):
        prepared = super().prepare(workload, work_dir)
        prepared.command = [*prepared.command, str(self.log), self.name]
        return prepared


def test_warm_invokes_of_a_workloads_variants_are_interleaved(tmp_path):
    log = tmp_path / "order"
    variants = [LoggingVariant(name, log) for name in ("a", "b", "c")]
    doc, _ = run_suite(
        variants, [WORKLOADS["hello"]], runs=1, warm_invokes=4, out_dir=tmp_path, command="test", quick=True,
        reference=False, say=lambda _: None,
    )  # fmt: skip
    assert missing_figures(doc) == []
    order = log.read_text().split()
    warm = order[-12:]  # after each one's cold starts and its untimed first warm-up invoke
    assert [sorted(warm[i : i + 3]) for i in range(0, 12, 3)] == [["a", "b", "c"]] * 4
    assert [warm[i] for i in range(0, 12, 3)] == ["a", "b", "c", "a"]  # each round starts one later


def test_a_wrong_answer_is_a_failure_not_a_measurement():
    workload = WORKLOADS["hello"]
    prepared = SlowVariant().prepare(workload)
    prepared.echoes = False  # the echo is not what hello's handler returns
    with pytest.raises(harness.InvokeFailed, match="unexpected response"):
        harness.cold_start(prepared, workload, workload.event(), 128, None)


def test_a_runtime_that_exits_is_a_failure_with_its_output():
    workload = WORKLOADS["hello"]
    size = {"zip_bytes": 1, "unzipped_bytes": 1, "contents": "-"}
    prepared = Prepared([sys.executable, "-c", "print('going'); raise SystemExit(3)"], Path.cwd(), {}, size)
    with pytest.raises(harness.InvokeFailed, match=r"Runtime.ExitError(.|\n)*going"):
        harness.cold_start(prepared, workload, workload.event(), 128, None)


def test_spawn_to_exit_times_a_known_sleep():
    assert spawn_to_exit_ms([sys.executable, "-S", "-c", "import time; time.sleep(0.1)"], None) >= 100
    with pytest.raises(RuntimeError, match="exited with 2"):
        spawn_to_exit_ms([sys.executable, "-S", "-c", "raise SystemExit(2)"], None)


def test_the_bare_interpreter_reports_its_own_peak_rss():
    ms, kb = BarePython().sample(None)
    assert ms > 0
    assert 1000 < kb < 100_000


def test_the_suite_end_to_end_on_the_fake_runtime(tmp_path):
    workloads = [WORKLOADS["hello"], WORKLOADS["json"]]
    doc, paths = run_suite(
        [SlowVariant()], workloads, runs=2, warm_invokes=3, out_dir=tmp_path, command="test", quick=True,
        say=lambda _: None,
    )  # fmt: skip
    assert validate(orjson.loads(paths["json"].read_bytes())) == []
    assert missing_figures(doc) == []
    for cell in doc["cells"]:
        assert cell["cold"]["init_ms"]["min"] >= SLEEP_S * 1000
        assert cell["cold"]["first_response_ms"]["n"] == 2
    assert doc["reference"]["bare python"]["spawn_to_exit_ms"]["n"] == 2
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class BrokenVariant(Variant):
    """A variant whose preparation fails, as a native build without a compiler would."""

    name = "broken"
    label = "broken"
    description = "cannot be prepared"

    def prepare(self, workload, work_dir=None):
        raise PrepareError("native build of hello failed (exit 2): no C compiler")


def test_a_variant_that_cannot_be_prepared_is_reported_and_the_rest_measured(tmp_path):
    doc, paths = run_suite(
        [BrokenVariant(), SlowVariant()], [WORKLOADS["hello"]], runs=1, warm_invokes=2, out_dir=tmp_path,
        command="test", quick=True, reference=False, say=lambda _: None,
    )  # fmt: skip
    assert validate(doc) == []
    broken, slow = doc["cells"]
    assert broken["status"] == "failed"
    assert broken["errors"] == ["prepare: native build of hello failed (exit 2): no C compiler"]
    assert broken["cold"] is None and broken["warm"] is None and broken["size"] is None
    assert slow["status"] == "ok"
    assert doc["reference"] == {}
    assert missing_figures(doc)[0].startswith("broken x hello: status failed (prepare: native build")
    assert "Not measured in this run:" in paths["md"].read_text()
