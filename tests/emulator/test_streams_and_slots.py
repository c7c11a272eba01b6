"""The emulator with streaming handlers and Managed Instances concurrency, as a user drives it: `serve`
over real HTTP (urllib3, curl), `invoke` as a subprocess, and `Function` from threads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from lambda_native.emulator import Function

from .conftest import OUR_RUNTIME, RUNTIME_HANDLERS
from .test_serve import INVOKE, Server, curl


@pytest.fixture
def serve_handler():
    servers = []

    def start(handler: str, *options, task_root: Path = RUNTIME_HANDLERS) -> Server:
        servers.append(Server(task_root, "--handler", handler, *options, "--", *OUR_RUNTIME))
        return servers[-1]

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.close()


def _cli(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lambda_native.cli", "invoke", RUNTIME_HANDLERS, *map(str, args)]
    return subprocess.run(command, capture_output=True, timeout=timeout, input=b"")


# ---- serve ---------------------------------------------------------------------------------------


def test_serve_forwards_chunks_as_they_arrive(serve_handler):
    server = serve_handler("streams.paced")
    reply = server.invoke({"pause": 0.4}, preload_content=False)
    assert reply.status == 200 and reply.headers["Transfer-Encoding"] == "chunked"
    assert reply.headers["Content-Type"] == "application/octet-stream"
    assert reply.read1(16) == b"one"  # while the handler still sleeps before its second chunk
    t_one = time.monotonic()
    assert reply.read() == b"two"
    assert time.monotonic() - t_one >= 0.3


def test_serve_turns_the_function_url_prelude_into_the_http_response(serve_handler):
    server = serve_handler("streams.function_url")
    shown = curl(server.url, "-N", "-i")
    head, _, body = shown.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 201 Created", shown
    assert {"content-type: text/html", "x-custom: yes", "Set-Cookie: a=1", "Set-Cookie: b=2; Secure"} <= set(
        lines
    )
    assert body == b"<p>streamed</p>"


def test_serve_answers_a_bad_prelude_with_a_502(serve_handler):
    reply = serve_handler("streams.bad_prelude").invoke({})
    assert reply.status == 502
    assert reply.json()["errorType"] == "Runtime.InvalidHttpPrelude"


def test_serve_forwards_the_error_trailers_of_a_stream(serve_handler):
    server = serve_handler("streams.fail_after")
    raw = curl(server.url, "--raw")
    assert b"7\r\npartial\r\n0\r\nLambda-Runtime-Function-Error-Type: KeyError\r\n" in raw
    assert b"Lambda-Runtime-Function-Error-Body: eyJ" in raw


def test_a_caller_that_disconnects_mid_stream(serve_handler):
    """The caller goes after the first chunk: the invoke still runs to its end, and the environment
    serves the next caller."""
    server = serve_handler("streams.paced")
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"POST {INVOKE} HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\n".encode())
        sock.sendall(b'{"pause": 0.3}')
        received = b""
        while b"one" not in received:
            received += sock.recv(4096)
    assert server.invoke({"pause": 0}).data == b"onetwo"
    lines = server.close()
    assert sum(line.startswith("REPORT") for line in lines) == 2


def test_serve_max_concurrency_runs_invokes_at_once_on_one_init(serve_handler):
    server = serve_handler("slots.slow", "--max-concurrency", "4")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: server.invoke({"sleep": 0.5}).json(), range(4)))
    assert len({answer["pid"] for answer in answers}) == 1
    assert len({answer["request_id"] for answer in answers}) == 4
    lines = server.close()
    records = [orjson.loads(line) for line in lines if line.startswith('{"time"')]
    reports = [r["record"] for r in records if r["type"] == "platform.report"]
    assert len(reports) == 4
    assert all(r["metrics"]["durationMs"] >= 500 for r in reports)
    assert sum("initDurationMs" in r["metrics"] for r in reports) == 1
    messages = [orjson.loads(line)["message"] for line in lines if '"logger": "concurrent"' in line]
    assert messages == ["start"] * 4 + ["end"] * 4


# ---- invoke --------------------------------------------------------------------------------------


def test_invoke_prints_chunks_as_they_come():
    command = [sys.executable, "-m", "lambda_native.cli", "invoke", RUNTIME_HANDLERS, "--handler"]
    proc = subprocess.Popen(
        [*command, "streams.paced", "--", *OUR_RUNTIME],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    proc.stdin.write(b'{"pause": 0.5}')
    proc.stdin.close()
    first = os.read(proc.stdout.fileno(), 100)
    assert first == b"one"
    assert proc.poll() is None  # printed while the handler still runs
    assert proc.stdout.read() == b"two\n"
    assert proc.wait(30) == 0


def test_invoke_reports_the_error_trailers():
    run = _cli("--handler", "streams.fail_after", "--", *OUR_RUNTIME)
    assert run.returncode == 1
    assert run.stdout == b"partial\n"
    stderr = run.stderr.decode()
    assert "lambda-native invoke: the stream ended with error KeyError: " in stderr
    document = orjson.loads(stderr.split("the stream ended with error KeyError: ")[1].splitlines()[0])
    assert document["errorMessage"] == "'after the first chunk'"


def test_invoke_shows_the_function_url_prelude_on_stderr():
    run = _cli("--handler", "streams.function_url", "--", *OUR_RUNTIME)
    assert run.returncode == 0, run.stderr
    assert run.stdout == b"<p>streamed</p>\n"
    assert "HTTP 201\ncontent-type: text/html\nx-custom: yes\nSet-Cookie: a=1\n" in run.stderr.decode()


def test_invoke_max_concurrency_sends_the_repeats_at_once():
    run = _cli("--handler", "slots.slow", "--max-concurrency", "3", "--repeat", "3", "--", *OUR_RUNTIME)
    assert run.returncode == 0, run.stderr
    answers = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert len({a["request_id"] for a in answers}) == 3 and len({a["pid"] for a in answers}) == 1
    records = [orjson.loads(line) for line in run.stderr.splitlines() if line.startswith(b'{"time"')]
    assert sum(r["type"] == "platform.report" for r in records) == 3
    messages = [orjson.loads(line)["message"] for line in run.stderr.splitlines() if b'"concurrent"' in line]
    assert messages == ["start"] * 3 + ["end"] * 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--max-concurrency", "0"], "max concurrency must be at least 1"),
        (["--max-concurrency", "2", "--log-format", "text"], "JSON logs only"),
        (["--max-concurrency", "2", "--cold"], "cannot go with --max-concurrency"),
        (["--max-concurrency", "2", "--env", "AWS_LAMBDA_MAX_CONCURRENCY=3"], "use --max-concurrency"),
    ],
)
def test_invoke_max_concurrency_usage_errors(options, message):
    run = _cli("--handler", "slots.slow", *options, "--", *OUR_RUNTIME)
    assert run.returncode == 2
    assert message in run.stderr.decode()


# ---- Function ------------------------------------------------------------------------------------


def test_function_max_concurrency_from_threads_each_with_its_own_logs():
    function = Function(RUNTIME_HANDLERS, command=[*OUR_RUNTIME, "slots.slow"], max_concurrency=4)
    with function as fn, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: fn.invoke({"sleep": 0.3}), range(4)))
    for result in results:
        assert result.ok and result.duration_ms >= 300
        assert [orjson.loads(line)["requestId"] for line in result.logs] == [result.request_id] * 2
    assert sum(result.cold for result in results) == 1


def test_function_stream_receives_chunks_on_the_way():
    arrivals = []

    class Recorder:
        def begin(self, content_type):
            arrivals.append(("begin", content_type, time.monotonic()))

        def data(self, data):
            arrivals.append(("data", data, time.monotonic()))

        def end(self, trailers):
            arrivals.append(("end", trailers, time.monotonic()))

    with Function(RUNTIME_HANDLERS, command=[*OUR_RUNTIME, "streams.paced"]) as fn:
        result = fn.invoke({"pause": 0.3}, stream=Recorder())
    assert result.ok and result.streamed and result.payload == b""
    kinds = [(kind, value) for kind, value, _ in arrivals]
    assert kinds == [("begin", "application/octet-stream"), ("data", b"one"), ("data", b"two"), ("end", {})]
    assert arrivals[2][2] - arrivals[1][2] >= 0.25


def test_the_streaming_example_as_its_docstring_runs_it(serve_handler):
    """examples/streaming under the interpreted runtime: the prelude as the HTTP head, lines as they come,
    and the error trailers when it fails half-way."""
    example = Path(__file__).parents[2] / "examples" / "streaming"
    server = serve_handler("app.handler", task_root=example)
    reply = server.invoke({"lines": 2, "pause": 0.3}, preload_content=False)
    assert reply.status == 200 and reply.headers["Set-Cookie"] == "visited=1; Path=/"
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.read1(100).startswith(b"line 1 of request ")
    assert reply.read().startswith(b"line 2 of request ")
    raw = curl(server.url, "--raw", data='{"fail_at": 2, "pause": 0}')
    assert b"line 1 of request" in raw and b"Lambda-Runtime-Function-Error-Type: RuntimeError\r\n" in raw


def test_invoke_url_prints_a_stream_as_it_comes(serve_handler):
    server = serve_handler("streams.paced")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambda_native.cli", "invoke", "--url", server.base, "--event", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    proc.stdin.write(b'{"pause": 0.5}')
    proc.stdin.close()
    assert os.read(proc.stdout.fileno(), 100) == b"one"
    assert proc.poll() is None
    assert proc.stdout.read() == b"two\n"
    assert proc.wait(30) == 0
