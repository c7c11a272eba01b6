"""Handlers exercising the emulator's paths; run by awslambdaric and by `python -m lambda_native`."""

import os
import time


def echo(event, context):
    """Return the event and what the context says."""
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_context": getattr(getattr(context, "client_context", None), "custom", None),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "cwd": os.getcwd(),
    }


def environment(event, context):
    """Return the runtime's whole environment."""
    return dict(os.environ)


def affinity(event, context):
    """The CPUs this runtime may run on."""
    return sorted(os.sched_getaffinity(0))


def sleep(event, context):
    """Sleep `event["seconds"]`."""
    time.sleep(event["seconds"])
    return "slept"


def allocate(event, context):
    """Hold `event["mb"]` MB of touched memory for a moment, then return."""
    block = bytearray(event["mb"] * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(event.get("hold", 0.05))
    return len(block)


def crash(event, context):
    """Exit the whole runtime with `event["status"]` (0 included), or kill it with `event["signal"]`."""
    print("about to crash", flush=True)
    if "signal" in event:
        os.kill(os.getpid(), event["signal"])
        time.sleep(5)
    os._exit(event["status"])


def big(event, context):
    """Return a string of `event["bytes"]` characters (its JSON is two bytes longer)."""
    return "x" * event["bytes"]


def fail(event, context):
    """Raise, so the runtime posts /error."""
    raise ValueError("this handler always fails")
