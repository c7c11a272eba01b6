"""Response streaming behind a Function URL: the status, headers and a cookie go first, then the body, a
line at a time, each line reaching the caller as soon as it is made.

Build and try it locally:

    python build.py --src examples/streaming --handler app.handler
    lambda-native serve dist/function.zip &
    curl -N -i -XPOST http://127.0.0.1:8080/2015-03-31/functions/function/invocations -d '{"lines": 5}'

`{"fail_at": 3}` raises after the third line: the caller has the first lines, and the stream ends with
Lambda's error trailers instead of a normal end.
"""

import time

from lambda_native import HttpResponse, streaming


@streaming
def handler(event, context):
    """Send `lines` lines (default 3), `pause` seconds apart (default 0.5)."""
    yield HttpResponse(200, {"content-type": "text/plain; charset=utf-8"}, cookies=["visited=1; Path=/"])
    for number in range(1, event.get("lines", 3) + 1):
        if number == event.get("fail_at"):
            raise RuntimeError(f"failed before line {number}")
        yield f"line {number} of request {context.aws_request_id}\n"
        time.sleep(event.get("pause", 0.5))
