"""The platform's log lines for each invoke: START, END and REPORT, as CloudWatch shows them.

Text format (the default):
    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
        Max Memory Used: 19 MB\tInit Duration: 14.20 ms      (one line, tab-separated)

`Init Duration` appears on cold starts only, last, where CloudWatch puts it. With `--log-format JSON` the
same facts are the `platform.start` / `platform.runtimeDone` / `platform.report` records of Lambda's JSON
log format. Under emulation (an arm64 bootstrap run by qemu on x86_64) Init Duration and Max Memory Used
are qemu's figures, and are labelled so.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

import orjson


class EndedInvoke(Protocol):
    """What the END and REPORT lines tell of an invoke (`measure.InvokeResult` has it)."""

    request_id: str
    report: str
    status: str
    error_type: str | None
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None
    emulator: str | None


def billed_ms(duration_ms: float) -> int:
    """Billed Duration: the duration rounded up to the millisecond (at least 1 ms)."""
    return max(1, math.ceil(round(duration_ms, 6)))


def memory_mb(kb: int) -> int:
    """Kilobytes rounded up to whole megabytes (MiB), as Max Memory Used is reported."""
    return math.ceil(kb / 1024)


def start_line(request_id: str, version: str) -> str:
    """The START line."""
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    """The END line."""
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    emulator: str | None = None,
) -> str:
    """The REPORT line; `init_duration_ms` is None on a warm invoke. `emulator` (e.g. "qemu-aarch64")
    labels the figures an emulator makes meaningless for the real CPU."""
    label = f" (emulated by {emulator}, not the real CPU's)" if emulator else ""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms)} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB{label}",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms{label}")
    return "\t".join(fields)


def _timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _record(kind: str, record: dict) -> str:
    return orjson.dumps({"time": _timestamp(), "type": kind, "record": record}).decode()


def start_json(request_id: str, version: str) -> str:
    """The `platform.start` record (JSON log format)."""
    return _record("platform.start", {"requestId": request_id, "version": version})


def runtime_done_json(request_id: str, status: str, error_type: str | None) -> str:
    """The `platform.runtimeDone` record (JSON log format), standing in for END."""
    record = {"requestId": request_id, "status": status}
    if error_type:
        record["errorType"] = error_type
    return _record("platform.runtimeDone", record)


def report_json(
    request_id: str,
    status: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    error_type: str | None,
    emulator: str | None = None,
) -> str:
    """The `platform.report` record (JSON log format); `emulator` is recorded beside the metrics it skews."""
    metrics: dict = {
        "durationMs": round(duration_ms, 3),
        "billedDurationMs": billed_ms(duration_ms),
        "memorySizeMB": memory_size_mb,
        "maxMemoryUsedMB": max_memory_used_mb,
    }
    if init_duration_ms is not None:
        metrics["initDurationMs"] = round(init_duration_ms, 3)
    record: dict = {"requestId": request_id, "metrics": metrics, "status": status}
    if error_type:
        record["errorType"] = error_type
    if emulator:
        record["emulatedBy"] = emulator
    return _record("platform.report", record)


def platform_start(request_id: str, version: str, json_format: bool) -> str:
    """What the platform logs as an invoke starts: START, or `platform.start` in the JSON log format."""
    return start_json(request_id, version) if json_format else start_line(request_id, version)


def platform_end(result: EndedInvoke, json_format: bool) -> list[str]:
    """What the platform logs as an invoke ends: END and REPORT, or their JSON records."""
    if not json_format:
        return [end_line(result.request_id), result.report]
    return [
        runtime_done_json(result.request_id, result.status, result.error_type),
        report_json(
            result.request_id,
            result.status,
            result.duration_ms,
            result.memory_size_mb,
            result.max_memory_used_mb,
            result.init_duration_ms,
            result.error_type,
            result.emulator,
        ),
    ]


def parse_report(line: str) -> dict[str, str]:
    """The fields of a text REPORT line, e.g. {"RequestId": "...", "Duration": "1.23 ms", ...}."""
    if not line.startswith("REPORT "):
        raise ValueError(f"not a REPORT line: {line!r}")
    fields = {}
    for part in line[len("REPORT ") :].split("\t"):
        if part:
            name, _, value = part.partition(": ")
            fields[name] = value
    return fields
