"""Response streaming: a handler's result goes to the caller chunk by chunk, as the handler produces it.

Two ways to write a streaming handler (both `def` or `async def`)::

    from lambda_native import HttpResponse, streaming, streaming_writer

    @streaming
    def handler(event, context):             # a generator (sync or async) of bytes or str chunks
        yield HttpResponse(200, {"content-type": "text/plain"}, cookies=["seen=1"])  # optional, first
        yield "hello, "
        yield b"world"

    @streaming_writer
    def handler(event, context, stream):     # writes to the response stream it is given
        stream.write(HttpResponse(200, {"content-type": "text/plain"}))  # optional, first
        stream.write("hello")

The stream opens at the first chunk (or `HttpResponse`): an exception before it is an ordinary `/error`,
one after it ends the stream with the error trailers. An `HttpResponse` first makes the stream a Function
URL / API Gateway response: its status, headers and cookies go out as the HTTP-integration prelude.
Imported only when the loaded handler streams (and by `from lambda_native import streaming`).
"""

from __future__ import annotations

from lambda_native.runtime import wire

HTTP_INTEGRATION_TYPE = "application/vnd.awslambda.http-integration-response"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
PRELUDE_DELIMITER = b"\0" * 8
# The attribute the decorators put on a handler: (kind, content type). Read by the runtime loop.
MARK = "_lambda_native_streaming"
GENERATOR, WRITER = "generator", "writer"


class HttpResponse:
    """Status, headers and cookies of a Function URL (or API Gateway) response, sent before its body."""

    __slots__ = ("cookies", "headers", "status_code")

    def __init__(
        self, status_code: int = 200, headers: dict[str, str] | None = None, cookies: list[str] | None = None
    ):
        self.status_code = status_code
        self.headers = headers
        self.cookies = cookies

    def prelude(self) -> bytes:
        """The HTTP-integration prelude: this response's JSON document, then exactly eight NUL bytes."""
        from lambda_native.runtime import codec

        document: dict[str, object] = {"statusCode": self.status_code}
        if self.headers:
            document["headers"] = self.headers
        if self.cookies:
            document["cookies"] = list(self.cookies)
        return codec.dumps(document) + PRELUDE_DELIMITER

    def __repr__(self) -> str:
        return f"HttpResponse({self.status_code!r}, headers={self.headers!r}, cookies={self.cookies!r})"


def _mark(kind: str, handler, content_type: str):
    if handler is None:
        return lambda function: _mark(kind, function, content_type)
    if not callable(handler):
        raise TypeError(f"@streaming decorates a handler function, not {type(handler).__name__}")
    setattr(handler, MARK, (kind, content_type))
    return handler


def streaming(handler=None, *, content_type: str = DEFAULT_CONTENT_TYPE):
    """Mark `handler(event, context)` as streaming: it yields (or returns an iterable of) bytes/str chunks.

    Use as `@streaming` or `@streaming(content_type="text/event-stream")`. The handler is returned
    unchanged, so it can still be called directly (in tests, say).
    """
    return _mark(GENERATOR, handler, content_type)


def streaming_writer(handler=None, *, content_type: str = DEFAULT_CONTENT_TYPE):
    """Mark `handler(event, context, stream)` as streaming: it calls `stream.write(chunk)` as it goes.

    Use as `@streaming_writer` or `@streaming_writer(content_type="text/plain")`; the handler is returned
    unchanged.
    """
    return _mark(WRITER, handler, content_type)


class StreamBroken(ConnectionError):
    """The Runtime API connection carrying the response stream failed: nothing more can be sent."""


