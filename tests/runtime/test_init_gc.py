"""The collector during the init: only young collections while the handler's module loads, then what the
init made is frozen and the thresholds are given back, unless the function set its own."""

from __future__ import annotations

import gc
import json

import pytest

from lambda_native.runtime import init_gc

from .process import OURS_AND_NATIVE
from .support import invoke

pytestmark = pytest.mark.skipif(not init_gc.APPLIES, reason="Python 3.14's incremental collector")


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_the_init_runs_young_collections_only_and_its_objects_are_frozen(impl, launch):
    api, proc = launch(impl, "gc_probe.handler")
    reply = json.loads(invoke(api, {}).body)
    default = list(gc.get_threshold())
    assert reply["at_init"] == [default[0], init_gc.NEVER, init_gc.NEVER], proc.describe()
    assert reply["after"] == default
    assert reply["frozen"] > 1000  # the runtime's and the module's objects, out of the collector's way


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_thresholds_the_function_sets_at_init_are_kept(impl, launch):
    api, proc = launch(impl, "gc_probe.handler", env={"GC_PROBE_THRESHOLD": "500,5,5"})
    assert json.loads(invoke(api, {}).body)["after"] == [500, 5, 5], proc.describe()


def test_hold_then_release_in_this_process():
    before = gc.get_threshold()
    held = init_gc.hold_old_generations()
    try:
        assert held == before
        assert gc.get_threshold() == (before[0], init_gc.NEVER, init_gc.NEVER)
        kept = [[]]
        kept[0].append(kept)  # a cycle made during the "init", still referenced
        init_gc.release(held)
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0
        assert not any(found is kept for found in gc.get_objects())  # frozen: no collection walks it
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
