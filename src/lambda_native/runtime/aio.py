"""Runs `async def` handlers (and other awaitables) on one event loop kept for the process's life.

One loop, not `asyncio.run()` per invoke, so clients and connection pools created on it in one invoke still
work in the next. `asyncio` is imported only when a handler first returns an awaitable.
"""

from __future__ import annotations

_loop = None


def run(awaitable):
    """Run an awaitable to completion on the process's event loop and return its result."""
    global _loop
    import asyncio

    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop.run_until_complete(awaitable)
