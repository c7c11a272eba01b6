"""The `soak_faults` workload (the soak at N slots): the event back, made by a C-extension JSON library as
many real functions make theirs, or, when the event asks, a crash of the process or a handler that
outruns its timeout. Its init loads native code of its own, so on Managed Instances each slot gets a
worker process (a crash costs its own invoke)."""

import os
import time

import orjson


def handler(event, context):
    """`{"fault": "crash"}` ends the process; `{"fault": "overrun", "sleep": s}` sleeps s seconds first."""
    fault = event.get("fault") if isinstance(event, dict) else None
    if fault == "crash":
        os._exit(3)
    if fault == "overrun":
        time.sleep(event["sleep"])
    return orjson.loads(orjson.dumps(event))
