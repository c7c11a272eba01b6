"""Registers SIGTERM shutdown callbacks every way: decorator, call, and an `async def` one."""

import asyncio
import os

from lambda_native.runtime.shutdown import on_shutdown


def _note(text):
    with open(os.environ["SHUTDOWN_MARKER"], "a") as marker:
        marker.write(text + "\n")


@on_shutdown
def decorated():
    _note("decorated")


def called():
    _note("called")


on_shutdown(called)


@on_shutdown
async def asynchronous():
    await asyncio.sleep(0)
    _note("async")


def handler(event, context):
    return "alive"
