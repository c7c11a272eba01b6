"""A small Runtime API server on 127.0.0.1 for the build tests: real HTTP/1.1 with keep-alive.

It hands queued events to `GET /next` (holding the long-poll until one is queued), records every request
with the client's address (equal addresses = one connection), and answers POSTs with 202, or with a
status scripted for the next `/next`.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class Recorded:
    """One request as received."""

    __slots__ = ("body", "client", "headers", "method", "path")

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes, client) -> None:
        self.method = method
        self.path = path
        self.headers = headers  # lower-cased names
        self.body = body
        self.client = client

    @property
    def kind(self) -> str:
        """next, response, error, init_error or other."""
        if self.path == PREFIX + "/invocation/next":
            return "next"
        if self.path == PREFIX + "/init/error":
            return "init_error"
        return self.path.rsplit("/", 1)[-1] if self.path.startswith(PREFIX + "/invocation/") else "other"

    def json(self):
        return json.loads(self.body)


class QuietServer(ThreadingHTTPServer):
    """A runtime killed at the end of a test resets its connection: that is no error worth printing."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RuntimeAPI:
    """The server: `queue_event()`, then `wait_for(kind)` the runtime's answer."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()
        self.requests: list[Recorded] = []
        self.arrived = threading.Condition()
        self.next_status = 200
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def record(self) -> Recorded:
                if "chunked" in self.headers.get("Transfer-Encoding", ""):
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b""):
                                pass
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Recorded(self.command, self.path, headers, body, self.client_address)
                with api.arrived:
                    api.requests.append(request)
                    api.arrived.notify_all()
                return request

            def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self.record()
                if self.path != PREFIX + "/invocation/next":
                    self.reply(404, b'{"errorType":"NotFound","errorMessage":"no such route"}')
                    return
                if api.next_status != 200:
                    self.reply(api.next_status, b'{"errorType":"Test","errorMessage":"scripted failure"}')
                    return
                body, request_id = api.events.get()
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": "9999999999999",
                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:t",
                }
                self.reply(200, body, headers)

            def do_POST(self) -> None:
                self.record()
                self.reply(202, b'{"status":"OK"}')

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def queue_event(self, body: bytes) -> str:
        """Queue an event for the next `/next`; returns its request id."""
        request_id = str(uuid.uuid4())
        self.events.put((body, request_id))
        return request_id

    def wait_for(self, kind: str, count: int = 1, timeout: float = 20.0) -> list[Recorded]:
        """The first `count` requests of `kind`, waiting for them; AssertionError on timeout."""
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: len([r for r in self.requests if r.kind == kind]) >= count, timeout
            )
            assert found, f"no {count} {kind} request(s) in {timeout}s; got {[r.path for r in self.requests]}"
            return [r for r in self.requests if r.kind == kind][:count]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
