"""How the runtime ends: on SIGTERM, the callbacks the function registered, then exit 0 (graceful); when
the Runtime API is gone or broken, at once (`fatal`, `api_failed`).

Lambda sends SIGTERM before ending an environment when extensions are registered; the official Python
client never lets a function react to it. Usage::

    from lambda_native.runtime.shutdown import on_shutdown

    @on_shutdown
    def flush_metrics():
        ...
"""

from __future__ import annotations

import _signal
import os
import sys

from lambda_native.runtime.client import RuntimeApiError

FATAL_STATUS = 1
"""What `fatal` exits with by default. A forked worker (Managed Instances) sets its own, by which its
supervisor tells a broken Runtime API (the whole runtime must exit) from a worker's crash."""

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


def fatal(message: str, code: int | None = None):
    """Leave at once: the Runtime API is gone or broken, so nothing else can be reported."""
    import contextlib

    sys.stderr.write(f"lambda-native: {message}\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(FATAL_STATUS if code is None else code)


def api_failed(error: RuntimeApiError):
    """Exit after an unexpected Runtime API status, saying why (500 means the sandbox is beyond repair)."""
    if error.status == 500:
        fatal(f"{error} (a non-recoverable state: the runtime must exit)")
    fatal(str(error))
