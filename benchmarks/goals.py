"""`python -m benchmarks.goals`: issue 13's goals, measured: response streaming and Managed Instances slots.

Streaming (workload `stream`): time to first byte at the caller, cold, for a handler that yields its first
chunk at once and then works for 1 s, against the C floor's cold first response in the same round; and the
peak RSS a 100 MiB stream adds to a warm runtime. Concurrency (workload `slots`): the makespan of 8
invokes sent at once to one environment with `--max-concurrency 8` (each sleeps 200 ms, or spins), and the
PSS of the runtime's process tree (shared pages counted once) with 8 slots over the same with 1 slot;
the official client is measured the same way. Rounds are interleaved (every configuration once per round,
starting one later each round); medians are reported, ratios are of medians from this one run.
Writes `benchmarks/results/<date>-<host>-goals.json` and `.md` (or `--out`).
"""

from __future__ import annotations

import argparse
import datetime
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

from benchmarks.machine import REPO_ROOT, git_state, machine_info
from benchmarks.variants import VARIANTS, Prepared
from benchmarks.workloads import Workload

STREAM = Workload("stream", "a streaming handler: a first chunk at once then 1 s of work, or N MiB")
SLOTS = Workload("slots", "sleeps (I/O-bound) or spins (CPU-bound), served by concurrent slots")
SLOTS_N = 8
SLEEP_EVENT = {"sleep": 0.2}
SPIN_EVENT = {"spin": 2_000_000}
STREAM_MB = 100
MEMORY_MB = 1024


def _function(prepared: Prepared, handler: str, **kwargs):
    from lambda_native.emulator import Function

    return Function(
        prepared.task_dir, command=prepared.command, handler=handler, env=prepared.env, timeout=60, **kwargs
    )


class _FirstByte:
    """A stream sink noting when its first body byte arrived, and how many bytes came."""

    def __init__(self) -> None:
        self.t_first: float | None = None
        self.size = 0

    def begin(self, content_type: str) -> None:
        pass

    def data(self, data: bytes) -> None:
        if self.t_first is None:
            self.t_first = time.perf_counter()
        self.size += len(data)

    def end(self, trailers: dict) -> None:
        pass


def first_byte_ms(prepared: Prepared) -> float:
    """Cold: invoke sent -> the first streamed byte at the caller (the runtime spawned by this invoke)."""
    with _function(prepared, "app.handler", memory=MEMORY_MB) as fn:
        sink = _FirstByte()
        t0 = time.perf_counter()
        result = fn.invoke({}, stream=sink)
        if not result.ok or sink.t_first is None:
            raise RuntimeError(f"stream failed: {result.error_type} {result.payload[:200]!r}")
        return (sink.t_first - t0) * 1000


def floor_response_ms(prepared: Prepared) -> float:
    """Cold: invoke sent -> the C floor's whole (echoed) response."""
    with _function(prepared, "app.handler", memory=MEMORY_MB) as fn:
        t0 = time.perf_counter()
        result = fn.invoke({})
        if not result.ok:
            raise RuntimeError(f"C floor failed: {result.payload[:200]!r}")
        return (time.perf_counter() - t0) * 1000


def stream_growth_kb(prepared: Prepared) -> tuple[int, int]:
    """(peak RSS after a warm 1-chunk stream, what a 100 MiB stream adds to it), in kB."""
    with _function(prepared, "app.handler", memory=MEMORY_MB) as fn:
        before = fn.invoke({"mb": 0}, stream=_FirstByte())
        sink = _FirstByte()
        after = fn.invoke({"mb": STREAM_MB}, stream=sink)
        if not after.ok or sink.size != STREAM_MB << 20:
            raise RuntimeError(f"100 MiB stream failed: {after.error_type}, {sink.size} bytes")
        return before.peak_rss_kb, after.peak_rss_kb - before.peak_rss_kb


def tree_pss_kb(pid: int) -> int:
    """The PSS of a process tree (the runtime's session), from smaps_rollup: shared pages counted once."""
    from lambda_native.emulator.memory import session_members

    total = 0
    for member in session_members(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def slots_round(prepared: Prepared, slots: int, event: dict, processes: str | None) -> tuple[float, int]:
    """(makespan of SLOTS_N invokes sent at once, tree PSS after them), warm, with `slots` slots."""
    env = dict(prepared.env)
    if processes:
        env["LAMBDA_NATIVE_PROCESSES"] = processes
    prepared = Prepared(prepared.command, prepared.task_dir, env, prepared.size)
    with (
        _function(prepared, "app.handler", memory=MEMORY_MB, max_concurrency=slots) as fn,
        ThreadPoolExecutor(SLOTS_N) as pool,
    ):

        def batch() -> float:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: fn.invoke(event), range(SLOTS_N)))
            if not all(r.ok for r in results):
                raise RuntimeError(f"slots failed: {[r.payload[:100] for r in results if not r.ok]}")
            return (time.perf_counter() - t0) * 1000

        batch()  # warm: every slot has served once
        makespan = statistics.median(batch() for _ in range(3))
        time.sleep(0.2)
        return makespan, tree_pss_kb(fn.environment.proc.pid)


