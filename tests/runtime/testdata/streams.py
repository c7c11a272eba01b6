"""Streaming handlers (our runtime only: the official client cannot stream)."""

import asyncio
import time

from lambda_native import HttpResponse, streaming, streaming_writer


@streaming
def paced(event, context):
    """Two chunks `pause` seconds apart, then `pause` more before returning."""
    yield "one"
    time.sleep(event.get("pause", 0.3))
    yield b"two"
    time.sleep(event.get("pause", 0.3))


@streaming(content_type="text/plain")
async def paced_async(event, context):
    yield "one"
    await asyncio.sleep(event.get("pause", 0.3))
    yield b"two"
    await asyncio.sleep(event.get("pause", 0.3))


@streaming_writer
def writer(event, context, stream):
    stream.write("one")
    time.sleep(event.get("pause", 0.3))
    stream.write(bytearray(b"two"))
    time.sleep(event.get("pause", 0.3))


@streaming_writer(content_type="text/plain")
async def writer_async(event, context, stream):
    stream.write("one")
    await asyncio.sleep(0.01)
    stream.write(memoryview(b"two"))


@streaming
def function_url(event, context):
    yield HttpResponse(201, {"content-type": "text/html", "x-custom": "yes"}, cookies=["a=1", "b=2; Secure"])
    yield "<p>streamed</p>"


@streaming
def returns_list(event, context):
    return ["a", b"b", "c"]


@streaming
def empty(event, context):
    return
    yield


@streaming
def fail_before(event, context):
    raise ValueError("before the first chunk")  # marker: fail-before
    yield


@streaming
def fail_after(event, context):
    yield "partial"
    raise KeyError("after the first chunk")  # marker: fail-after


@streaming
def bad_chunk(event, context):
    yield {"not": "bytes"}


@streaming
def big(event, context):
    """`mb` MiB in 64 KiB chunks."""
    chunk = b"x" * 65536
    for _ in range(event["mb"] * 16):
        yield chunk


@streaming
def endless(event, context):
    """Chunks until the stream breaks; prints when the generator is closed."""
    try:
        while True:
            yield b"tick"
            time.sleep(0.01)
    finally:
        print(f"endless closed {context.aws_request_id}", flush=True)


@streaming(content_type="application/vnd.awslambda.http-integration-response")
def bad_prelude(event, context):
    """A Function URL response whose prelude is not JSON."""
    yield b"not json" + b"\0" * 8 + b"body"
