"""The `stream` goal workload: a streaming handler (time to first byte, and memory of a large stream)."""

import time

from lambda_native import streaming

CHUNK = b"x" * 65536


@streaming
def handler(event, context):
    """With `mb`: that many MiB in 64 KiB chunks. Else: a first chunk at once, then 1 s of work."""
    megabytes = event.get("mb")
    if megabytes is not None:
        for _ in range(megabytes * 16):
            yield CHUNK
        return
    yield b"first"
    time.sleep(event.get("work_s", 1.0))
    yield b"done"
