"""`python -m benchmarks.soak`: a long run of warm invokes of a mixed load, resident memory sampled over time.

Lambda bills and kills a function by its resident memory, and a warm environment serves thousands of
invokes: memory that creeps up under a realistic mix is a defect even when no object leaks (an allocator
that keeps freed memory, a heap fragmented by large buffers). The mix is the one issue 14 measured: 5 %
invalid JSON, 1 % events of 1-3 MB, the rest small unicode events. Every answer is checked (the event echoed
back, or `Runtime.UnmarshalError`), so a runtime that answers wrongly fails instead of being measured.

For each variant, on one warm environment: the runtime's RSS (`VmRSS`) every `--sample-every` invokes,
the peak RSS of the small invokes just before and just after each big event (each invoke's own peak,
`InvokeResult.invoke_peak_rss_kb`: REPORT's Max Memory Used is the environment's high-water mark, as on
Lambda, and never falls), and from these the steady-state RSS (median of the second half) and the
growth over the second half: how far the floor of RSS (the least of a window of samples, which a large
event's passing memory does not lift) rose from the first tenth of the second half to its last tenth; and
how far the peak of the small invoke after each large event stood above where it was before (the median
peak of the last few small invokes), once the first tenth of the run has loaded what the runtime loads
for good.
With `--max-concurrency N` the function runs as on Lambda Managed Instances and N callers keep N invokes
in flight; the mix then also holds handler crashes (`--crash-share`, 1 %: the process ends) and timeouts
(`--timeout-share`, 1 %: the handler outruns a 3 s timeout), each checked for its own answer
(`Runtime.ExitError`, `Sandbox.Timedout`) while every other invoke must still be answered right. Memory
is then the PSS of the runtime's process tree (its workers share their pages), sampled the same way.
Writes `<out>/soak-<date>-<host>.json` and `.png` (RSS over invokes, one line per variant).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson

from benchmarks.machine import REPO_ROOT, git_state, machine_info
from benchmarks.stats import summarize

HANDLERS_DIR = REPO_ROOT / "benchmarks" / "handlers"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
DEFAULT_INVOKES = 100_000
DEFAULT_SAMPLE_EVERY = 250
BIG_SHARE = 0.01
INVALID_SHARE = 0.05
BIG_SIZES_MB = (1.0, 1.5, 2.0, 2.5, 3.0)
MEMORY_MB = 256  # room above the biggest event's decode, so the limit never ends a run
FAULT_SHARE = 0.01  # of crashes, and of timeouts, with --max-concurrency
FAULT_TIMEOUT_S = 3.0  # the function's timeout in a soak with faults (Lambda's default)
OVERRUN_S = 3.3  # how long an overrunning handler sleeps
# Small invokes whose median peak is "where it was" before a large event: one alone swings by a megabyte or
# more as the interpreter's arenas come and go.
BEFORE_WINDOW = 9

SMALL, BIG, INVALID, CRASH, OVERRUN = "small", "big", "invalid", "crash", "overrun"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
EXPECTED_ERRORS = {INVALID: UNMARSHAL_ERROR, CRASH: "Runtime.ExitError", OVERRUN: "Sandbox.Timedout"}
_WORDS = ("Zoë", "naïve", "café", "日本語", "Ελληνικά", "😀", "emoji 🚀", "plain", "ascii text", "Ünïcödé")


def small_event(rng: random.Random, index: int) -> bytes:
    """A few hundred bytes of unicode JSON: the everyday event."""
    return orjson.dumps(
        {
            "id": index,
            "user": f"{rng.choice(_WORDS)}-{rng.randrange(10_000)}",
            "tags": [rng.choice(_WORDS) for _ in range(rng.randrange(1, 8))],
            "amount": rng.randrange(-(10**6), 10**6) / 100,
            "flags": {"new": rng.random() < 0.5, "vip": None},
        }
    )


def big_event(target_mb: float, seed: int) -> bytes:
    """A deterministic event of about `target_mb` MB: records with unicode text, numbers and nesting."""
    rng = random.Random(seed)
    target = int(target_mb * 1_000_000)
    records, size = [], 0
    while size < target:
        record = {
            "n": len(records),
            "text": " ".join(rng.choice(_WORDS) for _ in range(12)),
            "values": [rng.randrange(10**9) for _ in range(8)],
            "nested": {"ok": True, "ratio": rng.random()},
        }
        records.append(record)
        size += len(orjson.dumps(record)) + 1
    return orjson.dumps({"id": f"big-{seed}", "records": records})


def invalid_event(rng: random.Random, index: int) -> bytes:
    """Bytes that are not JSON: a truncated object, as a broken client sends."""
    return small_event(rng, index)[: -rng.randrange(1, 5)]


class Mix:
    """The deterministic sequence of events: (kind, event bytes, expected echo or None)."""

    def __init__(
        self,
        seed: int = 14,
        big_share: float = BIG_SHARE,
        invalid_share: float = INVALID_SHARE,
        crash_share: float = 0.0,
        timeout_share: float = 0.0,
    ):
        self.seed = seed
        self.big_share = big_share
        self.invalid_share = invalid_share
        self.crash_share = crash_share
        self.timeout_share = timeout_share
        self.big = [big_event(mb, seed * 100 + i) for i, mb in enumerate(BIG_SIZES_MB)]
        self._big_parsed = [orjson.loads(event) for event in self.big]

    def events(self, count: int) -> Iterator[tuple[str, bytes, object]]:
        """`count` events; the first is always small (the cold start is not what is measured here)."""
        rng = random.Random(self.seed)
        for index in range(count):
            roll = rng.random() if index else 1.0
            if roll < self.big_share:
                which = rng.randrange(len(self.big))
                yield BIG, self.big[which], self._big_parsed[which]
            elif roll < self.big_share + self.invalid_share:
                yield INVALID, invalid_event(rng, index), None
            elif roll < self.big_share + self.invalid_share + self.crash_share:
                yield CRASH, b'{"fault": "crash"}', None
            elif roll < self.big_share + self.invalid_share + self.crash_share + self.timeout_share:
                yield OVERRUN, orjson.dumps({"fault": "overrun", "sleep": OVERRUN_S}), None
            else:
                event = small_event(rng, index)
                yield SMALL, event, orjson.loads(event)


class WrongAnswer(RuntimeError):
    """The runtime answered an invoke with something other than what the soak handler returns."""


def check(kind: str, expected: object, result) -> None:
    """WrongAnswer unless `result` is the event echoed back (or, for invalid JSON, a crash or a timeout,
    its own error)."""
    if kind in EXPECTED_ERRORS:
        if result.error_type != EXPECTED_ERRORS[kind]:
            raise WrongAnswer(f"{kind} event answered {result.error_type}: {bytes(result.payload)[:200]!r}")
        return
    if result.error_type is not None:
        raise WrongAnswer(f"{kind} event answered {result.error_type}: {bytes(result.payload)[:300]!r}")
    if orjson.loads(bytes(result.payload)) != expected:
        raise WrongAnswer(f"{kind} event: the echo differs from the event: {bytes(result.payload)[:200]!r}")


def rss_kb(pid: int) -> int:
    """The process's resident memory now (`VmRSS`), in kB."""
    from lambda_native.emulator.memory import status_kb

    return status_kb(pid, b"VmRSS:")


