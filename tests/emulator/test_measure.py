"""What an invoke cost, from its stamps: durations, Init Duration, memory, and the END/REPORT lines."""

from __future__ import annotations

import orjson

from lambda_native.emulator import platform_log as report
from lambda_native.emulator.invocation import Invocation, Outcome
from lambda_native.emulator.lambda_env import FunctionConfig
from lambda_native.emulator.measure import measure

MS = 1_000_000
CONFIG = FunctionConfig(handler="app.handler", timeout=3.0, memory=128)


def invocation(cold: bool, t_handout_ns: int | None) -> Invocation:
    inv = Invocation(b"{}", {}, future=None)
    inv.cold = cold
    inv.t_handout_ns = t_handout_ns
    inv.logs.append("a line")
    return inv


def test_a_cold_invoke():
    inv = invocation(True, 40 * MS)
    outcome = Outcome(b'"ok"', None, t_ns=41 * MS + 500_000)
    result = measure(inv, outcome, CONFIG, peak_kb=14 * 1024 + 1, t_spawn_ns=10 * MS, t_first_next_ns=39 * MS)
    assert result.ok and result.cold and result.payload == b'"ok"'
    assert result.duration_ms == 1.5 and result.billed_duration_ms == 2
    assert result.init_duration_ms == 29.0
    assert result.spawn_to_first_next_ns == 29 * MS
    assert result.spawn_to_response_ns == 31 * MS + 500_000
    assert (result.max_memory_used_mb, result.peak_rss_kb) == (15, 14 * 1024 + 1)
    assert result.invoke_peak_rss_kb == result.peak_rss_kb  # a cold invoke's own peak includes the init
    assert result.logs == ["a line"]
    assert result.report == report.report_line(inv.request_id, 1.5, 128, 15, 29.0)


def test_a_warm_invoke_has_no_init_and_memory_is_capped_at_the_size():
    inv = invocation(False, 40 * MS)
    outcome = Outcome(b"{}", None, t_ns=40 * MS + 200_000)
    result = measure(inv, outcome, CONFIG, peak_kb=500 * 1024, t_spawn_ns=0, t_first_next_ns=None)
    assert result.init_duration_ms is None and result.spawn_to_first_next_ns is None
    assert result.max_memory_used_mb == 128
    assert "Init Duration" not in result.report


def test_a_timeout_lasts_the_timeout_and_an_init_that_never_asked_lasts_until_the_end():
    inv = invocation(True, None)
    outcome = Outcome(b"Task timed out", "Sandbox.Timedout", status="timeout", t_ns=13_010 * MS)
    result = measure(inv, outcome, CONFIG, peak_kb=0, t_spawn_ns=10 * MS, t_first_next_ns=None)
    assert result.duration_ms == 3000.0 and result.status == "timeout"
    assert result.init_duration_ms == 13_000.0
    assert result.spawn_to_response_ns is None


def test_platform_lines_in_text_and_json():
    inv = invocation(False, 0)
    outcome = Outcome(b"{}", "Function.Oops", t_ns=MS)
    result = measure(inv, outcome, CONFIG, peak_kb=1024, t_spawn_ns=0, t_first_next_ns=None)
    assert report.platform_end(result, json_format=False) == [
        f"END RequestId: {inv.request_id}",
        result.report,
    ]
    done, record = (orjson.loads(line) for line in report.platform_end(result, json_format=True))
    assert done["type"] == "platform.runtimeDone"
    assert done["record"] == {"requestId": inv.request_id, "status": "error", "errorType": "Function.Oops"}
    assert record["type"] == "platform.report" and record["record"]["metrics"]["durationMs"] == 1.0
    assert report.platform_start(inv.request_id, "$LATEST", json_format=False).startswith("START RequestId")
