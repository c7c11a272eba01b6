"""`python -m benchmarks.slots_memory`: what a slot costs in memory, threads against a worker process each.

The tree PSS (shared pages counted once) of a warm Managed Instances runtime after 8 invokes at once, with
1 slot, 8 thread slots (the default for a function whose init is pure Python), and 8 forked workers of
one slot each (the default when the init loads native code of its own: a crash then costs one invoke),
for the `slots` workload; `--rounds` interleaved rounds, medians. The goal is 8 slots <= 1.5x one slot.
"""

from __future__ import annotations

import argparse
import statistics

from benchmarks.goals import SLEEP_EVENT, SLOTS, SLOTS_N, slots_round
from benchmarks.variants import VARIANTS

CONFIGS = (
    ("1 slot", 1, None),
    (f"{SLOTS_N} thread slots", SLOTS_N, "1"),
    (f"{SLOTS_N} workers", SLOTS_N, "8"),
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.slots_memory", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--variants", default="native,interpreted", help="ours to measure (default both)")
    args = p.parse_args(argv)
    for name in args.variants.split(","):
        prepared = VARIANTS[name].prepare(SLOTS)
        samples: dict[str, list[int]] = {label: [] for label, _, _ in CONFIGS}
        for _ in range(args.rounds):
            for label, slots, processes in CONFIGS:
                samples[label].append(slots_round(prepared, slots, SLEEP_EVENT, processes)[1])
        one = statistics.median(samples[CONFIGS[0][0]])
        for label, values in samples.items():
            pss = statistics.median(values)
            print(f"| {name} | {label} | {pss / 1024:.1f} MB | {pss / one:.2f}x | {values} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
