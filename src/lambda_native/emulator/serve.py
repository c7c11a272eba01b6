"""The invoke API of the Runtime Interface Emulator, served by a pool of execution environments.

`POST /2015-03-31/functions/function/invocations` with the event as body, as the RIE takes it, so RIE
scripts and `curl` work unchanged. `X-Amz-Client-Context` (base64), `X-Amzn-Trace-Id` and
`X-Amz-Tenant-Id` reach the runtime. Invokes wait for a free environment: one by default (queued, where
the RIE fails), N with `--concurrency N`, each started lazily on its first invoke; with
`--max-concurrency M` each environment serves M invokes at once (Lambda Managed Instances), and an
invoke that finds every slot busy is refused at once as Lambda Managed Instances refuse it: 429
`TooManyRequestsException` (a slot held by a timed-out invoke whose handler still runs counts as busy).

Replies follow the RIE: 200 with the payload for a response, a function error, a timeout (plain text
`Task timed out after N.NN seconds`) or a too-large response; 502 with the error document when the
runtime crashed or failed to initialise. Beyond the RIE: the runtime's Content-Type is passed on, a
failed invoke carries `X-Amz-Function-Error: Unhandled` (as Lambda's Invoke API does), and a streamed
response is forwarded chunk by chunk as it arrives, its error trailers included (a Function URL
response's prelude becomes the real status, headers and cookies). The Invoke API's
`X-Amz-Invocation-Type` (`Event`: 202 at once, run in the background; `DryRun`: 204) and
`X-Amz-Log-Type: Tail` (`X-Amz-Log-Result`) are honoured, so `aws lambda invoke --endpoint-url` works.
"""

from __future__ import annotations

import asyncio
import base64
import re
import socket

from lambda_native.emulator import http11
from lambda_native.emulator.environment import Environment
from lambda_native.emulator.invocation import (
    HTTP_INTEGRATION_TYPE,
    PreludeSplitter,
    runtime_headers_from_invoke,
)
from lambda_native.emulator.platform_errors import MAX_RESPONSE_BYTES, EventTooLarge, error_document
from lambda_native.emulator.platform_log import end_line, start_line

INVOKE_ROUTE = re.compile(r"^/2015-03-31/functions/[^/]+/invocations/?$")
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
STREAM_TRAILERS = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
THROTTLED_MESSAGE = "Rate Exceeded."
"""The Invoke API's message for a throttled invoke (HTTP 429, `TooManyRequestsException`)."""


class InvokeServer:
    """Routes invoke requests to the first free environment of a pool."""

    def __init__(self, environments: list[Environment], prepare=None) -> None:
        self.environments = environments
        # `await prepare(env)` before each invoke runs in `env` (`lambda-native watch` swaps code there).
        self.prepare = prepare
        self.free: asyncio.Queue[Environment] = asyncio.Queue()
        self.background: set[asyncio.Task] = set()
        self.refuses = environments[0].config.max_concurrency is not None
        """Managed Instances refuse an invoke when every slot is busy; other functions queue it."""
        for env in environments:
            for _ in range(env.config.max_concurrency or 1):
                self.free.put_nowait(env)

    async def invoke(self, conn: InvokeConnection, head: http11.RequestHead, body: bytes) -> None:
        """Serve one request on `conn`."""
        path = head.target.split("?", 1)[0]
        if not INVOKE_ROUTE.match(path):
            message = (
                f"no route {head.method} {path}; invoke with POST /2015-03-31/functions/function/invocations"
            )
            conn.send(http11.response(404, error_document("ResourceNotFoundException", message)))
            return
        kind = head.headers.get("x-amz-invocation-type", "RequestResponse")
        try:
            if kind not in INVOCATION_TYPES:
                raise ValueError(f"X-Amz-Invocation-Type must be one of {', '.join(INVOCATION_TYPES)}")
            if len(body) > MAX_RESPONSE_BYTES:
                raise EventTooLarge(
                    f"the event is {len(body)} bytes; the limit is {MAX_RESPONSE_BYTES} bytes"
                )
            runtime_headers_from_invoke(head.headers)
        except EventTooLarge as exc:
            conn.send(http11.response(413, error_document("RequestTooLargeException", str(exc))))
            return
        except ValueError as exc:
            conn.send(http11.response(400, error_document("InvalidRequestContentException", str(exc))))
            return
        if kind == "DryRun":
            conn.send(http11.response(204, content_type=None))
            return
        if self.refuses and not any(env.free_slots for env in self.environments):
            self._log("lambda-native serve: invoke refused, every slot is busy: 429 TooManyRequestsException")
            headers = {"X-Amzn-ErrorType": "TooManyRequestsException"}
            document = error_document("TooManyRequestsException", THROTTLED_MESSAGE)
            conn.send(http11.response(429, document, headers))
            return
        if kind == "Event":
            conn.send(http11.response(202, content_type=None))
            task = asyncio.ensure_future(self._run(body, head.headers, None))
            self.background.add(task)
            task.add_done_callback(self.background.discard)
            return
        stream = _ForwardedStream(conn)
        result = await self._run(body, head.headers, stream)
        if stream.started:
            return
        version = self.environments[0].config.version
        headers = {"X-Amz-Executed-Version": version}
        if result.error_type is not None:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if head.headers.get("x-amz-log-type", "").lower() == "tail":
            headers["X-Amz-Log-Result"] = log_tail(result, version)
        status = (
            502 if result.error_type == "Runtime.ExitError" or (result.cold and _init_failed(result)) else 200
        )
        conn.send(http11.response(status, result.payload, headers, content_type=result.content_type))

    async def _run(self, body: bytes, headers: dict[str, str], stream):
        if self.refuses:  # checked free just before, with nothing awaited since
            env = next(env for env in self.environments if env.free_slots)
            return await env.invoke(body, headers, stream)
        env = await self.free.get()
        try:
            if self.prepare is not None:
                await self.prepare(env)
            return await env.invoke(body, headers, stream)
        finally:
            self.free.put_nowait(env)

    def _log(self, line: str) -> None:
        log = self.environments[0].log
        if log is not None:
            log(line)

    async def close(self) -> None:
        """Stop every environment's runtime and server."""
        for env in self.environments:
            await env.close()
            env.package.cleanup()


