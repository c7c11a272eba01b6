"""Graceful shutdown: on SIGTERM, run the callbacks the function registered, then exit 0.

Lambda sends SIGTERM before ending an environment when extensions are registered; the official Python
client never lets a function react to it. Usage::

    from lambda_native.runtime.shutdown import on_shutdown

    @on_shutdown
    def flush_metrics():
        ...
"""

from __future__ import annotations

import _signal
import sys

_callbacks: list = []


def on_shutdown(callback):
    """Register `callback()` (a plain or `async def` function) to run on SIGTERM; returns it (a decorator).

    Callbacks run last-registered first, as `atexit` runs them; one that fails is reported on stderr and
    the others still run.
    """
    _callbacks.append(callback)
    return callback


def install() -> None:
    """Handle SIGTERM (with `_signal`: the `signal` module imports `enum`)."""
    _signal.signal(_signal.SIGTERM, _on_sigterm)


def run_callbacks() -> None:
    """Run the registered callbacks, newest first, reporting (not raising) their errors."""
    while _callbacks:
        callback = _callbacks.pop()
        try:
            result = callback()
            if hasattr(type(result), "__await__"):  # an `async def` callback
                from lambda_native.runtime import aio

                aio.run(result)
        except Exception:
            import traceback

            details = traceback.format_exc()
            sys.stderr.write(f"lambda-native: shutdown callback {callback!r} failed:\n{details}")


def _on_sigterm(signum, frame) -> None:
    _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
    run_callbacks()
    raise SystemExit(0)
