"""Sets up an event loop during init (as code that creates clients at import does) and uses it later."""

import asyncio

INIT_LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(INIT_LOOP)


async def handler(event, context):
    # What a client made at init does: its futures belong to INIT_LOOP (awaiting them elsewhere fails).
    future = INIT_LOOP.create_future()
    INIT_LOOP.call_soon(future.set_result, "resolved on the init loop")
    return {"same_loop": asyncio.get_running_loop() is INIT_LOOP, "value": await future}