def log_tail(result, version: str) -> str:
    """`X-Amz-Log-Result`: the last 4 KB of the invoke's log (START, output, END, REPORT), base64."""
    lines = [start_line(result.request_id, version), *result.logs, end_line(result.request_id), result.report]
    return base64.b64encode("\n".join(lines).encode()[-4096:]).decode()


def _init_failed(result) -> bool:
    return result.error_type is not None and result.spawn_to_first_next_ns is None


class _ForwardedStream:
    """Writes a streamed response to the caller as a chunked body, as it arrives.

    A Function URL response (`HTTP_INTEGRATION_TYPE`) becomes the HTTP response its prelude describes:
    the head waits for the prelude, then has its status, headers and cookies. A prelude that is not valid
    JSON gets a 502, as Lambda's Function URLs answer it.
    """

    __slots__ = ("conn", "failed", "head_sent", "splitter", "started")

    def __init__(self, conn: InvokeConnection) -> None:
        self.conn = conn
        self.started = False
        self.head_sent = False
        self.failed = False
        self.splitter: PreludeSplitter | None = None

    def begin(self, content_type: str) -> None:
        self.started = True
        if content_type == HTTP_INTEGRATION_TYPE:
            self.splitter = PreludeSplitter()
            return
        self._head(200, [("Content-Type", content_type)])

    def _head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.head_sent = True
        self.conn.send(http11.chunked_head(status, [*headers, ("Trailer", STREAM_TRAILERS)]))

    def data(self, data: bytes) -> None:
        if self.failed:
            return
        if self.splitter is not None and not self.head_sent:
            try:
                data = self.splitter.feed(data)
                prelude = self.splitter.prelude
                if prelude is None:
                    return
                self._head(prelude.status, prelude.headers)
            except ValueError as exc:
                self._fail(str(exc))
                return
        self.conn.send(http11.chunk(data))

    def end(self, trailers: dict[str, str]) -> None:
        if self.failed:
            return
        if not self.head_sent:
            self._fail("the Function URL response ended before its HTTP prelude (JSON, then eight NUL bytes)")
            return
        self.conn.send(http11.last_chunk(trailers))

    def _fail(self, message: str) -> None:
        self.failed = True
        self.conn.send(
            http11.response(502, error_document("Runtime.InvalidHttpPrelude", message), close=True)
        )


class InvokeConnection(asyncio.Protocol):
    """One caller connection: requests are read whole, then served in order."""

    def __init__(self, server: InvokeServer) -> None:
        self.server = server
        self.parser = http11.RequestParser()
        self.transport: asyncio.Transport | None = None
        self.head: http11.RequestHead | None = None
        self.body: list[bytes] = []
        self.previous: asyncio.Task | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            events = self.parser.feed(data)
        except http11.ProtocolError as exc:
            self.send(http11.response(exc.status, error_document("InvalidRequest", str(exc)), close=True))
            self.transport.close()
            return
        for event in events:
            if isinstance(event, http11.RequestHead):
                self.head, self.body = event, []
                if event.headers.get("expect", "").lower() == "100-continue":
                    self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            elif isinstance(event, http11.BodyData):
                self.body.append(event.data)
            else:
                self.previous = asyncio.ensure_future(
                    self._serve_after(self.previous, self.head, b"".join(self.body))
                )

    async def _serve_after(
        self, previous: asyncio.Task | None, head: http11.RequestHead, body: bytes
    ) -> None:
        if previous is not None:
            await asyncio.shield(previous)
        await self.server.invoke(self, head, body)

    def send(self, data: bytes) -> None:
        """Write `data` unless the caller has gone."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


async def serve(environments: list[Environment], host: str, port: int, ready=None, prepare=None) -> None:
    """Open the environments' Runtime API servers and serve invokes on host:port until cancelled.

    `ready(port)` is called once listening (the real port when `port` is 0); `prepare` as in
    `InvokeServer`.
    """
    for env in environments:
        await env.open()
    server = InvokeServer(environments, prepare)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: InvokeConnection(server), host, port)
    try:
        if ready is not None:
            ready(listener.sockets[0].getsockname()[1])
        await asyncio.Event().wait()
    finally:
        listener.close()
        await server.close()
