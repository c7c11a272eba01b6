"""The Runtime API server's answers, probed by a scripted runtime over real HTTP."""

from __future__ import annotations

import base64
import socket
import time

import orjson
import pytest

from lambda_native.emulator import Function

from .conftest import probe_function


@pytest.fixture(scope="module")
def probe():
    with probe_function() as fn:
        yield fn


def probe_lines(fn: Function, event: dict) -> tuple:
    """Invoke `event`, then an echo (lines printed after the first invoke ended land in the second)."""
    result = fn.invoke(event)
    follow = fn.invoke({"probe": "echo"})
    lines = [line for line in result.logs + follow.logs if line.startswith("probe ")]
    return result, lines


def test_unknown_request_id_gets_400(probe):
    result, lines = probe_lines(probe, {"probe": "unknown-id"})
    assert result.ok and result.payload == b'"ok"'
    status, body = lines[0].removeprefix("probe unknown-id: ").split(" ", 1)
    assert status == "400"
    assert orjson.loads(body) == {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}


def test_second_reply_gets_403_and_the_first_one_counts(probe):
    result, lines = probe_lines(probe, {"probe": "second-reply"})
    assert result.payload == b'"first"'
    assert lines[0] == 'probe first: 202 {"status":"OK"}'
    assert lines[1].startswith("probe second: 403 ")
    assert orjson.loads(lines[1].split(" ", 3)[3])["errorType"] == "InvalidStateTransition"
    assert lines[2].startswith("probe error-after: 403 ")


def test_response_over_the_limit_gets_413(probe):
    result, lines = probe_lines(probe, {"probe": "too-large"})
    assert result.error_type == "Function.ResponseSizeTooLarge"
    assert orjson.loads(result.payload)["errorMessage"] == (
        "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    )
    status, body = lines[0].removeprefix("probe too-large: ").split(" ", 1)
    assert status == "413"
    assert orjson.loads(body) == {
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "RequestEntityTooLarge",
    }


def test_init_error_after_init_gets_403(probe):
    result, lines = probe_lines(probe, {"probe": "init-error-late"})
    assert result.ok
    assert lines[0].startswith("probe init-error-late: 403 ")


def test_bad_response_mode_gets_400_and_fails_the_invoke(probe):
    result, lines = probe_lines(probe, {"probe": "bad-mode"})
    assert result.error_type == "Runtime.InvalidResponseModeHeader"
    assert lines[0].startswith("probe bad-mode: 400 ")
    assert "InvalidFunctionResponseMode" in lines[0]


def test_error_type_header_wins_over_the_body(probe):
    result = probe.invoke({"probe": "error-header"})
    assert result.error_type == "Function.Custom"
    assert orjson.loads(result.payload)["errorType"] == "Custom"


def test_next_headers(probe):
    context = base64.b64encode(b'{"custom": {"k": "v"}}').decode()
    headers = {
        "X-Amz-Client-Context": context,
        "X-Amzn-Trace-Id": "Root=1-abc;Sampled=1",
        "X-Amz-Tenant-Id": "t1",
    }
    result = probe.invoke({"probe": "headers"}, headers)
    got = {k.lower(): v for k, v in orjson.loads(result.payload).items()}
    assert got["lambda-runtime-aws-request-id"] == result.request_id
    assert got["lambda-runtime-invoked-function-arn"].endswith(":function:test_function")
    assert got["lambda-runtime-client-context"] == '{"custom": {"k": "v"}}'
    assert got["lambda-runtime-trace-id"] == "Root=1-abc;Sampled=1"
    assert got["lambda-runtime-aws-tenant-id"] == "t1"
    assert got["content-type"] == "application/json"
    assert int(got["lambda-runtime-deadline-ms"]) > 0 and got["lambda-runtime-invocation-id"]


def test_bad_client_context_is_refused(probe):
    with pytest.raises(ValueError, match="base64"):
        probe.invoke({"probe": "echo"}, {"X-Amz-Client-Context": "not base64!"})


def test_streamed_response_is_collected(probe):
    result = probe.invoke({"probe": "stream"})
    assert result.ok and result.streamed
    assert result.payload == b"one,two,three" and result.content_type == "text/plain"


def test_mid_stream_error_trailers_fail_the_invoke(probe):
    result = probe.invoke({"probe": "stream-error"})
    assert result.error_type == "StreamBroke"
    assert result.payload == b"partial"
    body = base64.b64decode(result.trailers["lambda-runtime-function-error-body"])
    assert orjson.loads(body)["errorMessage"] == "mid-stream"


def test_second_next_during_an_invoke_redelivers_the_event(probe):
    assert probe.invoke({"probe": "redeliver"}).json() == {"redelivered": True}


def test_init_error_document_goes_to_the_first_invoke():
    with probe_function(env={"PROBE_INIT_ERROR": "1"}) as fn:
        first = fn.invoke({"probe": "echo"})
        assert first.cold and first.error_type == "Runtime.ProbeInitError"
        assert orjson.loads(first.payload)["errorMessage"] == "cannot start"
        assert first.logs[0] == 'probe init-error: 202 {"status":"OK"}'
        second = fn.invoke({"probe": "echo"})
        assert second.cold and second.error_type == "Runtime.ProbeInitError"


def raw_request(address: str, request: bytes) -> bytes:
    host, port = address.split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_unknown_route_and_method(probe):
    reply = raw_request(probe.runtime_api, b"GET /2018-06-01/runtime/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 404 ")
    reply = raw_request(probe.runtime_api, b"POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 405 ")


def test_malformed_request_gets_400(probe):
    reply = raw_request(probe.runtime_api, b"NONSENSE\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in reply


def test_refused_expect_100_continue_is_answered_before_the_body(probe):
    head = (
        b"POST /2018-06-01/runtime/invocation/whatever/response HTTP/1.1\r\n"
        b"Content-Length: 10\r\nExpect: 100-continue\r\n\r\n"
    )
    assert raw_request(probe.runtime_api, head).startswith(b"HTTP/1.1 400 ")


def test_next_from_a_process_that_outlived_its_runtime_gets_500(tmp_path):
    out = tmp_path / "out"
    url = "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"
    child = f'sleep 0.3; curl -s --noproxy "*" -w " %{{http_code}}" {url} > {out}.tmp; mv {out}.tmp {out}'
    # The child leaves the runtime's session, so killing the runtime's process group spares it.
    script = f"setsid sh -c '{child}' & sleep 0.2; exit 3"
    with Function(["sh", "-c", script]) as fn:
        assert fn.invoke(b"{}").error_type == "Runtime.ExitError"
        deadline = time.monotonic() + 20
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    body, status = out.read_text().rsplit(" ", 1)
    assert status == "500"
    assert orjson.loads(body)["errorMessage"].startswith("Container error.")


def test_streamed_response_over_the_buffered_limit_gets_413_at_its_end(probe):
    result, lines = probe_lines(probe, {"probe": "stream-too-large"})
    assert result.error_type == "Function.ResponseSizeTooLarge"
    assert result.json()["errorMessage"] == (
        "Response payload size (7340032 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    )
    assert lines[0].startswith("probe stream-too-large: 413 ")
