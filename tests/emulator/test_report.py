"""START / END / REPORT lines and the platform's own error messages."""

from __future__ import annotations

import orjson
import pytest

from lambda_native.emulator import platform_errors
from lambda_native.emulator import platform_log as report


def test_report_line_cold_and_warm():
    assert report.report_line("id-1", 1.23, 128, 19, 14.2) == (
        "REPORT RequestId: id-1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 19 MB\tInit Duration: 14.20 ms"
    )
    assert report.report_line("id-2", 0.5, 256, 30, None) == (
        "REPORT RequestId: id-2\tDuration: 0.50 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\t"
        "Max Memory Used: 30 MB"
    )
    assert report.start_line("id-1", "$LATEST") == "START RequestId: id-1 Version: $LATEST"
    assert report.end_line("id-1") == "END RequestId: id-1"


@pytest.mark.parametrize(("ms", "billed"), [(0.01, 1), (1.0, 1), (1.001, 2), (2.5, 3), (3000.0, 3000)])
def test_billed_duration_rounds_up(ms, billed):
    assert report.billed_ms(ms) == billed


@pytest.mark.parametrize(("kb", "mb"), [(1, 1), (1024, 1), (1025, 2), (19 * 1024, 19)])
def test_memory_rounds_up_to_mb(kb, mb):
    assert report.memory_mb(kb) == mb


def test_parse_report_round_trip():
    fields = report.parse_report(report.report_line("x", 1.0, 128, 10, None))
    assert fields == {
        "RequestId": "x",
        "Duration": "1.00 ms",
        "Billed Duration": "1 ms",
        "Memory Size": "128 MB",
        "Max Memory Used": "10 MB",
    }
    with pytest.raises(ValueError):
        report.parse_report("START RequestId: x")


def test_json_report_record():
    record = orjson.loads(report.report_json("x", "timeout", 3000.0, 128, 20, None, "Sandbox.Timedout"))
    assert record["type"] == "platform.report" and record["time"].endswith("Z")
    assert record["record"] == {
        "requestId": "x",
        "metrics": {
            "durationMs": 3000.0,
            "billedDurationMs": 3000,
            "memorySizeMB": 128,
            "maxMemoryUsedMB": 20,
        },
        "status": "timeout",
        "errorType": "Sandbox.Timedout",
    }


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (1, "Runtime exited with error: exit status 1"),
        (0, "Runtime exited without providing a reason"),
        (-9, "Runtime exited with error: signal: killed"),
        (-15, "Runtime exited with error: signal: terminated"),
        (-6, "Runtime exited with error: signal: aborted"),
    ],
)
def test_exit_messages(code, text):
    assert platform_errors.exit_error_message("rid", code) == f"RequestId: rid Error: {text}"


def test_timeout_and_size_messages():
    assert platform_errors.timeout_message(3) == "Task timed out after 3.00 seconds"
    assert platform_errors.timeout_message(0.5) == "Task timed out after 0.50 seconds"
    assert platform_errors.response_too_large_message(7000000) == (
        "Response payload size (7000000 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    )
