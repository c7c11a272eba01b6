"""Response streaming (checklist 10; ours only, the official client cannot stream): chunked posts that
arrive as the handler produces them, the Function URL prelude, error trailers after the first chunk, and
a stream the Runtime API drops half-way."""

from __future__ import annotations

import base64
import json

import pytest

from .process import OURS_AND_NATIVE
from .support import error_doc, invoke, trace_entry

pytestmark = pytest.mark.parametrize("impl", OURS_AND_NATIVE)

TRAILERS = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"


def _streamed(reply, content_type: str = "application/octet-stream") -> None:
    assert reply.kind == "response", reply
    assert reply.chunked
    assert reply.header("Lambda-Runtime-Function-Response-Mode") == "streaming"
    assert reply.header("Trailer") == TRAILERS
    assert reply.header("Content-Type") == content_type
    assert reply.header("Content-Length") is None


@pytest.mark.parametrize(
    ("handler", "content_type"),
    [
        ("streams.paced", "application/octet-stream"),
        ("streams.paced_async", "text/plain"),
        ("streams.writer", "application/octet-stream"),
    ],
)
def test_chunks_arrive_as_the_handler_produces_them(impl, launch, handler, content_type):
    """Each chunk reaches the server when it is produced: the second 0.3 s after the first, and both
    0.3 s before the handler returns and the stream ends."""
    api, proc = launch(impl, handler)
    reply = invoke(api, {"pause": 0.3})
    _streamed(reply, content_type)
    assert [data for _, data in reply.chunks] == [b"one", b"two"], proc.describe()
    (t_one, _), (t_two, _) = reply.chunks
    assert t_two - t_one >= 0.25
    assert reply.ended - t_two >= 0.25
    assert reply.trailers == []


def test_async_writer(impl, launch):
    api, proc = launch(impl, "streams.writer_async")
    reply = invoke(api)
    _streamed(reply, "text/plain")
    assert reply.body == b"onetwo", proc.describe()


def test_function_url_prelude_is_exact(impl, launch):
    """The HTTP-integration content type; the body is the JSON prelude, eight NUL bytes, then the body
    (the prelude goes out as its own chunk, before the handler produces any body)."""
    api, proc = launch(impl, "streams.function_url")
    reply = invoke(api)
    _streamed(reply, "application/vnd.awslambda.http-integration-response")
    prelude, body = reply.body.split(b"\0" * 8, 1)
    assert json.loads(prelude) == {
        "statusCode": 201,
        "headers": {"content-type": "text/html", "x-custom": "yes"},
        "cookies": ["a=1", "b=2; Secure"],
    }, proc.describe()
    assert body == b"<p>streamed</p>"
    assert reply.chunks[0][1] == prelude + b"\0" * 8
    assert b"\0" not in prelude


@pytest.mark.parametrize(("handler", "body"), [("streams.returns_list", b"abc"), ("streams.empty", b"")])
def test_returned_iterables_and_empty_streams(impl, launch, handler, body):
    api, proc = launch(impl, handler)
    reply = invoke(api)
    _streamed(reply)
    assert reply.body == body, proc.describe()


def test_error_before_the_first_chunk_is_an_ordinary_error(impl, launch):
    api, proc = launch(impl, "streams.fail_before")
    reply = invoke(api)
    doc = error_doc(reply)
    assert (doc["errorType"], doc["errorMessage"]) == ("ValueError", "before the first chunk")
    assert doc["stackTrace"] == [trace_entry(proc, "streams.py", "fail-before", "fail_before")]
    assert not reply.chunked


def test_error_after_the_first_chunk_ends_the_stream_with_trailers(impl, launch):
    api, proc = launch(impl, "streams.fail_after")
    reply = invoke(api)
    _streamed(reply)
    assert reply.body == b"partial"
    assert reply.trailer("Lambda-Runtime-Function-Error-Type") == "KeyError"
    doc = json.loads(base64.b64decode(reply.trailer("Lambda-Runtime-Function-Error-Body"), validate=True))
    assert doc == {
        "errorMessage": "'after the first chunk'",
        "errorType": "KeyError",
        "requestId": reply.request_id,
        "stackTrace": [trace_entry(proc, "streams.py", "fail-after", "fail_after")],
    }
    proc.wait_stdout(r"\[ERROR\] KeyError: 'after the first chunk'")
    # The environment goes on serving.
    again = invoke(api)
    assert again.body == b"partial" and again.trailer("Lambda-Runtime-Function-Error-Type") == "KeyError"


def test_a_chunk_that_is_not_bytes_or_str(impl, launch):
    api, _ = launch(impl, "streams.bad_chunk")
    doc = error_doc(invoke(api))
    assert doc["errorType"] == "Runtime.MarshalError"
    assert doc["errorMessage"] == (
        "Unable to marshal response: a streamed chunk must be bytes or str, not dict"
    )


def test_a_stream_the_runtime_api_drops_half_way(impl, launch):
    """The connection closes after three chunks: the generator is closed at once (its `finally` runs), a
    warning is logged, and the runtime goes on to the next invoke on a new connection."""
    api, proc = launch(impl, "streams.endless")
    api.drop_streams_after = 3
    for _ in range(2):
        request_id = api.push({})
        proc.wait_stdout(f"endless closed {request_id}")
        proc.wait_stdout(f"Response stream of invoke {request_id} broke")
    api.wait_polling(3)
    assert proc.running, proc.describe()


def test_a_large_stream_arrives_whole(impl, launch):
    api, proc = launch(impl, "streams.big")
    reply = invoke(api, {"mb": 16}, timeout=60)
    _streamed(reply)
    assert len(reply.body) == 16 << 20, proc.describe()
    assert set(reply.body) == {ord("x")}


def test_a_stream_dropped_as_it_ends(impl, launch):
    """The connection closes after the last chunk, before the stream's end is read: only that response
    is lost; the runtime goes on to the next invoke."""
    api, proc = launch(impl, "streams.paced")
    api.drop_streams_after = 2
    request_id = api.push({"pause": 0.1})
    proc.wait_stdout(f"Response stream of invoke {request_id} broke")
    api.drop_streams_after = None
    reply = invoke(api, {"pause": 0})
    assert reply.body == b"onetwo", proc.describe()
