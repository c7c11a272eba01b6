"""Runs `async def` handlers (and other awaitables) on one event loop kept for the process's life.

One loop, not `asyncio.run()` per invoke, so clients, pools and futures made on it (at import, or in one
invoke) still work in the next. It is the loop the function's code made current at init, if it did, else
a new one. `asyncio` is imported only when a handler first returns an awaitable.
"""

from __future__ import annotations

_loop = None


def _current_or_new_loop():
    import asyncio
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # get_event_loop() with no loop set, 3.12+
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            loop = None
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def run(awaitable):
    """Run an awaitable to completion on the process's event loop and return its result."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = _current_or_new_loop()
    return _loop.run_until_complete(awaitable)
