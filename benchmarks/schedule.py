"""The order of cold starts: round-robin over every cell, so machine drift hits all variants alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

Cell = TypeVar("Cell")


def round_robin(cells: Sequence[Cell], rounds: int) -> Iterator[tuple[int, Cell]]:
    """Yield (round, cell): each round visits every cell once, starting one cell later than the last.

    Rotating the starting cell keeps any one cell from always following the same neighbour (whose
    page-cache or CPU-frequency after-effects would then bias it).
    """
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    count = len(cells)
    for r in range(rounds):
        for k in range(count):
            yield r, cells[(r + k) % count]
