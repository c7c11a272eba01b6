"""Real servers on 127.0.0.1 for functions that call one, in the tests and the suite's corpus rows: moto
(S3, DynamoDB, SQS), PostgreSQL and Redis from Debian's packages, and a small JSON echo service. Each runs
while its context is open and is stopped after it."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    """Return once something accepts connections on 127.0.0.1:`port`; fail if `process` died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


@contextlib.contextmanager
def running(command: list[str], port: int, **popen) -> Iterator[subprocess.Popen]:
    """`command` started, waited for on `port`, killed afterwards."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.kill()
        process.wait()


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's server mode: a local stand-in for AWS services (S3, DynamoDB, SQS, Lambda, IAM). Its URL."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running(command, port, env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "false"}):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """redis-server with nothing saved to disk. Its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `bash setup.sh` (it installs redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with running(command, port):
        yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster, trusting local connections. Its URL. The server refuses to run as
    root, so as root it runs as the `postgres` user Debian's package makes."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `bash setup.sh` (it installs postgresql)")
    bindir = os.path.dirname(found[-1])
    data = tempfile.mkdtemp(prefix="lambda-native-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    try:
        subprocess.run(
            [*as_user, f"{bindir}/initdb", "-D", data, "-U", "corpus", "--auth=trust", "-E", "UTF8"],
            capture_output=True,
            check=True,
        )
        port = free_port()
        server = [f"{bindir}/postgres", "-D", data, "-p", str(port), "-k", data]
        server += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        with running([*as_user, *server], port):
            yield f"postgresql://corpus@127.0.0.1:{port}/postgres"
    finally:
        shutil.rmtree(data, ignore_errors=True)


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        answer = json.dumps(json.loads(body or b"null")).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.send_header("x-agent", self.headers.get("user-agent", ""))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def echo_server() -> Iterator[str]:
    """An HTTP service answering `POST /echo` with the JSON it was sent and its user agent in `x-agent`.
    Its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Each server by the name a function's `env.json` gives it (`{"DATABASE_URL": "{postgres}"}`).
SERVICES = {
    "postgres": postgres_server,
    "redis": redis_server,
    "moto": moto_server,
    "echo": echo_server,
}
