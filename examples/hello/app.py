"""The example function: greets the caller with a greeting read from a data file shipped beside it.

`{"name": "Ada"}` -> `{"message": "Hello, Ada!", ...}`; `{"error": "boom"}` raises, to show how a handler
exception is reported (the official error document, `errorType` "ValueError").
"""

import os

# Lambda unpacks the zip into LAMBDA_TASK_ROOT (/var/task); locally, fall back to this file's folder.
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT") or os.path.dirname(os.path.abspath(__file__))


def read_greeting() -> str:
    """The greeting from `greeting.txt`, a data file shipped beside the handler."""
    with open(os.path.join(TASK_ROOT, "greeting.txt"), encoding="utf-8") as f:
        return f.read().strip()


def handler(event, context):
    """Greet `event["name"]`; raise ValueError when the event carries an `error`."""
    if "error" in event:
        raise ValueError(event["error"])
    name = event.get("name", "world")
    return {
        "message": f"{read_greeting()}, {name}!",
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
