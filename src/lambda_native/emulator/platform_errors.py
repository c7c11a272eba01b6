"""The error documents and messages the Lambda platform itself produces (not the runtime), byte for byte.

These are what a caller receives when the runtime could not answer: a crash, a timeout, a response that
is too large. Formats follow the Runtime Interface Emulator and the Lambda service (runtime contract 1.7,
1.17 and 3.4-3.5).
"""

from __future__ import annotations

import signal

import orjson

MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
"""Largest buffered response (6 MiB + 100 bytes, RAPID's `MaxPayloadSize`)."""

MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024
"""Largest streamed response (Lambda's documented response-streaming limit)."""


class EventTooLarge(ValueError):
    """An invoke's event is over the synchronous payload limit (the Invoke API refuses it)."""


def error_document(error_type: str, message: str) -> bytes:
    """A platform error as the caller sees it: `{"errorType": ..., "errorMessage": ...}` (RIE key order)."""
    return orjson.dumps({"errorType": error_type, "errorMessage": message})


def exit_reason(returncode: int) -> str:
    """How Lambda (a Go `ProcessState`) words a process exit: `exit status 2`, `signal: killed`."""
    if returncode < 0:
        try:
            name = signal.strsignal(-returncode) or f"signal {-returncode}"
        except ValueError:
            name = f"signal {-returncode}"
        return f"signal: {name.lower()}"
    return f"exit status {returncode}"


def exit_error_message(request_id: str, returncode: int) -> str:
    """The `Runtime.ExitError` message for a runtime that died during an invoke or its init."""
    if returncode == 0:
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(returncode)}"


def timeout_message(timeout: float) -> str:
    """The body of a timed-out invoke, as the RIE returns it: `Task timed out after 3.00 seconds`."""
    return f"Task timed out after {timeout:.2f} seconds"


def response_too_large_message(size: int, limit: int = MAX_RESPONSE_BYTES) -> str:
    """The `Function.ResponseSizeTooLarge` message for a response of `size` bytes."""
    return f"Response payload size ({size} bytes) exceeded maximum allowed payload size ({limit} bytes)."


def api_error(error_type: str, message: str) -> bytes:
    """A Runtime API error reply body (`{"errorMessage", "errorType"}`, the API's own key order)."""
    return orjson.dumps({"errorMessage": message, "errorType": error_type})


ACCEPTED = b'{"status":"OK"}'
"""The body of every 202 from the Runtime API."""
