"""CPU placement: the runtime under test on one CPU, the harness (and its emulator threads) on another."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


class Placement:
    """Which CPU the harness and the measured child each run on (None: no pinning, one CPU usable)."""

    __slots__ = ("child_cpu", "harness_cpu")

    def __init__(self, harness_cpu: int | None, child_cpu: int | None) -> None:
        self.harness_cpu = harness_cpu
        self.child_cpu = child_cpu


def choose_placement() -> Placement:
    """Harness on the lowest usable CPU and the child on the next, when at least two are usable."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return Placement(None, None)
    return Placement(usable[0], usable[1])


def pin_harness(placement: Placement) -> None:
    """Pin the calling thread, and so every thread and child it starts from now on, to the harness CPU."""
    if placement.harness_cpu is not None:
        os.sched_setaffinity(0, {placement.harness_cpu})


@contextmanager
def spawning_on(cpu: int | None) -> Iterator[None]:
    """Move the calling thread to `cpu` while a child is spawned (it inherits the mask), then move back.

    This pins a child without a `preexec_fn`, which would force a slow fork instead of vfork/posix_spawn.
    """
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
