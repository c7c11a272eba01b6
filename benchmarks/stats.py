"""Summary statistics for timing and memory samples, with the definitions stated once.

Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7, numpy's default):
for n sorted samples x[0..n-1], the q-th percentile sits at rank h = (n - 1) * q / 100 and is
x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). The median is the 50th percentile under
that rule, which is the usual median (the mean of the two middle samples when n is even).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

PERCENTILE_DEFINITION = (
    "linear interpolation between closest ranks (Hyndman-Fan type 7, numpy default): "
    "rank h = (n-1)*q/100; median = 50th percentile"
)

# The figures every summary carries, in the order tables print them.
SUMMARY_KEYS = ("n", "min", "median", "p90", "p99", "max", "mean")


def percentile(sorted_samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of samples already sorted ascending."""
    if not sorted_samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    rank = (len(sorted_samples) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_samples) - 1)
    return sorted_samples[low] + (rank - low) * (sorted_samples[high] - sorted_samples[low])


def summarize(samples: Iterable[float]) -> dict[str, float]:
    """n, min, median, p90, p99, max and mean of samples (unsorted; at least one)."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("cannot summarize an empty sample")
    return {
        "n": len(ordered),
        "min": ordered[0],
        "median": percentile(ordered, 50),
        "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99),
        "max": ordered[-1],
        "mean": math.fsum(ordered) / len(ordered),
    }


def paired_ratios(numerators: Sequence[float | None], denominators: Sequence[float | None]) -> list[float]:
    """Ratio of each round's sample to its partner from the same round.

    Rounds where either sample is missing (None: that cold start failed) or the partner is zero are left out.
    """
    if len(numerators) != len(denominators):
        raise ValueError(f"paired samples differ in length: {len(numerators)} vs {len(denominators)}")
    return [a / b for a, b in zip(numerators, denominators, strict=True) if a is not None and b]
