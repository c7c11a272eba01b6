"""`async def` handlers (our runtime only: the official client cannot run them)."""

import asyncio


async def handler(event, context):
    await asyncio.sleep(0.01)
    return {"loop": id(asyncio.get_running_loop()), "request_id": context.aws_request_id, "event": event}


async def fail(event, context):
    await asyncio.sleep(0)
    raise ValueError("async boom")  # marker: async-raise
