"""A small, honest fake of the Lambda side of the Runtime API, for black-box tests of any runtime.

It speaks real HTTP/1.1 (keep-alive, Content-Length and chunked request bodies with trailers) on
127.0.0.1, hands out queued events to `GET /next` (holding the long-poll open until one is queued),
records every request in order, and answers the POST endpoints with scripted status codes. Used by
the runtime's suite (`tests/runtime`) and the C floor's (`tests/builder`).
"""

from __future__ import annotations

import collections
import http.client
import json
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
NEXT_PATH = PREFIX + "/invocation/next"
INIT_ERROR_PATH = PREFIX + "/init/error"
DEFAULT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:test_function"
ACCEPTED_BODY = b'{"status":"OK"}'
MAX_PAYLOAD = 6 * 1024 * 1024 + 100  # RAPID's limit on a buffered response: 6 291 556 bytes
REPEATED_REPLY_BODY = (
    b'{"errorMessage":"State transition from ResponseSent to ResponseSent failed for runtime. '
    b'Error: State transition is not allowed","errorType":"InvalidStateTransition"}'
)
TOO_LARGE_BODY = (
    b'{"errorType":"RequestEntityTooLarge",'
    b'"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes)."}'
)

_DEFAULT = object()

# http.server reads header lines through http.client, which refuses lines over 64 KiB; RAPID (Go's
# net/http) takes up to 1 MiB of headers, and an X-Ray cause for a deep stack can exceed 64 KiB.
http.client._MAXLINE = max(http.client._MAXLINE, 1 << 20)


class Request:
    """One request the runtime sent, as received on the wire."""

    __slots__ = (
        "accepted",
        "body",
        "chunked",
        "chunks",
        "connection",
        "ended",
        "headers",
        "method",
        "path",
        "trailers",
    )

    def __init__(self, method, path, headers, body, trailers, chunked, connection, chunks=(), ended=None):
        self.method = method
        self.path = path
        self.headers = headers  # list of (name, value), in wire order and case
        self.body = body
        self.trailers = trailers  # list of (name, value); empty unless the body was chunked
        self.chunked = chunked
        self.connection = connection  # client (host, port): equal for requests on one connection
        self.chunks = list(chunks)  # (time.monotonic() of arrival, data) of each chunk of a chunked body
        self.ended = ended  # time.monotonic() when the whole request had arrived
        self.accepted = False  # a POST the fake answered 202

    def header(self, name: str) -> str | None:
        """The value of header `name` (case-insensitive), or None if absent."""
        return _field(self.headers, name)

    def trailer(self, name: str) -> str | None:
        """The value of trailer `name` (case-insensitive), or None if absent."""
        return _field(self.trailers, name)

    @property
    def kind(self) -> str:
        """`next`, `response`, `error`, `init_error` or `other`."""
        if self.path == NEXT_PATH:
            return "next"
        if self.path == INIT_ERROR_PATH:
            return "init_error"
        if self.path.startswith(PREFIX + "/invocation/"):
            tail = self.path.rsplit("/", 1)[-1]
            if tail in ("response", "error"):
                return tail
        return "other"

    @property
    def request_id(self) -> str | None:
        """The request id in a /response or /error path."""
        if self.kind in ("response", "error"):
            return self.path.split("/")[-2]
        return None

    def __repr__(self):
        return f"Request({self.method} {self.path} {len(self.body)} bytes)"


