"""Runs `async def` handlers (and other awaitables) on one event loop kept for the process's life.

One loop, not `asyncio.run()` per invoke, so clients, pools and futures made on it (at import, or in one
invoke) still work in the next. It is the loop the function's code made current at init, if it did, else
a new one. `asyncio` is imported only when a handler first returns an awaitable.

With concurrent invokes (`concurrency.py`) the loop runs on a thread of its own and every slot's
awaitable becomes a task on it, in a copy of the slot's context (its request id and trace id).
"""

from __future__ import annotations

_loop = None
_shared = False  # awaitables of every thread run on one loop thread (Managed Instances)
_start_lock = None


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
    if _shared:
        return _run_shared(awaitable)
    if _loop is None or _loop.is_closed():
        _loop = _current_or_new_loop()
    return _loop.run_until_complete(awaitable)


def share(adopt_current: bool) -> None:
    """From now on, run awaitables from any thread as tasks of one loop on a thread of its own.

    `adopt_current`: that loop is the one this thread's code made (call it from the init's thread);
    otherwise the loop and its thread start with the first awaitable.
    """
    global _shared, _start_lock
    import _thread

    _shared, _start_lock = True, _thread.allocate_lock()
    if adopt_current:
        _start_loop_thread(_current_or_new_loop())


def _start_loop_thread(loop) -> None:
    global _loop
    import threading

    _loop = loop
    threading.Thread(target=_run_loop, args=(loop,), name="lambda-event-loop", daemon=True).start()


def _run_loop(loop) -> None:
    import asyncio

    asyncio.set_event_loop(loop)
    while True:
        try:
            loop.run_forever()
        except (SystemExit, KeyboardInterrupt):
            continue  # raised by one task (its invoke has it as its error): the other tasks go on


async def _awaited(awaitable):
    return await awaitable


class _Handoff:
    """A task's outcome, passed from the loop thread to the slot thread waiting for it."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        import _thread

        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.result = self.error = None

    def finished(self, task) -> None:
        if task.cancelled():
            import asyncio

            self.error = asyncio.CancelledError()
        else:
            self.error = task.exception()
            if self.error is None:
                self.result = task.result()
        self.done.release()


def _run_shared(awaitable):
    import contextvars

    with _start_lock:
        if _loop is None:
            import asyncio

            _start_loop_thread(asyncio.new_event_loop())
    loop, context, handoff = _loop, contextvars.copy_context(), _Handoff()

    def start() -> None:
        # Made inside the slot's context, the task runs in a copy of it.
        task = context.run(loop.create_task, _awaited(awaitable))
        task.add_done_callback(handoff.finished)

    loop.call_soon_threadsafe(start)
    handoff.done.acquire()
    if handoff.error is not None:
        raise handoff.error
    return handoff.result
