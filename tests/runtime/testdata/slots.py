"""Handlers for concurrent invokes (Managed Instances): slow ones that log their own invoke's ids."""

import asyncio
import logging
import os
import sys
import threading
import time

logger = logging.getLogger("concurrent")
logger.setLevel(logging.INFO)


def _seen(context) -> dict:
    return {
        "request_id": context.aws_request_id,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "getenv": os.getenv("_X_AMZN_TRACE_ID"),
        "pid": os.getpid(),
        "thread": threading.get_ident(),
    }


def slow(event, context):
    """Logs, sleeps `sleep` seconds, logs again: another invoke's lines land in between."""
    logger.info("start", extra={"trace": os.environ.get("_X_AMZN_TRACE_ID")})
    time.sleep(event.get("sleep", 0.2))
    logger.info("end", extra={"trace": os.environ.get("_X_AMZN_TRACE_ID")})
    return _seen(context)


async def slow_async(event, context):
    logger.info("start", extra={"trace": os.environ.get("_X_AMZN_TRACE_ID")})
    await asyncio.sleep(event.get("sleep", 0.2))
    logger.info("end", extra={"trace": os.environ.get("_X_AMZN_TRACE_ID")})
    return {**_seen(context), "loop": id(asyncio.get_running_loop())}


def crash(event, context):
    """Ends its process at once when asked to, else works like `slow`."""
    if event.get("crash"):
        os._exit(3)
    return slow(event, context)


def exits(event, context):
    """`sys.exit()` in one slot: only that invoke fails."""
    if event.get("exit"):
        sys.exit("leaving")
    return slow(event, context)


def spin(event, context):
    """CPU-bound: `n` rounds of arithmetic."""
    total = 0
    for i in range(event.get("n", 1_000_000)):
        total += i * i % 7
    return total