def rotated(items: list, round_number: int) -> list:
    shift = round_number % len(items)
    return items[shift:] + items[:shift]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.goals", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    p.add_argument("--variants", default="native,interpreted", help="ours to measure (default both)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    ours = [VARIANTS[name] for name in args.variants.split(",")]
    stream_ready = {v.name: v.prepare(STREAM) for v in ours}
    slots_ready = {v.name: v.prepare(SLOTS) for v in [*ours, VARIANTS["awslambdaric"]]}
    floor = VARIANTS["c-floor"].prepare(STREAM)

    jobs: dict[str, callable] = {"ttfb/c-floor": lambda: floor_response_ms(floor)}
    for name, prepared in stream_ready.items():
        jobs[f"ttfb/{name}"] = lambda prepared=prepared: first_byte_ms(prepared)
        jobs[f"stream100/{name}"] = lambda prepared=prepared: stream_growth_kb(prepared)
    configs = [(name, 1, SLEEP_EVENT, None, "sleep") for name in slots_ready]
    configs += [(name, SLOTS_N, SLEEP_EVENT, None, "sleep") for name in slots_ready]
    configs += [(name, SLOTS_N, SPIN_EVENT, None, "spin") for name in stream_ready]
    configs += [(name, SLOTS_N, SPIN_EVENT, "auto", "spin") for name in stream_ready]
    configs += [(name, SLOTS_N, SLEEP_EVENT, "auto", "sleep") for name in stream_ready]
    for name, slots, event, processes, kind in configs:
        key = f"slots/{name}/{kind}/n{slots}" + ("/processes" if processes else "")
        jobs[key] = lambda name=name, slots=slots, event=event, processes=processes: slots_round(
            slots_ready[name], slots, event, processes
        )
    samples: dict[str, list] = {key: [] for key in jobs}
    for number in range(args.rounds):
        for key in rotated(list(jobs), number):
            samples[key].append(jobs[key]())
        print(f"round {number + 1}/{args.rounds} done", flush=True)

    def med(key: str, index: int | None = None) -> float:
        values = samples[key] if index is None else [s[index] for s in samples[key]]
        return statistics.median(values)

    lines = [
        f"# Issue 13 goals: streaming and Managed Instances slots ({args.rounds} interleaved rounds)",
        "",
        "| measure | variant | median | goal |",
        "|---|---|---|---|",
        f"| cold first response, C floor | c-floor | {med('ttfb/c-floor'):.1f} ms | |",
    ]
    for name in stream_ready:
        ttfb = med(f"ttfb/{name}")
        lines.append(
            f"| cold time to first byte (first chunk, then 1 s of work) | {name} | {ttfb:.1f} ms "
            f"({ttfb - med('ttfb/c-floor'):+.1f} ms over the C floor) | < +50 ms natively |"
        )
        base, growth = med(f"stream100/{name}", 0), med(f"stream100/{name}", 1)
        lines.append(
            f"| peak RSS a {STREAM_MB} MiB stream adds (warm peak before: {base / 1024:.1f} MB) | {name} | "
            f"{growth / 1024:.1f} MB ({growth / (STREAM_MB * 1024) * 100:.1f}% of the stream) | < 10% |"
        )
    for name in slots_ready:
        one = med(f"slots/{name}/sleep/n1", 0)
        eight = med(f"slots/{name}/sleep/n{SLOTS_N}", 0)
        pss1, pss8 = med(f"slots/{name}/sleep/n1", 1), med(f"slots/{name}/sleep/n{SLOTS_N}", 1)
        lines.append(
            f"| {SLOTS_N} invokes of 200 ms at once: 1 slot / {SLOTS_N} slots | {name} | {one:.0f} ms / "
            f"{eight:.0f} ms | {SLOTS_N} slots < 300 ms |"
        )
        lines.append(
            f"| tree PSS: 1 slot / {SLOTS_N} slots | {name} | {pss1 / 1024:.1f} MB / {pss8 / 1024:.1f} MB "
            f"({pss8 / pss1:.2f}x) | <= 1.5x |"
        )
    for name in stream_ready:
        threads, procs = f"slots/{name}/spin/n{SLOTS_N}", f"slots/{name}/spin/n{SLOTS_N}/processes"
        sleep_procs = f"slots/{name}/sleep/n{SLOTS_N}/processes"
        lines.append(
            f"| {SLOTS_N} CPU-bound invokes at once: threads / forked processes (auto) | {name} | "
            f"{med(threads, 0):.0f} ms / {med(procs, 0):.0f} ms | (design) |"
        )
        pss_threads, pss_procs = med(f"slots/{name}/sleep/n{SLOTS_N}", 1), med(sleep_procs, 1)
        lines.append(
            f"| tree PSS, {SLOTS_N} slots: threads / forked processes (auto) | {name} | "
            f"{pss_threads / 1024:.1f} MB / {pss_procs / 1024:.1f} MB | (design) |"
        )
    info = machine_info()
    machine = f"{info['cpu_model']} ({info['cpus_usable']} CPUs usable), python {info['python']}"
    lines += ["", f"Machine: {machine}; git {git_state().get('commit')}."]
    table = "\n".join(lines) + "\n"
    print(table)
    stem = f"{datetime.date.today().isoformat()}-{socket.gethostname()}-goals"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.md").write_text(table)
    document = {"machine": info, "git": git_state(), "rounds": args.rounds, "samples": samples}
    (args.out / f"{stem}.json").write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
