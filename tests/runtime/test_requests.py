"""What the runtime puts on the wire: endpoints in order, buffered `Content-Length` bodies, content types,
and a connection the server may close between requests."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_api import DEFAULT_ARN, NEXT_PATH

from .support import invoke


def test_endpoints_in_order(impl, launch):
    api, _ = launch(impl, "errors.handler")
    ok = invoke(api, {"case": "none"})
    failed = invoke(api, {"case": "key_error"})
    api.wait_polling(3)
    prefix = "/2018-06-01/runtime/invocation"
    assert [(request.method, request.path) for request in api.requests] == [
        ("GET", NEXT_PATH),
        ("POST", f"{prefix}/{ok.request_id}/response"),
        ("GET", NEXT_PATH),
        ("POST", f"{prefix}/{failed.request_id}/error"),
        ("GET", NEXT_PATH),
    ]


def test_replies_are_buffered_content_length_bodies(impl, launch):
    api, _ = launch(impl, "errors.handler")
    for reply in (invoke(api, {"case": "none"}), invoke(api, {"case": "key_error"})):
        assert not reply.chunked
        assert int(reply.header("Content-Length")) == len(reply.body)
        assert (reply.header("Expect") or "").lower() != "100-continue"
        assert reply.header("Content-Type") == "application/json"


def test_connection_closed_by_the_server_after_each_reply(impl, launch):
    api, proc = launch(impl, "echo.handler")
    api.close_connections = True
    for n in range(3):
        reply = invoke(api, {"n": n})
        assert json.loads(reply.body) == {"n": n}, proc.describe()


def test_many_invokes_in_a_row(impl, launch):
    api, _ = launch(impl, "echo.handler")
    for n in range(60):
        reply = invoke(api, {"n": n, "pad": "p" * n * 100})
        assert json.loads(reply.body)["n"] == n


@pytest.mark.parametrize("style", ["chunked_bodies", "lowercase_headers", "trickle"])
def test_responses_in_every_valid_wire_shape(impl, launch, style):
    """Chunked bodies (Go's net/http, which RAPID uses, chunks bodies over 2 KiB), lower-case header
    names, and a response arriving in 5-byte pieces all mean the same thing in HTTP/1.1."""
    api, proc = launch(impl, "echo.with_context")
    setattr(api, style, True)
    events = [{"small": 1}, {"big": "b" * (20_000 if style == "trickle" else 300_000)}]
    for event in events:
        reply = invoke(api, event, tenant_id="tenant-x", timeout=30)
        assert reply.kind == "response", proc.describe()
        assert json.loads(reply.body) == {
            "event": event,
            "request_id": reply.request_id,
            "arn": DEFAULT_ARN,
            "tenant_id": "tenant-x",
            "has_time_left": True,
        }