class ResponseStream:
    """The stream a `@streaming_writer` handler writes to; it opens on the first `write()`.

    Every write goes out at once as one chunk. An `HttpResponse`, written first, sends the status,
    headers and cookies of a Function URL response.
    """

    __slots__ = ("_client", "_content_type", "_invocation_id", "_request_id", "_stream", "broken")

    def __init__(self, client, request_id: str, invocation_id: str | None, content_type: str):
        self._client = client
        self._request_id = request_id
        self._invocation_id = invocation_id
        self._content_type = content_type
        self._stream = None
        self.broken: OSError | None = None

    @property
    def started(self) -> bool:
        """True once something was sent: from then on a failure ends the stream with error trailers."""
        return self._stream is not None

    def write(self, data: bytes | bytearray | memoryview | str | HttpResponse) -> None:
        """Send one chunk (str as UTF-8); empty chunks send nothing. StreamBroken if the connection failed."""
        if isinstance(data, HttpResponse):
            if self._stream is not None:
                raise ValueError("HttpResponse must come first, before any body chunk")
            self._open(HTTP_INTEGRATION_TYPE)
            self._send(data.prelude())
            return
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            from lambda_native.runtime.error_report import Fault

            raise Fault(
                "Runtime.MarshalError",
                "Unable to marshal response: a streamed chunk must be bytes or str, "
                f"not {type(data).__name__}",
            )
        if self._stream is None:
            self._open(self._content_type)
        if data:
            self._send(bytes(data) if not isinstance(data, bytes) else data)

    def _open(self, content_type: str) -> None:
        self._check()
        try:
            self._stream = self._client.start_stream(self._request_id, content_type, self._invocation_id)
        except OSError as exc:
            self._break(exc)

    def _send(self, data: bytes) -> None:
        self._check()
        try:
            self._stream.write(data)
        except OSError as exc:
            self._break(exc)

    def _check(self) -> None:
        if self.broken is not None:
            raise StreamBroken(f"the response stream is closed: {self.broken}")

    def _break(self, exc: OSError):
        self.broken = exc
        self._client.close()
        raise StreamBroken(f"the response stream's connection failed: {exc}") from exc

    def finish(self) -> None:
        """End the response (an empty one if nothing was written); RuntimeApiError unless accepted."""
        if self._stream is None:
            self._open(self._content_type)
        self._end(self._stream.finish)

    def fail(self, error_type: str, document: bytes) -> None:
        """End the stream with the error trailers (type, base64 of the error document)."""
        self._end(lambda: self._stream.fail(error_type, document))

    def _end(self, end) -> None:
        try:
            end()
        except (OSError, wire.ProtocolError):
            self._client.close()  # the next request starts on a fresh connection
            raise


def _chunks_of(result):
    """`(kind, source)`: how to drain what a `@streaming` handler returned ("one", "sync" or "async")."""
    if isinstance(result, (bytes, bytearray, memoryview, str, HttpResponse)):
        return "one", result
    if hasattr(type(result), "__aiter__"):
        return "async", result
    if hasattr(type(result), "__iter__"):
        return "sync", result
    from lambda_native.runtime.error_report import Fault

    raise Fault(
        "Runtime.MarshalError",
        "Unable to marshal response: a @streaming handler must yield or return bytes or str chunks, "
        f"not {type(result).__name__}",
    )


async def _drain_async(chunks, stream: ResponseStream) -> None:
    try:
        async for chunk in chunks:
            stream.write(chunk)
    finally:
        if hasattr(chunks, "aclose"):
            await chunks.aclose()


def _drain(chunks, stream: ResponseStream) -> None:
    try:
        for chunk in chunks:
            stream.write(chunk)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()  # a failed write: the generator's `finally` blocks run now, not when collected


def run(function, kind: str, event, context, stream: ResponseStream) -> None:
    """Call a streaming handler and send everything it produces on `stream` (not finished here)."""
    if kind == WRITER:
        result = function(event, context, stream)
        if hasattr(type(result), "__await__"):
            from lambda_native.runtime import aio

            aio.run(result)
        return
    result = function(event, context)
    if hasattr(type(result), "__await__"):  # `async def` returning the chunks
        from lambda_native.runtime import aio

        result = aio.run(result)
    how, chunks = _chunks_of(result)
    if how == "one":
        stream.write(chunks)
    elif how == "sync":
        _drain(chunks, stream)
    else:
        from lambda_native.runtime import aio

        aio.run(_drain_async(chunks, stream))
