"""What the cyclic garbage collector was doing while this module initialised, and after."""

import gc
import os

AT_INIT = gc.get_threshold()
if os.environ.get("GC_PROBE_THRESHOLD"):
    gc.set_threshold(*map(int, os.environ["GC_PROBE_THRESHOLD"].split(",")))


def handler(event, context):
    return {"at_init": AT_INIT, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}