def _field(fields: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    return next((value for key, value in fields if key.lower() == name), None)


class NextAnswer:
    """What the fake answers one `GET /next` (or one POST) with."""

    __slots__ = ("body", "delay", "headers", "reset", "status", "truncated")

    def __init__(self, status, headers, body, truncated=False, *, reset=False, delay=0.0):
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated  # the connection drops before the announced body is complete
        self.reset = reset  # no answer: the connection is reset (TCP RST)
        self.delay = delay  # seconds to wait before answering


def _encode_body(body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A runtime killed mid-request resets its connection: expected in these tests, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeRuntimeAPI:
    """The fake Runtime API server. Use as a context manager, or call `start()` and `close()`."""

    def __init__(self):
        self._cond = threading.Condition()
        self._answers = collections.deque()
        self._replies = {kind: collections.deque() for kind in ("response", "error", "init_error")}
        self._closing = False
        self._waiting = 0  # /next requests held open right now
        self.requests: list[Request] = []
        self.process = None  # the runtime process under test, if any: waits stop when it exits
        # How responses look on the wire (all valid HTTP/1.1; real servers differ in these ways):
        self.close_connections = False  # `Connection: close`, then close
        self.chunked_bodies = False  # chunked transfer coding instead of Content-Length (Go does above 2 KiB)
        self.lowercase_headers = False  # header names in lower case
        self.trickle = False  # the response written 5 bytes at a time
        self.drop_streams_after = None  # close a chunked request's connection after this many chunks
        # As RAPID: a second `/response` or `/error` for a request id already answered gets 403.
        self.refuse_repeated_replies = False
        self._answered: set[str] = set()
        self.holding = 0  # answers being held back right now (`reply_with(..., delay=)`)
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> FakeRuntimeAPI:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- scripting -------------------------------------------------------------------------------

    def push(
        self,
        body=b"{}",
        *,
        request_id: str | None = None,
        deadline_ms=_DEFAULT,
        arn=_DEFAULT,
        content_type=_DEFAULT,
        trace_id: str | None = None,
        client_context=None,
        cognito_identity=None,
        tenant_id: str | None = None,
        invocation_id: str | None = None,
        headers: dict | None = None,
    ) -> str:
        """Queue an event for `/next`; returns its request id.

        Deadline (now + 300 s), ARN and content type (`application/json`) are sent by default; pass
        None to leave a header out. Dict/list bodies and dict client context / identity are JSON-encoded.
        """
        request_id = request_id or str(uuid.uuid4())
        if deadline_ms is _DEFAULT:
            deadline_ms = int(time.time() * 1000) + 300_000
        if arn is _DEFAULT:
            arn = DEFAULT_ARN
        if content_type is _DEFAULT:
            content_type = "application/json"
        if isinstance(client_context, dict):
            client_context = json.dumps(client_context)
        if isinstance(cognito_identity, dict):
            cognito_identity = json.dumps(cognito_identity)
        fields = [
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", deadline_ms),
            ("Lambda-Runtime-Invoked-Function-Arn", arn),
            ("Lambda-Runtime-Trace-Id", trace_id),
            ("Lambda-Runtime-Client-Context", client_context),
            ("Lambda-Runtime-Cognito-Identity", cognito_identity),
            ("Lambda-Runtime-Aws-Tenant-Id", tenant_id),
            ("Lambda-Runtime-Invocation-Id", invocation_id),
            ("Content-Type", content_type),
        ]
        sent = [(name, str(value)) for name, value in fields if value is not None]
        sent += list((headers or {}).items())
        self._queue(NextAnswer(200, sent, _encode_body(body)))
        return request_id

    def push_status(self, status: int, body=None) -> None:
        """Answer the next `/next` with `status` and an API-style error document."""
        if body is None:
            body = {"errorMessage": "scripted failure", "errorType": "Scripted"}
        self._queue(NextAnswer(status, [("Content-Type", "application/json")], _encode_body(body)))

    def push_truncated(self, body=b'{"cut": "short"}') -> None:
        """Answer the next `/next` with a body shorter than its Content-Length, then drop the connection."""
        headers = [("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4())), ("Content-Type", "application/json")]
        self._queue(NextAnswer(200, headers, _encode_body(body), truncated=True))

    def push_reset(self) -> None:
        """Answer the next `/next` with no answer at all: the connection is reset (TCP RST)."""
        self._queue(NextAnswer(0, [], b"", reset=True))

    def _queue(self, answer: NextAnswer) -> None:
        with self._cond:
            self._answers.append(answer)
            self._cond.notify_all()

    def reply_with(
        self, kind: str, status: int, body=None, *, delay: float = 0.0, cut: bool = False, reset: bool = False
    ) -> None:
        """Answer the next POST of `kind` (`response`, `error`, `init_error`) with `status`, after `delay`
        seconds; `cut`: the answer's body stops short of its Content-Length and the connection drops;
        `reset`: no answer, the connection is reset once the request has been read (and recorded)."""
        if body is None:
            body = ACCEPTED_BODY if status == 202 else {"errorMessage": "scripted", "errorType": str(status)}
        answer = NextAnswer(
            status, [("Content-Type", "application/json")], _encode_body(body), cut, reset=reset, delay=delay
        )
        with self._cond:
            self._replies[kind].append(answer)

    # -- observing -------------------------------------------------------------------------------

    def wait_for(self, predicate, timeout: float = 20, what: str = "condition"):
        """Wait until `predicate(requests)` returns something truthy; return it.

        Gives up early, with the process's output, if the watched runtime process has exited.
        """
        deadline = time.monotonic() + timeout
        dead_since = None
        with self._cond:
            while True:
                found = predicate(self.requests)
                if found:
                    return found
                now = time.monotonic()
                left = deadline - now
                if dead_since is None and self.process is not None and not self.process.running:
                    dead_since = now  # its last requests may still be in flight: a short grace
                dead = dead_since is not None and now - dead_since > 0.5
                if left <= 0 or dead:
                    reason = "the runtime exited" if dead else "timed out"
                    detail = self.process.describe() if self.process is not None else ""
                    raise TimeoutError(f"{reason} waiting for {what}; requests: {self.requests}\n{detail}")
                self._cond.wait(min(left, 0.1))

    def wait_reply(self, request_id: str, timeout: float = 20) -> Request:
        """The runtime's `/response` or `/error` for `request_id`."""

        def find(requests):
            for request in requests:
                if request.request_id == request_id:
                    return request
            return None

        return self.wait_for(find, timeout, f"a reply for {request_id}")

    def wait_polling(self, count: int = 1, timeout: float = 20) -> None:
        """Wait until the runtime has sent its `count`-th `/next` and is waiting on it."""

        def polling(requests):
            nexts = [r for r in requests if r.kind == "next"]
            return len(nexts) >= count and self._waiting > 0

        self.wait_for(polling, timeout, f"/next number {count}")

    def wait_init_error(self, timeout: float = 20) -> Request:
        """The runtime's `POST /init/error`."""
        return self.wait_for(
            lambda requests: next((r for r in requests if r.kind == "init_error"), None),
            timeout,
            "POST /init/error",
        )

    def wait_requests(self, kind: str, count: int = 1, timeout: float = 20) -> list[Request]:
        """The first `count` requests of `kind` (see `Request.kind`), waiting until they have arrived."""

        def enough(requests):
            found = [r for r in requests if r.kind == kind]
            return found[:count] if len(found) >= count else None

        return self.wait_for(enough, timeout, f"{count} {kind} request(s)")

    def of_kind(self, kind: str) -> list[Request]:
        """The requests so far of `kind` (see `Request.kind`)."""
        with self._cond:
            return [r for r in self.requests if r.kind == kind]

    # -- server side -----------------------------------------------------------------------------

    def _record(self, request: Request) -> None:
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()

    def _next_answer(self) -> NextAnswer | None:
        with self._cond:
            self._waiting += 1
            self._cond.notify_all()
            try:
                while not self._answers and not self._closing:
                    self._cond.wait()
                return None if self._closing else self._answers.popleft()
            finally:
                self._waiting -= 1

    def _reply_for(self, request: Request) -> NextAnswer:
        kind = request.kind
        json_type = [("Content-Type", "application/json")]
        if kind == "response" and len(request.body) > MAX_PAYLOAD:
            return NextAnswer(413, json_type, TOO_LARGE_BODY)
        with self._cond:
            if self.refuse_repeated_replies and request.request_id is not None:
                if request.request_id in self._answered:
                    return NextAnswer(403, json_type, REPEATED_REPLY_BODY)
                self._answered.add(request.request_id)
            queue = self._replies.get(kind)
            if queue:
                return queue.popleft()
        if kind == "other":
            return NextAnswer(404, json_type, b'{"errorMessage":"not found","errorType":"NotFound"}')
        return NextAnswer(202, json_type, ACCEPTED_BODY)

    def accepted_replies(self) -> collections.Counter:
        """How many `/response` or `/error` posts were accepted (202) per request id."""
        with self._cond:
            return collections.Counter(
                r.request_id for r in self.requests if r.request_id is not None and r.accepted
            )


def _make_handler(api: FakeRuntimeAPI):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # every write leaves at once (trickled pieces; no delayed-ACK stalls)

        def log_message(self, format, *args):
            pass

        def _read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length), [], None

        def _read_chunked(self):
            body = bytearray()
            chunks = []  # (arrival time, data)
            while True:
                size_line = self.rfile.readline()
                if not size_line:
                    raise ConnectionError("connection closed inside a chunked body")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    break
                data = self.rfile.read(size)
                body += data
                if self.rfile.read(2) != b"\r\n":
                    raise ValueError("chunk not followed by CRLF")
                chunks.append((time.monotonic(), data))
                if api.drop_streams_after is not None and len(chunks) >= api.drop_streams_after:
                    raise ConnectionAbortedError("the fake dropped the stream, as scripted")
            trailers = []
            while True:
                line = self.rfile.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                trailers.append((name.strip(), value.strip()))
            return bytes(body), trailers, chunks

        def _handle(self):
            body, trailers, chunks = self._read_body()
            request = Request(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                trailers,
                chunks is not None,
                self.client_address,
                chunks or (),
                time.monotonic(),
            )
            if request.kind == "next" and self.command == "GET":
                api._record(request)
                answer = api._next_answer()
                if answer is None:
                    self.close_connection = True
                    return
            else:
                answer = api._reply_for(request)
                request.accepted = answer.status == 202  # taken, even if its answer is then cut or reset
                api._record(request)
            if answer.delay:
                with api._cond:
                    api.holding += 1
                time.sleep(answer.delay)
                with api._cond:
                    api.holding -= 1
            if answer.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
            elif answer.truncated:
                self._send_truncated(answer)
            else:
                self._send(answer.status, answer.headers, answer.body)

        def _send_truncated(self, answer):
            reason = self.responses.get(answer.status, ("Unknown",))[0]
            head = f"HTTP/1.1 {answer.status} {reason}\r\n"
            head += "".join(f"{n}: {v}\r\n" for n, v in answer.headers)
            head += f"Content-Length: {len(answer.body) + 100}\r\n\r\n"
            self.wfile.write(head.encode("latin-1") + answer.body)
            self.wfile.flush()
            self.close_connection = True

        def _send(self, status, headers, body):
            """Write the response by hand, so that the tests can vary how it looks on the wire."""
            reason = self.responses.get(status, ("Unknown",))[0]
            headers = [*headers, ("Date", self.date_time_string())]
            if api.chunked_bodies:
                headers.append(("Transfer-Encoding", "chunked"))
                pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
                payload = b"".join(b"%x\r\n%b\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
            else:
                headers.append(("Content-Length", str(len(body))))
                payload = body
            if api.close_connections:
                headers.append(("Connection", "close"))
                self.close_connection = True
            if api.lowercase_headers:
                headers = [(name.lower(), value) for name, value in headers]
            head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n"
            data = head.encode("latin-1") + payload
            step = 5 if api.trickle else len(data) or 1
            for start in range(0, len(data), step):
                self.wfile.write(data[start : start + step])
                self.wfile.flush()

        do_GET = do_POST = do_PUT = _handle

    return Handler
