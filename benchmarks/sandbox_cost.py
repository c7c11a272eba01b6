"""What Lambda's sandbox (lambda_native.emulator.sandbox) adds to a cold start in the emulator.

The same function is started cold again and again with the sandbox and without it, alternately. Each
cold start is timed from the invoke call to its answer (fork, the sandbox's set-up, the runtime's init and
the invoke: what a caller waits for), beside the Init Duration the emulator reports, which is the
runtime's own (from its exec; the sandbox's set-up is not in it, as on Lambda). Prints the medians and
their difference.

`python -m benchmarks.sandbox_cost [dist/function.zip] [--runs 20] [--cpu N]` (the zip's own `app`
handler; `--event` a JSON file, default `{}`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.machine import REPO_ROOT

DEFAULT_ZIP = REPO_ROOT / "dist" / "function.zip"
DEFAULT_RUNS = 20


def measure(zip_path: Path, runs: int, event: bytes, cpu: int | None) -> dict[bool, dict[str, list[float]]]:
    """Per sandbox setting, the `runs` cold starts' invoke → answer and Init Duration in ms."""
    from lambda_native.emulator import Function

    functions = {sandbox: Function(zip_path, sandbox=sandbox, cpu=cpu) for sandbox in (False, True)}
    times = {sandbox: {"cold_start": [], "init": []} for sandbox in functions}
    try:
        for _ in range(runs):
            for sandbox, fn in functions.items():
                fn.restart()
                start = time.perf_counter_ns()
                result = fn.invoke(event)
                took = time.perf_counter_ns() - start
                if not result.ok:
                    raise SystemExit(f"the function failed: {result.error_type}: {result.payload[:300]!r}")
                times[sandbox]["cold_start"].append(took / 1e6)
                times[sandbox]["init"].append(result.init_duration_ms)
    finally:
        for fn in functions.values():
            fn.stop()
    return times


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m benchmarks.sandbox_cost`."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sandbox_cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument("zip", nargs="?", type=Path, default=DEFAULT_ZIP, help="default dist/function.zip")
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"cold starts each way ({DEFAULT_RUNS})"
    )
    parser.add_argument("--event", type=Path, help="the event, a JSON file (default {})")
    parser.add_argument("--cpu", type=int, help="pin the runtime to this CPU")
    args = parser.parse_args(argv)
    event = args.event.read_bytes() if args.event else b"{}"
    times = measure(args.zip, args.runs, event, args.cpu)
    medians = {s: {k: statistics.median(v) for k, v in t.items()} for s, t in times.items()}
    print(f"{args.zip}: {args.runs} cold starts each way, interleaved; medians in ms")
    print(f"{'':14}{'invoke -> answer (cold)':>26}{'Init Duration':>16}")
    for sandbox, label in ((False, "--no-sandbox"), (True, "sandbox")):
        print(f"{label:14}{medians[sandbox]['cold_start']:>26.2f}{medians[sandbox]['init']:>16.2f}")
    added = {k: medians[True][k] - medians[False][k] for k in medians[True]}
    print(f"{'added':14}{added['cold_start']:>+26.2f}{added['init']:>+16.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