def heap_kb(pid: int) -> int:
    """How much of the process's `[heap]` (glibc's main arena, where freed large blocks stay) is resident."""
    from benchmarks.mappings import resident_mappings

    smaps = Path(f"/proc/{pid}/smaps").read_text()
    return sum(rss for path, _, rss in resident_mappings(smaps) if path == "[heap]")


def soak_slots(
    function, mix: Mix, invokes: int, sample_every: int, at_once: int, say: Callable[[str], None] = print
) -> dict:
    """Run `invokes` events of `mix` through a warm Managed Instances `function`, `at_once` in flight, and
    sample the tree's PSS every `sample_every` invokes, between invokes; the figures (no per-invoke peaks:
    invokes overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    from benchmarks.goals import tree_pss_kb

    samples: list[tuple[int, int]] = []
    counts = collections.Counter()
    wrong: list[Exception] = []
    room = threading.Semaphore(at_once)
    lock = threading.Lock()

    def one(kind: str, event: bytes, expected: object) -> None:
        try:
            check(kind, expected, function.invoke(event))
            with lock:
                counts[kind] += 1
        except Exception as exc:  # reported, with every other wrong answer, at the end
            wrong.append(exc)
        finally:
            room.release()

    function.init()  # sampled from the first invoke on
    started = time.monotonic()
    with ThreadPoolExecutor(at_once) as pool:
        for index, (kind, event, expected) in enumerate(mix.events(invokes)):
            room.acquire()
            if wrong:
                break
            pool.submit(one, kind, event, expected)
            if index % sample_every == 0 or index == invokes - 1:
                # Sampled with no invoke in flight: a 1-3 MB event being decoded would hide the floor.
                for _ in range(at_once):
                    room.acquire()
                samples.append((index + 1, tree_pss_kb(function.environment.proc.pid)))
                for _ in range(at_once):
                    room.release()
            if index and index % (invokes // 10 or 1) == 0:
                say(f"  {index:,} invokes, tree PSS {samples[-1][1] / 1024:.1f} MB")
    if wrong:
        raise WrongAnswer(f"{len(wrong)} wrong answers; the first: {wrong[0]}")
    return {
        "invokes": invokes,
        "max_concurrency": at_once,
        "memory": "tree PSS",
        "counts": dict(counts),
        "seconds": time.monotonic() - started,
        "rss_kb": samples,
        **figures(samples, []),
    }


def soak(function, mix: Mix, invokes: int, sample_every: int, say: Callable[[str], None] = print) -> dict:
    """Run `invokes` events of `mix` through a warm `function` (an emulator `Function`); the figures."""
    samples: list[tuple[int, int]] = []
    after_big: list[dict] = []
    recent: collections.deque[float] = collections.deque(maxlen=BEFORE_WINDOW)  # small invokes' peaks
    pending = None
    counts = {SMALL: 0, BIG: 0, INVALID: 0}
    started = time.monotonic()
    for index, (kind, event, expected) in enumerate(mix.events(invokes)):
        result = function.invoke(event)
        check(kind, expected, result)
        counts[kind] += 1
        peak_mb = result.invoke_peak_rss_kb / 1024
        if kind == BIG:
            before = summarize(recent)["median"] if recent else None
            pending = {"index": index, "before_mb": before, "big_mb": peak_mb}
        elif kind == SMALL:
            recent.append(peak_mb)
            if pending is not None:
                after_big.append({**pending, "after_mb": peak_mb})
                pending = None
        if index % sample_every == 0 or index == invokes - 1:
            samples.append((index + 1, rss_kb(function.environment.proc.pid)))
        if index and index % (invokes // 10 or 1) == 0:
            say(f"  {index:,} invokes, RSS {samples[-1][1] / 1024:.1f} MB")
    return {
        "invokes": invokes,
        "counts": counts,
        "heap_kb_at_end": heap_kb(function.environment.proc.pid),
        "seconds": time.monotonic() - started,
        "rss_kb": samples,
        "after_big": after_big,
        **figures(samples, after_big),
    }


def figures(samples: list[tuple[int, int]], after_big: list[dict]) -> dict:
    """Steady-state RSS, growth over the second half, how far an invoke's peak came back after big events."""
    second = [kb for index, kb in samples if index > samples[-1][0] / 2] or [samples[-1][1]]
    tenth = max(1, len(second) // 10)
    # After the first tenth of the run: the first large events load orjson and ctypes for good and settle
    # the interpreter's arenas, a one-time growth of the runtime, not memory a large event keeps.
    settled = samples[-1][0] / 10
    returns = [
        a["after_mb"] - a["before_mb"]
        for a in after_big
        if a["before_mb"] is not None and a["index"] >= settled
    ]
    return {
        "steady_rss_kb": summarize(second)["median"],
        "second_half_growth_kb": min(second[-tenth:]) - min(second[:tenth]),
        "max_rss_kb": max(kb for _, kb in samples),
        "after_big_excess_mb": summarize(returns) if returns else None,
    }


def run_variant(
    variant, mix: Mix, invokes: int, sample_every: int, say: Callable[[str], None], at_once: int | None = None
) -> dict:
    """Prepare `variant` for the soak handler and soak one warm environment of it (`at_once`: Managed
    Instances' concurrency, with the faults handler)."""
    from benchmarks.harness import make_function
    from benchmarks.workloads import Workload

    if at_once is None:
        workload = Workload("soak", "echoes each event back")
        prepared = variant.prepare(workload)
        say(f"soak: {variant.name}, {invokes:,} invokes")
        with make_function(prepared, workload, MEMORY_MB, None) as function:
            return soak(function, mix, invokes, sample_every, say)
    from lambda_native.emulator import Function

    workload = Workload("soak_faults", "echoes each event back, or crashes, or outruns its timeout")
    prepared = variant.prepare(workload)
    say(f"soak: {variant.name}, {invokes:,} invokes, {at_once} at once")
    with Function(
        prepared.task_dir,
        command=prepared.command,
        handler=workload.handler,
        timeout=FAULT_TIMEOUT_S,
        memory=MEMORY_MB * at_once,
        env={**workload.env, **prepared.env},
        max_concurrency=at_once,
    ) as function:
        return soak_slots(function, mix, invokes, sample_every, at_once, say)


def write_chart(doc: dict, path: Path) -> None:
    """RSS over invokes, one line per variant, big events marked along the bottom."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.5), constrained_layout=True)
    for name, run in doc["runs"].items():
        if "rss_kb" not in run:
            continue
        xs = [index for index, _ in run["rss_kb"]]
        ax.plot(xs, [kb / 1024 for _, kb in run["rss_kb"]], linewidth=1.2, label=doc["labels"][name])
    bigs = {a["index"] for run in doc["runs"].values() for a in run.get("after_big", ())}
    if bigs:
        ax.plot(sorted(bigs), [0] * len(bigs), "|", color="grey", markersize=8, label="big event (1-3 MB)")
    ax.set_xlabel("invokes")
    ax.set_ylabel("RSS, MB")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    settings = doc["settings"]
    ax.set_title(
        f"Runtime RSS under a mixed load: {settings['invokes']:,} warm invokes, "
        f"{settings['big_share']:.0%} events of 1-3 MB, {settings['invalid_share']:.0%} invalid JSON "
        f"({doc['created'][:10]}, commit {doc['git'].get('commit', '?')[:7]})",
        fontsize=10,
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parser() -> argparse.ArgumentParser:
    from benchmarks.__main__ import names, positive
    from benchmarks.variants import VARIANTS

    soakable = {n: v for n, v in VARIANTS.items() if n not in ("c-floor", "interpreted-stale")}
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Warm invokes of a mixed load (small unicode events, 1-3 MB events, invalid JSON) "
        "through each runtime; resident memory over time, every answer checked.",
    )
    p.add_argument("--invokes", type=positive, default=DEFAULT_INVOKES, help="invokes per variant")
    p.add_argument(
        "--sample-every", type=positive, default=DEFAULT_SAMPLE_EVERY, help="invokes per RSS sample"
    )
    p.add_argument(
        "--variants",
        type=names("variant", soakable),
        default=None,
        help=f"comma-separated, from: {', '.join(soakable)}",
    )
    p.add_argument("--big-share", type=float, default=BIG_SHARE, help="share of 1-3 MB events")
    p.add_argument("--invalid-share", type=float, default=INVALID_SHARE, help="share of invalid JSON")
    p.add_argument(
        "--max-concurrency",
        type=positive,
        metavar="N",
        help="run as on Lambda Managed Instances with N invokes in flight, crashes and timeouts in the mix "
        "(variants: native and interpreted by default)",
    )
    p.add_argument(
        "--crash-share", type=float, default=FAULT_SHARE, help="with --max-concurrency: share of crashes"
    )
    p.add_argument(
        "--timeout-share", type=float, default=FAULT_SHARE, help="with --max-concurrency: share of timeouts"
    )
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for the result files")
    return p


def main(argv: list[str] | None = None) -> int:
    """Soak each variant; 0 when every one answered every invoke right."""
    args = sys.argv[1:] if argv is None else argv
    options = parser().parse_args(args)
    from benchmarks.variants import VARIANTS

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    at_once = options.max_concurrency
    if options.variants is None:
        options.variants = ["native", "interpreted"] if at_once else ["native", "interpreted", "awslambdaric"]
    faults = (options.crash_share, options.timeout_share) if at_once else (0.0, 0.0)
    mix = Mix(
        big_share=options.big_share,
        invalid_share=options.invalid_share,
        crash_share=faults[0],
        timeout_share=faults[1],
    )
    doc = {
        "created": created.isoformat().replace("+00:00", "Z"),
        "command": " ".join(["python -m benchmarks.soak", *args]),
        "git": git_state(),
        "machine": machine_info(),
        "settings": {
            "invokes": options.invokes,
            "sample_every": options.sample_every,
            "big_share": options.big_share,
            "invalid_share": options.invalid_share,
            "big_sizes_mb": BIG_SIZES_MB,
            "memory_mb": MEMORY_MB,
            "max_concurrency": at_once,
            "crash_share": faults[0],
            "timeout_share": faults[1],
        },
        "labels": {name: VARIANTS[name].label for name in options.variants},
        "runs": {},
    }
    failed = False
    for name in options.variants:
        try:
            doc["runs"][name] = run_variant(
                VARIANTS[name], mix, options.invokes, options.sample_every, say, at_once
            )
        except Exception as exc:  # one broken variant must not lose the others' figures
            doc["runs"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        say(table_line(name, doc["runs"][name]))
    slots = f"-n{at_once}" if at_once else ""
    stem = f"soak{slots}-{created:%Y-%m-%d}-{socket.gethostname()}"
    options.out.mkdir(parents=True, exist_ok=True)
    json_path, png_path = options.out / f"{stem}.json", options.out / f"{stem}.png"
    json_path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    write_chart(doc, png_path)
    print("\n".join(table_line(name, run) for name, run in doc["runs"].items()))
    print(f"wrote {json_path}\nwrote {png_path}")
    return 1 if failed else 0


def table_line(name: str, run: dict) -> str:
    """One variant's figures in a line."""
    if "error" in run:
        return f"{name}: FAILED {run['error']}"
    excess = run["after_big_excess_mb"]
    back = f", peak of the invoke after a big event +{excess['max']:.1f} MB at most" if excess else ""
    if run.get("max_concurrency"):
        counts = run["counts"]
        back += f"; {counts.get(CRASH, 0)} crashes and {counts.get(OVERRUN, 0)} timeouts each answered alone"
    memory = run.get("memory", "RSS")
    return (
        f"{name}: steady {memory} {run['steady_rss_kb'] / 1024:.1f} MB, second-half growth "
        f"{run['second_half_growth_kb'] / 1024:+.2f} MB, max {run['max_rss_kb'] / 1024:.1f} MB{back} "
        f"({run['invokes']:,} invokes in {run['seconds']:.0f} s, all answered right)"
    )


if __name__ == "__main__":
    sys.exit(main())
