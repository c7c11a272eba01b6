"""The fake Runtime API itself: the other tests are only as good as it is."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from tests.support.fake_api import NEXT_PATH, FakeRuntimeAPI


@pytest.fixture
def api():
    with FakeRuntimeAPI() as api:
        yield api


def _connect(api):
    host, port = api.address.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_next_long_polls_until_an_event_is_queued_and_keeps_the_connection(api):
    conn = _connect(api)
    result = {}

    def poll():
        conn.request("GET", NEXT_PATH)
        response = conn.getresponse()
        result["status"] = response.status
        result["headers"] = dict(response.getheaders())
        result["body"] = response.read()

    poller = threading.Thread(target=poll)
    poller.start()
    api.wait_polling(1)
    assert poller.is_alive()
    request_id = api.push({"k": "v"}, trace_id="Root=1-a", tenant_id="t1", invocation_id="inv")
    poller.join(10)
    assert result["status"] == 200
    assert json.loads(result["body"]) == {"k": "v"}
    headers = result["headers"]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == request_id
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-a"
    assert headers["Lambda-Runtime-Aws-Tenant-Id"] == "t1"
    assert headers["Lambda-Runtime-Invocation-Id"] == "inv"
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0

    conn.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", body=b'"ok"')
    response = conn.getresponse()
    assert (response.status, response.read()) == (202, b'{"status":"OK"}')
    reply = api.wait_reply(request_id)
    assert reply.body == b'"ok"'
    assert reply.connection == api.requests[0].connection  # one kept-alive connection


def test_omitted_headers_are_not_sent(api):
    api.push(b"raw", request_id="only-id", deadline_ms=None, arn=None, content_type=None)
    conn = _connect(api)
    conn.request("GET", NEXT_PATH)
    response = conn.getresponse()
    names = {name.lower() for name, _ in response.getheaders()}
    assert "lambda-runtime-aws-request-id" in names
    assert not names & {"lambda-runtime-deadline-ms", "lambda-runtime-invoked-function-arn", "content-type"}
    assert response.read() == b"raw"


def test_scripted_status_codes(api):
    api.reply_with("response", 410)
    api.push_status(500)
    conn = _connect(api)
    conn.request("POST", "/2018-06-01/runtime/invocation/r1/response", body=b"{}")
    response = conn.getresponse()
    assert response.status == 410
    assert json.loads(response.read())["errorType"] == "410"
    conn.request("POST", "/2018-06-01/runtime/invocation/r1/response", body=b"{}")
    response = conn.getresponse()
    assert response.status == 202
    response.read()
    conn.request("GET", NEXT_PATH)
    response = conn.getresponse()
    assert response.status == 500
    response.read()
    # A scripted status answers one /next only: the next one gets the queued event.
    request_id = api.push(b'"after"')
    conn.request("GET", NEXT_PATH)
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b'"after"')
    assert response.getheader("Lambda-Runtime-Aws-Request-Id") == request_id


def test_wait_requests_returns_the_first_ones_of_a_kind(api):
    conn = _connect(api)
    for request_id in ("a", "b", "c"):
        conn.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", body=b"{}")
        conn.getresponse().read()
    assert [r.request_id for r in api.wait_requests("response", 2)] == ["a", "b"]
    with pytest.raises(TimeoutError, match="4 response request"):
        api.wait_requests("response", 4, timeout=0.2)


def test_chunked_body_with_trailers_is_recorded(api):
    host, port = api.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /2018-06-01/runtime/invocation/r2/response HTTP/1.1\r\n"
            b"Host: x\r\nTransfer-Encoding: chunked\r\n"
            b"Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
            b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
            b"Lambda-Runtime-Function-Error-Type: Function.Oops\r\n"
            b"Lambda-Runtime-Function-Error-Body: e30=\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 202")
    reply = api.wait_reply("r2")
    assert reply.chunked
    assert reply.body == b"hello world"
    assert reply.trailer("lambda-runtime-function-error-type") == "Function.Oops"
    assert reply.trailer("Lambda-Runtime-Function-Error-Body") == "e30="
    assert [data for _, data in reply.chunks] == [b"hello", b" world"]
    assert reply.chunks[0][0] <= reply.chunks[1][0] <= reply.ended


def test_a_stream_is_dropped_after_the_scripted_number_of_chunks(api):
    api.drop_streams_after = 1
    host, port = api.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /2018-06-01/runtime/invocation/r3/response HTTP/1.1\r\n"
            b"Host: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        )
        assert sock.recv(4096) == b""  # closed without an answer
    assert api.of_kind("response") == []


def test_waits_time_out(api):
    with pytest.raises(TimeoutError):
        api.wait_reply("never", timeout=0.2)
