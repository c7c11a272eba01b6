"""The cyclic garbage collector while the function's module initialises: young objects only.

Every collection of an older generation walks every object that survived the younger ones, and an init
makes nearly all its objects to keep them: modules, classes, a client's models. CPython's default
thresholds ran 12 middle and 1 full collection while boto3 made its clients (~20 ms of a native cold
start's ~150; 29 % of its interpreted import time). During the init the runtime keeps the young
collections, which free the cycles made and dropped in passing, and holds the older ones back; after it,
what the init made is frozen out of the collector's way (`gc.freeze()`, as for a server before it forks)
and the thresholds are given back, unless the function set its own. A cycle that outlived a young
collection and then became garbage during the init stays allocated (boto3: fewer than 1,000 objects).
Python 3.14's incremental collector does no such full walks; there the runtime changes nothing.
"""

from __future__ import annotations

import gc
import sys

# Generation counts no init reaches: the middle and the oldest generations are never collected.
NEVER = 2**31 - 1
APPLIES = sys.version_info < (3, 14)


def hold_old_generations() -> tuple[int, ...] | None:
    """Hold back the collections of the older generations; the thresholds to give back, or None when
    nothing was changed."""
    if not APPLIES:
        return None
    before = gc.get_threshold()
    gc.set_threshold(before[0], NEVER, NEVER)
    return before


def release(before: tuple[int, ...] | None) -> None:
    """After the init: freeze what it made and give the thresholds back, unless it set its own."""
    if before is None:
        return
    gc.freeze()
    if gc.get_threshold() == (before[0], NEVER, NEVER):
        gc.set_threshold(*before)
