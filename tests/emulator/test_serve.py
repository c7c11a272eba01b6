"""`lambda-native serve`: the RIE invoke API over real HTTP, with urllib3 and with curl."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
import time

import orjson
import pytest
import urllib3

from .conftest import HANDLERS, PROBE, TESTDATA, process_alive

INVOKE = "/2015-03-31/functions/function/invocations"


class Server:
    """A `lambda-native serve` (or `watch`) subprocess on an ephemeral port, and the lines it printed."""

    def __init__(self, *args, command: str = "serve") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lambda_native.cli", command, "--port", "0", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.lines: list[str] = []  # what it printed before and after it listened
        while True:
            line = self.proc.stdout.readline().decode()
            assert line, "exited before it listened:\n" + "\n".join(self.lines)
            if "listening on http://127.0.0.1:" in line:
                break
            self.lines.append(line.rstrip("\n"))
        self.url = line.split("listening on ")[1].split()[0]
        self.base = self.url.removesuffix(INVOKE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.http = urllib3.PoolManager(retries=False)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.decode().rstrip("\n"))

    def invoke(self, event, headers=None, **kwargs) -> urllib3.BaseHTTPResponse:
        body = event if isinstance(event, bytes) else orjson.dumps(event)
        return self.http.request("POST", self.url, body=body, headers=headers, **kwargs)

    def close(self) -> list[str]:
        self.proc.terminate()
        assert self.proc.wait(timeout=10) == 0
        self.reader.join(timeout=5)
        return self.lines


def curl(url: str, *options: str, data: str = "{}") -> bytes:
    """What `curl` prints for a POST of `data` to `url` (with `--raw`: the chunked framing too)."""
    command = ["curl", "-sS", "--noproxy", "*", *options, "-XPOST", url, "-d", data]
    return subprocess.run(command, capture_output=True, timeout=30).stdout


@pytest.fixture
def serve():
    servers = []

    def start(*args) -> Server:
        servers.append(Server(*args))
        return servers[-1]

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.close()


def test_urllib3_and_curl_against_a_python_runtime(serve):
    server = serve(HANDLERS, "--", sys.executable, "-m", "awslambdaric", "app.echo")
    reply = server.invoke({"via": "urllib3"})
    assert reply.status == 200 and reply.json()["event"] == {"via": "urllib3"}
    assert reply.headers["Content-Type"] == "application/json"
    curl = subprocess.run(
        ["curl", "-sS", "--noproxy", "*", "-XPOST", server.url, "-d", '{"via": "curl"}'],
        capture_output=True,
        timeout=30,
    )
    assert curl.returncode == 0 and orjson.loads(curl.stdout)["event"] == {"via": "curl"}
    lines = server.close()
    starts = [line for line in lines if line.startswith("START RequestId: ")]
    report_lines = [line for line in lines if line.startswith("REPORT RequestId: ")]
    assert len(starts) == 2 and len(report_lines) == 2
    assert "Init Duration" in report_lines[0] and "Init Duration" not in report_lines[1]


def test_client_context_trace_and_tenant_reach_the_runtime(serve):
    server = serve(TESTDATA, "--", *PROBE)
    headers = {
        "X-Amz-Client-Context": base64.b64encode(b'{"custom": {"a": 1}}').decode(),
        "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        "X-Amz-Tenant-Id": "tenant-7",
    }
    got = {k.lower(): v for k, v in server.invoke({"probe": "headers"}, headers).json().items()}
    assert got["lambda-runtime-client-context"] == '{"custom": {"a": 1}}'
    assert got["lambda-runtime-trace-id"] == headers["X-Amzn-Trace-Id"]
    assert got["lambda-runtime-aws-tenant-id"] == "tenant-7"
    bad = server.invoke({"probe": "echo"}, {"X-Amz-Client-Context": "%%%"})
    assert bad.status == 400 and bad.json()["errorType"] == "InvalidRequestContentException"


def test_client_context_reaches_the_handler(serve):
    server = serve(HANDLERS, "--", sys.executable, "-m", "lambda_native", "app.echo")
    context = base64.b64encode(b'{"custom": {"user": "ada"}}').decode()
    assert server.invoke({}, {"X-Amz-Client-Context": context}).json()["client_context"] == {"user": "ada"}


def concurrent_pids(server, n: int, gate=None) -> list[int]:
    """Send `n` invokes at once; each answers with its runtime's pid.

    With `gate` (a path), every runtime holds its answer until the file exists, and the file is
    created only once `n` invokes have started: they then certainly overlapped.
    """
    results = [None] * n
    event = {"probe": "pid", "gate": str(gate)} if gate else {"probe": "pid", "sleep": 0.3}
    started = sum(line.startswith("START") for line in server.lines)

    def one(i):
        results[i] = server.invoke(event).json()["pid"]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    if gate:
        deadline = time.monotonic() + 20
        while sum(line.startswith("START") for line in server.lines) < started + n:
            assert time.monotonic() < deadline, server.lines
            time.sleep(0.01)
        gate.write_text("open")
    for t in threads:
        t.join(timeout=30)
    if gate:
        gate.unlink()
    return results


def test_concurrent_invokes_queue_on_one_environment(serve):
    server = serve(TESTDATA, "--", *PROBE)
    pids = concurrent_pids(server, 3)
    assert len(set(pids)) == 1 and None not in pids
    lines = server.close()
    assert sum("Init Duration" in line for line in lines if line.startswith("REPORT")) == 1


def test_concurrency_keeps_several_warm_environments(serve, tmp_path):
    # The gate is in this test's /tmp, which the sandbox's own /tmp would hide.
    server = serve(TESTDATA, "--concurrency", "2", "--no-sandbox", "--", *PROBE)
    pids = concurrent_pids(server, 2, tmp_path / "gate")
    assert len(set(pids)) == 2
    again = concurrent_pids(server, 2, tmp_path / "gate")
    assert set(again) == set(pids)
    lines = server.close()
    assert sum("Init Duration" in line for line in lines if line.startswith("REPORT")) == 2
    # Stopping the server (SIGTERM) killed both runtimes.
    assert not any(process_alive(pid) for pid in pids)


def test_streamed_response_is_forwarded_as_it_arrives(serve, tmp_path):
    server = serve(TESTDATA, "--no-sandbox", "--", *PROBE)  # the gate is in the host's /tmp
    gate = tmp_path / "gate"
    reply = server.invoke({"probe": "stream-gated", "gate": str(gate)}, preload_content=False)
    assert reply.status == 200 and reply.headers["Transfer-Encoding"] == "chunked"
    assert reply.headers["Content-Type"] == "text/plain"
    # The runtime is still waiting for the gate: the first part must already have reached us.
    assert reply.read1(6) == b"before"
    gate.write_text("open")
    assert reply.read() == b"after"


def test_streamed_error_trailers_are_forwarded(serve):
    server = serve(TESTDATA, "--", *PROBE)
    raw = curl(server.url, "--raw", data='{"probe": "stream-error"}')
    assert b"partial" in raw
    assert b"Lambda-Runtime-Function-Error-Type: StreamBroke\r\n" in raw
    assert b"Lambda-Runtime-Function-Error-Body: " in raw


def test_failures_as_the_rie_reports_them(serve):
    server = serve(HANDLERS, "--timeout", "1", "--", sys.executable, "-m", "awslambdaric", "app.crash")
    crash = server.invoke({"status": 2})
    assert crash.status == 502 and crash.json()["errorType"] == "Runtime.ExitError"
    assert crash.headers["X-Amz-Function-Error"] == "Unhandled"
    server = serve(HANDLERS, "--timeout", "1", "--", sys.executable, "-m", "awslambdaric", "app.sleep")
    slow = server.invoke({"seconds": 10})
    assert slow.status == 200 and slow.data == b"Task timed out after 1.00 seconds"
    server = serve(HANDLERS, "--", sys.executable, "-m", "awslambdaric", "app.fail")
    failed = server.invoke({})
    assert failed.status == 200 and failed.json()["errorType"] == "ValueError"


def test_init_error_is_a_502(serve, tmp_path):
    server = serve(TESTDATA, "--env", "PROBE_INIT_ERROR=1", "--", *PROBE)
    reply = server.invoke({})
    assert reply.status == 502 and reply.json()["errorType"] == "Runtime.ProbeInitError"


def test_unknown_route_is_a_404(serve):
    server = serve(TESTDATA, "--", *PROBE)
    reply = server.http.request("GET", server.base + "/2015-03-31/functions")
    assert reply.status == 404


def test_invoke_url_sends_to_a_running_server(serve):
    server = serve(TESTDATA, "--", *PROBE)
    run = subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", "invoke", "--url", server.base, "--repeat", "2"],
        input=b'{"probe": "echo", "n": 1}',
        capture_output=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == b'{"probe": "echo", "n": 1}\n' * 2
    context = subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_native.cli",
            "invoke",
            "--url",
            server.url,
            "--client-context",
            '{"x": 1}',
        ],
        input=b'{"probe": "headers"}',
        capture_output=True,
        timeout=30,
    )
    assert orjson.loads(context.stdout)["Lambda-Runtime-Client-Context"] == '{"x": 1}'


def test_invoke_url_nobody_listening():
    run = subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", "invoke", "--url", "http://127.0.0.1:9"],
        input=b"{}",
        capture_output=True,
        timeout=30,
    )
    assert run.returncode == 1 and b"cannot reach http://127.0.0.1:9" in run.stderr


def test_port_in_use_is_a_clear_error(serve):
    server = serve(TESTDATA, "--", *PROBE)
    port = server.base.rsplit(":", 1)[1]
    run = subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", "serve", "--port", port, "--", *PROBE],
        capture_output=True,
        timeout=30,
    )
    assert run.returncode == 1 and f"cannot listen on 127.0.0.1:{port}".encode() in run.stderr


def test_oversized_event_is_a_413(serve):
    server = serve(TESTDATA, "--", *PROBE)
    reply = server.invoke(b"x" * 6291557)
    assert reply.status == 413 and reply.json()["errorType"] == "RequestTooLargeException"


def test_invocation_types_and_log_tail(serve):
    server = serve(TESTDATA, "--function-version", "7", "--", *PROBE)
    dry = server.invoke({"probe": "echo"}, {"X-Amz-Invocation-Type": "DryRun"})
    assert dry.status == 204 and dry.data == b""
    tail = server.invoke({"probe": "echo"}, {"X-Amz-Log-Type": "Tail"})
    assert tail.status == 200 and tail.headers["X-Amz-Executed-Version"] == "7"
    log = base64.b64decode(tail.headers["X-Amz-Log-Result"]).decode().splitlines()
    assert log[0].startswith("START RequestId: ") and log[0].endswith(" Version: 7")
    assert log[-2].startswith("END RequestId: ") and log[-1].startswith("REPORT RequestId: ")
    queued = server.invoke({"probe": "echo", "async": True}, {"X-Amz-Invocation-Type": "Event"})
    assert queued.status == 202 and queued.data == b""
    deadline = time.monotonic() + 20
    while sum(line.startswith("REPORT") for line in server.lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sum(line.startswith("REPORT") for line in server.lines) == 2
    bad = server.invoke({}, {"X-Amz-Invocation-Type": "Sometimes"})
    assert bad.status == 400
