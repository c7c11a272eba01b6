"""The Runtime API client: one kept-alive TCP connection to `AWS_LAMBDA_RUNTIME_API`, moving `wire` bytes.

Built on `_socket` (the `socket` module imports `enum`, ~7 ms of cold start), with `TCP_NODELAY`, no
timeout on the `/next` long-poll, and no proxy (the Runtime API is always local).
"""

from __future__ import annotations

import _socket

from lambda_native.runtime import wire

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = API_PREFIX + "/invocation/next"
INIT_ERROR_PATH = API_PREFIX + "/init/error"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
INVOCATION_ID_HEADER = "Lambda-Runtime-Invocation-Id"
CONNECT_TIMEOUT_S = 1.0  # as aws-lambda-cpp; the Runtime API is on loopback
_RECV_SIZE = 64 * 1024  # heads and small bodies; a large Content-Length body is received in place
_SMALL_BODY = 64 * 1024  # bodies up to this size go out in the same send() as the head


class RuntimeApiError(Exception):
    """The Runtime API answered with a status the endpoint does not expect (e.g. 410, 413, 500)."""

    def __init__(self, method: str, path: str, status: int, body: bytes):
        self.method, self.path, self.status, self.body = method, path, status, body
        text = body.decode("utf-8", "replace")
        super().__init__(f"Runtime API replied {status} to {method} {path}: {text}")


class Invocation:
    """One event from `GET /next`: the request id, the other `Lambda-Runtime-*` headers, and the body."""

    __slots__ = (
        "body",
        "client_context",
        "cognito_identity",
        "content_type",
        "deadline_ms",
        "function_arn",
        "invocation_id",
        "request_id",
        "tenant_id",
        "trace_id",
    )

    def __init__(self, headers: dict[str, str], body: bytes):
        get = headers.get
        self.request_id = headers["lambda-runtime-aws-request-id"]
        deadline = get("lambda-runtime-deadline-ms", "")
        self.deadline_ms = int(deadline) if deadline.isdigit() and deadline.isascii() else 0
        self.function_arn = get("lambda-runtime-invoked-function-arn")
        self.trace_id = get("lambda-runtime-trace-id")
        self.client_context = get("lambda-runtime-client-context")
        self.cognito_identity = get("lambda-runtime-cognito-identity")
        self.tenant_id = get("lambda-runtime-aws-tenant-id")
        self.invocation_id = get("lambda-runtime-invocation-id")
        self.content_type = get("content-type")
        self.body = body


