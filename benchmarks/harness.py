"""Measuring one variant under the project's emulator: one cold start, or a run of warm invokes.

The emulator (`lambda_native.emulator.Function`) starts the runtime as Lambda would, serves it the Runtime
API on 127.0.0.1 and times it: spawn → first `/next` (Init Duration) and spawn → first response are taken
by the server the moment each request is parsed. Warm round trips are timed here, around `invoke`.
"""

from __future__ import annotations

import time

from benchmarks.stats import summarize
from benchmarks.variants import Prepared
from benchmarks.workloads import Workload

# Lambda's default function timeout is 3 s; a stale-.pyc pydantic cold start on a busy machine needs more.
INVOKE_TIMEOUT_S = 30.0
# How many of the runtime's last output lines a failure message quotes.
LOG_LINES = 8


class ColdSample:
    """One cold start: spawn → first `/next` and → first response (ms), and peak RSS of the tree (kB)."""

    __slots__ = ("first_response_ms", "init_ms", "peak_rss_kb")

    def __init__(self, init_ms: float, first_response_ms: float, peak_rss_kb: int) -> None:
        self.init_ms = init_ms
        self.first_response_ms = first_response_ms
        self.peak_rss_kb = peak_rss_kb


class InvokeFailed(RuntimeError):
    """The function answered with an error, or with something other than the workload's answer."""


def _function(prepared: Prepared, workload: Workload, memory_mb: int, cpu: int | None):
    from lambda_native.emulator import Function

    return Function(
        prepared.task_dir,
        command=prepared.command,
        handler=workload.handler,
        timeout=INVOKE_TIMEOUT_S,
        memory=memory_mb,
        env=prepared.env,
        cpu=cpu,
    )


def _error_text(result) -> str:
    """An error result in a few lines: its type, its message and the runtime's last output lines."""
    lines = [str(line).rstrip() for line in (result.logs or [])][-LOG_LINES:]
    return f"{result.error_type}: {bytes(result.payload)[:300]!r}" + "".join(f"\n  | {x}" for x in lines)


def _checked(result, prepared: Prepared, workload: Workload, event: bytes):
    """The result, if it is the answer the workload expects (the event itself from an echoing runtime)."""
    if result.error_type is not None:
        raise InvokeFailed(_error_text(result))
    payload = bytes(result.payload)
    if prepared.echoes:
        if payload != event:
            raise InvokeFailed(f"{workload.name}: the echo differs from the event: {payload[:200]!r}")
        return result
    try:
        workload.check(payload)
    except ValueError as exc:
        raise InvokeFailed(str(exc)) from exc
    return result


def cold_start(
    prepared: Prepared, workload: Workload, event: bytes, memory_mb: int, cpu: int | None
) -> ColdSample:
    """Start the runtime afresh, send one event, check the answer and return the cold-start figures."""
    with _function(prepared, workload, memory_mb, cpu) as function:
        result = _checked(function.invoke(event), prepared, workload, event)
    return ColdSample(
        result.spawn_to_first_next_ns / 1e6, result.spawn_to_response_ns / 1e6, result.peak_rss_kb
    )


def warm_invokes(
    prepared: Prepared, workload: Workload, event: bytes, invokes: int, memory_mb: int, cpu: int | None
) -> dict:
    """After one untimed cold invoke, `invokes` back-to-back invokes: round trips, Durations, rate, peak RSS.

    The round trip is timed here around `invoke`; the Duration is the emulator's (event sent → response
    received, as REPORT shows it), which leaves out the harness's own hop into the emulator's thread.
    """
    round_trips = []
    durations = []
    with _function(prepared, workload, memory_mb, cpu) as function:
        _checked(function.invoke(event), prepared, workload, event)
        started = time.perf_counter_ns()
        for _ in range(invokes):
            t0 = time.perf_counter_ns()
            result = function.invoke(event)
            round_trips.append((time.perf_counter_ns() - t0) / 1e3)
            durations.append(result.duration_ms * 1e3)
            if result.error_type is not None:
                raise InvokeFailed(f"warm invoke: {_error_text(result)}")
        elapsed_s = (time.perf_counter_ns() - started) / 1e9
        _checked(result, prepared, workload, event)
    return {
        "invokes": invokes,
        "round_trip_us": summarize(round_trips),
        "duration_us": summarize(durations),
        "invokes_per_s": invokes / elapsed_s,
        "peak_rss_kb": result.peak_rss_kb,
    }
