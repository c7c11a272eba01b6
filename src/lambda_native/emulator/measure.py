"""What one invoke returned and what it cost, measured as Lambda measures it: `InvokeResult`.

Duration is event sent -> reply received (capped at the timeout; the timeout itself when it timed out),
Init Duration is spawn -> first `/next` (or -> the end, for an init that never asked), Max Memory Used
is the runtime tree's peak RSS in MB, capped at the memory size. Every instant is a `perf_counter_ns`
stamp taken where it happened (requests are stamped when parsed), so nothing here reads a clock.
"""

from __future__ import annotations

import orjson

from lambda_native.emulator import platform_log
from lambda_native.emulator.invocation import Invocation, Outcome
from lambda_native.emulator.lambda_env import FunctionConfig


class InvokeResult:
    """What one invoke returned and what it cost, as measured by the emulator.

    `payload` is the response (or error document) as the caller receives it; `error_type` is None on
    success. Durations are floats in ms; `init_duration_ms`, `spawn_to_first_next_ns` and
    `spawn_to_response_ns` are None on warm invokes. `peak_rss_kb` is the runtime tree's exact peak
    resident memory so far; `max_memory_used_mb` is the same rounded up to MB and capped at the memory
    size, as REPORT shows it. `invoke_peak_rss_kb` is the peak during this invoke alone (the init included
    on a cold start; with several invokes in flight, during any of them), which REPORT does not show.
    `logs` are the runtime's own output lines during this invoke (and its init, on a cold start); `report`
    is the REPORT line. `emulator` names the emulator that ran a runtime built for another CPU (e.g.
    "qemu-aarch64"), whose timings and memory are its own; None when native.
    """

    __slots__ = (
        "billed_duration_ms",
        "cold",
        "content_type",
        "duration_ms",
        "emulator",
        "error_type",
        "init_duration_ms",
        "invoke_peak_rss_kb",
        "logs",
        "max_memory_used_mb",
        "memory_size_mb",
        "payload",
        "peak_rss_kb",
        "report",
        "request_id",
        "spawn_to_first_next_ns",
        "spawn_to_response_ns",
        "status",
        "streamed",
        "trailers",
    )

    def __init__(self, **fields) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    @property
    def ok(self) -> bool:
        """True when the function returned a response (no error of any kind)."""
        return self.error_type is None

    def json(self):
        """The payload parsed as JSON."""
        return orjson.loads(self.payload)

    def __repr__(self) -> str:
        return (
            f"InvokeResult(request_id={self.request_id!r}, error_type={self.error_type!r}, cold={self.cold}, "
            f"duration_ms={self.duration_ms:.2f}, init_duration_ms={self.init_duration_ms}, "
            f"max_memory_used_mb={self.max_memory_used_mb}, payload={self.payload[:80]!r})"
        )


def measure(
    inv: Invocation,
    outcome: Outcome,
    config: FunctionConfig,
    *,
    peak_kb: int,
    t_spawn_ns: int,
    t_first_next_ns: int | None,
    emulator: str | None = None,
    invoke_peak_kb: int | None = None,
) -> InvokeResult:
    """The result of `inv`, ended with `outcome`; the spawn and first-`/next` stamps count if it was cold."""
    timeout_ms = config.timeout * 1000
    if outcome.status == "timeout":
        duration = timeout_ms
    elif inv.t_handout_ns is not None:
        duration = min((outcome.t_ns - inv.t_handout_ns) / 1e6, timeout_ms)
    else:
        duration = 0.0
    max_used = min(platform_log.memory_mb(peak_kb), config.memory)
    init_ms = spawn_next = spawn_response = None
    if inv.cold:
        t_ready = t_first_next_ns if t_first_next_ns is not None else outcome.t_ns
        spawn_next = t_first_next_ns - t_spawn_ns if t_first_next_ns is not None else None
        init_ms = (t_ready - t_spawn_ns) / 1e6
        spawn_response = outcome.t_ns - t_spawn_ns if inv.t_handout_ns is not None else None
    return InvokeResult(
        request_id=inv.request_id,
        payload=outcome.payload,
        content_type=outcome.content_type,
        error_type=outcome.error_type,
        status=outcome.status,
        cold=inv.cold,
        init_duration_ms=init_ms,
        duration_ms=duration,
        billed_duration_ms=platform_log.billed_ms(duration),
        memory_size_mb=config.memory,
        max_memory_used_mb=max_used,
        peak_rss_kb=peak_kb,
        invoke_peak_rss_kb=peak_kb if invoke_peak_kb is None else invoke_peak_kb,
        spawn_to_first_next_ns=spawn_next,
        spawn_to_response_ns=spawn_response,
        logs=inv.logs,
        emulator=emulator,
        report=platform_log.report_line(inv.request_id, duration, config.memory, max_used, init_ms, emulator),
        trailers=outcome.trailers,
        streamed=outcome.streamed,
    )