def split_address(address: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) from `AWS_LAMBDA_RUNTIME_API` -> (host, port); ValueError if malformed."""
    host, colon, port = address.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not colon or not host or not port.isdigit() or not port.isascii() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, got {address!r}")
    return host, int(port)


def _printable(value: str) -> str | None:
    """The value if it can go in a header as is, else None (an exotic exception class name)."""
    return value if value.isprintable() else None


class RuntimeClient:
    """Speaks the Runtime API over one connection, reconnecting when the server has closed it."""

    __slots__ = ("_address", "_buffer", "_headers", "_next_request", "_parser", "_sock", "_used")

    def __init__(self, address: str, user_agent: str):
        self._address = split_address(address)
        self._headers = [("Host", address), ("User-Agent", user_agent)]
        self._next_request = wire.request_head("GET", NEXT_PATH, self._headers)
        self._sock: _socket.socket | None = None
        self._parser = wire.ResponseParser()
        self._used = False  # a request already went over the current connection
        # One receive buffer for the process's life, for heads and small bodies: `recv(n)` would allocate
        # and free a fresh bytes object on every call (twice per invoke). A Content-Length body goes
        # straight into the buffer the parser made for it (`wire.ResponseParser.body_space`).
        self._buffer = memoryview(bytearray(_RECV_SIZE))

    def connect(self) -> None:
        """Open the connection now, so an unreachable API is reported before any user code runs."""
        host, port = self._address
        error: OSError | None = None
        # An ASCII host goes in as bytes: a str would be IDNA-encoded, importing `encodings.idna` and `re`.
        name = host.encode() if host.isascii() else host
        for family, type_, proto, _, sockaddr in _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM):
            sock = _socket.socket(family, type_, proto)
            try:
                sock.settimeout(CONNECT_TIMEOUT_S)
                sock.connect(sockaddr)
                sock.settimeout(None)
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self._sock, self._parser, self._used = sock, wire.ResponseParser(), False
            return
        raise error or OSError(f"no address found for {host}")

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def next(self) -> Invocation:
        """Long-poll `GET /next` (no timeout: the sandbox may be frozen for hours in between)."""
        response = self._exchange((self._next_request,))
        if response.status != 200:
            raise RuntimeApiError("GET", NEXT_PATH, response.status, response.body)
        if not response.headers.get("lambda-runtime-aws-request-id"):
            raise wire.ProtocolError("GET /next answered 200 without a Lambda-Runtime-Aws-Request-Id header")
        return Invocation(response.headers, response.body)

    def post_response(
        self, request_id: str, body: bytes, content_type: str, invocation_id: str | None
    ) -> None:
        """`POST /{id}/response` with the handler's result; RuntimeApiError unless 202."""
        headers = [("Content-Type", content_type)]
        if invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation_id))
        self._post(f"{API_PREFIX}/invocation/{request_id}/response", headers, body)

    def post_error(
        self,
        request_id: str,
        document: bytes,
        error_type: str,
        xray_cause: str | None,
        invocation_id: str | None,
    ) -> None:
        """`POST /{id}/error` with an error document, its type and X-Ray cause; RuntimeApiError unless 202."""
        headers = self._error_headers(error_type)
        if xray_cause:
            headers.append((XRAY_CAUSE_HEADER, xray_cause))
        if invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation_id))
        self._post(f"{API_PREFIX}/invocation/{request_id}/error", headers, document)

    def post_init_error(self, document: bytes, error_type: str) -> None:
        """`POST /init/error` with an error document and its type header; RuntimeApiError unless 202."""
        self._post(INIT_ERROR_PATH, self._error_headers(error_type), document)

    def start_stream(self, request_id: str, content_type: str, invocation_id: str | None) -> ResponseStream:
        """Begin a streamed `POST /{id}/response` (chunked, error trailers announced): a `ResponseStream`."""
        path = f"{API_PREFIX}/invocation/{request_id}/response"
        headers = [
            *self._headers,
            ("Lambda-Runtime-Function-Response-Mode", "streaming"),
            ("Content-Type", content_type),
        ]
        if invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation_id))
        head = wire.request_head(
            "POST", path, headers, chunked=True, trailers=(ERROR_TYPE_HEADER, ERROR_BODY_TRAILER)
        )
        # A stream cannot be replayed: never start one on a kept-alive connection the server may have closed.
        self.close()
        self.connect()
        self._send((head,))
        return ResponseStream(self, path)

    def _error_headers(self, error_type: str) -> list[tuple[str, str]]:
        headers = [("Content-Type", "application/json")]
        value = _printable(error_type)
        if value:
            headers.append((ERROR_TYPE_HEADER, value))
        return headers

    def _post(self, path: str, headers: list[tuple[str, str]], body: bytes) -> None:
        head = wire.request_head("POST", path, [*self._headers, *headers], content_length=len(body))
        parts = (head + body,) if len(body) <= _SMALL_BODY else (head, body)
        response = self._exchange(parts)
        if response.status != 202:
            raise RuntimeApiError("POST", path, response.status, response.body)

    def _exchange(self, parts: tuple[bytes, ...]) -> wire.Response:
        """Send one request and read its response, retrying once on a kept-alive connection found closed."""
        while True:
            retry = self._sock is not None and self._used
            if self._sock is None:
                self.connect()
            try:
                self._send(parts)
                return self._receive()
            except (ConnectionResetError, BrokenPipeError, wire.ClosedBeforeResponse):
                # The server may close an idle kept-alive connection at any time; a request that got no
                # byte of answer on such a connection was not processed, so it is safe to send it again.
                if not (retry and self._parser.idle):
                    raise
                self.close()

    def _send(self, parts: tuple[bytes, ...]) -> None:
        sock = self._sock
        for part in parts:
            sock.sendall(part)
        self._used = True

    def _receive(self) -> wire.Response:
        sock, parser, buffer = self._sock, self._parser, self._buffer
        while True:
            space = parser.body_space()
            if space is None:
                size = sock.recv_into(buffer)
            else:
                with space:
                    size = sock.recv_into(space)
            if not size:
                self.close()
                return parser.feed_eof()
            response = parser.feed(buffer[:size]) if space is None else parser.body_received(size)
            if response is not None:
                if not response.keep_alive:
                    self.close()
                return response


class ResponseStream:
    """A streamed response in progress: `write()` chunks, then `finish()` or `fail()` (error trailers)."""

    __slots__ = ("_client", "_path")

    def __init__(self, client: RuntimeClient, path: str):
        self._client, self._path = client, path

    def write(self, data: bytes) -> None:
        """Send one chunk of the response body."""
        self._client._send((wire.encode_chunk(data),))

    def finish(self) -> None:
        """End the body; RuntimeApiError unless the API accepts it (202)."""
        self._end(())

    def fail(self, error_type: str, document: bytes) -> None:
        """End the body with the mid-stream error trailers (type, base64 of the JSON error document)."""
        import binascii

        encoded = binascii.b2a_base64(document, newline=False).decode("ascii")
        trailers = [(ERROR_BODY_TRAILER, encoded)]
        value = _printable(error_type)
        if value:
            trailers.insert(0, (ERROR_TYPE_HEADER, value))
        self._end(trailers)

    def _end(self, trailers: list[tuple[str, str]] | tuple[()]) -> None:
        client = self._client
        client._send((wire.encode_last_chunk(trailers),))
        response = client._receive()
        if response.status != 202:
            raise RuntimeApiError("POST", self._path, response.status, response.body)
