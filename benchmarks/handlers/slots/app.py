"""The `slots` goal workload: invokes that wait (I/O-bound) or compute (CPU-bound), served concurrently."""

import time


def handler(event, context):
    """Sleep `sleep` seconds, or spin through `spin` rounds of arithmetic; answer with the request id."""
    total = 0
    for i in range(event.get("spin", 0)):
        total += i * i % 7
    time.sleep(event.get("sleep", 0))
    return {"request_id": context.aws_request_id, "total": total}
