"""Measuring one variant under the project's emulator: one cold start, or a run of warm invokes.

The emulator (`lambda_native.emulator.Function`) starts the runtime as Lambda would, serves it the Runtime
API on 127.0.0.1 and times it: spawn → first `/next` (Init Duration) and spawn → first response are taken
by the server the moment each request is parsed. Warm round trips are timed here, around `invoke`, and the
runtime's CPU time per warm invoke is read from the kernel's scheduler statistics.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

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


def make_function(prepared: Prepared, workload: Workload, memory_mb: int, cpu: int | None):
    """An emulated function of a prepared variant, as every measurement of the suite starts it."""
    from lambda_native.emulator import Function

    return Function(
        prepared.task_dir,
        command=prepared.command,
        handler=workload.handler,
        timeout=INVOKE_TIMEOUT_S,
        memory=memory_mb,
        env={**workload.env, **prepared.env},
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
    with make_function(prepared, workload, memory_mb, cpu) as function:
        result = _checked(function.invoke(event), prepared, workload, event)
    return ColdSample(
        result.spawn_to_first_next_ns / 1e6, result.spawn_to_response_ns / 1e6, result.peak_rss_kb
    )


@contextmanager
def answered(
    prepared: Prepared, workload: Workload, event: bytes, memory_mb: int, cpu: int | None
) -> Iterator[int]:
    """A runtime started afresh that has answered one event correctly, still running: yields its pid."""
    with make_function(prepared, workload, memory_mb, cpu) as function:
        _checked(function.invoke(event), prepared, workload, event)
        yield function.environment.proc.pid


def runtime_cpu_ns(pid: int) -> tuple[int, int]:
    """Time every thread of `pid` has spent on a CPU and waiting for one so far, in ns (`schedstat`)."""
    on_cpu = waiting = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                ran, waited, _ = f.read().split()
        except OSError:  # a thread that just ended
            continue
        on_cpu += int(ran)
        waiting += int(waited)
    return on_cpu, waiting


class WarmRuntime:
    """One variant's warm environment and its warm samples: round trip and Duration, as before, and the
    runtime's own CPU time and its wait for a CPU per invoke.

    Duration is wall time: when other processes want the runtime's CPU (a shared machine), it includes the
    runtime's wait, which differs from row to row if rows are measured at different times. The CPU time
    does not; and the suite interleaves the warm invokes of every variant of a workload (`warm_rounds`),
    so whatever load there is falls on all of them alike.
    """

    def __init__(self, prepared: Prepared, workload: Workload, event: bytes, memory_mb: int, cpu: int | None):
        self.prepared, self.workload, self.event = prepared, workload, event
        self.function = make_function(prepared, workload, memory_mb, cpu)
        self.round_trips: list[float] = []
        self.durations: list[float] = []
        self.cpu: list[float] = []
        self.waits: list[float] = []
        self.result = None
        try:
            _checked(self.function.invoke(event), prepared, workload, event)  # the untimed cold start
        except BaseException:
            self.function.stop()
            raise

    def invoke(self) -> None:
        """One timed warm invoke; InvokeFailed if it answered with an error."""
        pid = self.function.environment.proc.pid
        cpu0, wait0 = runtime_cpu_ns(pid)
        t0 = time.perf_counter_ns()
        result = self.function.invoke(self.event)
        self.round_trips.append((time.perf_counter_ns() - t0) / 1e3)
        cpu1, wait1 = runtime_cpu_ns(pid)
        if result.error_type is not None:
            raise InvokeFailed(f"warm invoke: {_error_text(result)}")
        self.durations.append(result.duration_ms * 1e3)
        self.cpu.append((cpu1 - cpu0) / 1e3)
        self.waits.append((wait1 - wait0) / 1e3)
        self.result = result

    def figures(self) -> dict:
        """The warm figures of a result cell; the last answer checked like the first."""
        _checked(self.result, self.prepared, self.workload, self.event)
        return {
            "invokes": len(self.durations),
            "round_trip_us": summarize(self.round_trips),
            "duration_us": summarize(self.durations),
            "cpu_us": summarize(self.cpu),
            "wait_us": summarize(self.waits),
            "invokes_per_s": len(self.round_trips) / (sum(self.round_trips) / 1e6),
            "peak_rss_kb": self.result.peak_rss_kb,
        }

    def close(self) -> None:
        """Stop the runtime."""
        self.function.stop()
