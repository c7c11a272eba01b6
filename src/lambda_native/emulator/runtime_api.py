"""The Runtime API server of one environment: its socket, its connections, and the readers of posted bodies.

HTTP comes in on `RuntimeAPIConnection`s (one per runtime connection, all on the environment's event
loop, no thread per request, TCP_NODELAY so small replies are not held back by Nagle's algorithm). A
request for a known route becomes a call to `RuntimeAPIServer.answer`, the one function the environment
gives the server: it replies at once or later (a parked `/next`), and returns the reader of a POST's
body. What is allowed when is decided by `runtime_state`, not here.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from lambda_native.emulator import http11
from lambda_native.emulator.invocation import Outcome, Reply, init_error_outcome
from lambda_native.emulator.platform_errors import ACCEPTED, api_error

PREFIX = "/2018-06-01/runtime/"


def route(method: str, target: str) -> tuple[str, str | None]:
    """Map a request to ("next" | "response" | "error" | "init_error", request id) or ("reject", status)."""
    path = target.split("?", 1)[0]
    if not path.startswith(PREFIX):
        return "reject", "404"
    rest = path[len(PREFIX) :]
    if rest == "invocation/next":
        return ("next", None) if method == "GET" else ("reject", "405")
    if rest == "init/error":
        return ("init_error", None) if method == "POST" else ("reject", "405")
    parts = rest.split("/")
    if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error") and parts[1]:
        return (parts[2], parts[1]) if method == "POST" else ("reject", "405")
    return "reject", "404"


class Rejection:
    """A request refused whatever its body: the body is read and dropped, then `status` is replied."""

    __slots__ = ("body", "conn", "status")

    def __init__(self, conn: RuntimeAPIConnection, status: int, body: bytes) -> None:
        self.conn = conn
        self.status = status
        self.body = body

    def early_reply(self) -> bytes:
        """The reply to send instead of `100 Continue` (the body is then never sent)."""
        return http11.response(self.status, self.body, close=True)

    def data(self, data: bytes) -> None:
        """Drop a piece of the body."""

    def end(self, trailers: dict[str, str], t_ns: int) -> None:
        """Reply once the body has been read."""
        self.conn.send(http11.response(self.status, self.body))


def rejection_for(conn: RuntimeAPIConnection, status: int, method: str, target: str) -> Rejection:
    """The reply for an unknown path (404) or a wrong method (405)."""
    if status == 405:
        return Rejection(conn, 405, api_error("MethodNotAllowed", f"{method} is not allowed on {target}"))
    return Rejection(conn, 404, api_error("NotFound", f"no Runtime API route {method} {target}"))


class ReplyReader:
    """Reads an accepted `/response` or `/error` body into its `Reply`, then answers the runtime.

    `done` receives the invoke's outcome once the runtime has its answer (202, or 413 when too large).
    """

    __slots__ = ("conn", "done", "reply")

    def __init__(self, conn: RuntimeAPIConnection, reply: Reply, done: Callable[[Outcome], None]) -> None:
        self.conn = conn
        self.reply = reply
        self.done = done

    def data(self, data: bytes) -> None:
        """Take a piece of the body."""
        self.reply.data(data)

    def end(self, trailers: dict[str, str], t_ns: int) -> None:
        """Answer the runtime, then hand on the outcome."""
        status, body, outcome = self.reply.finish(trailers, t_ns)
        self.conn.send(http11.response(status, body))
        self.done(outcome)


class InitErrorReader:
    """Reads an accepted `/init/error` body, answers 202, and hands on the init error's outcome."""

    __slots__ = ("chunks", "conn", "done", "headers")

    def __init__(
        self, conn: RuntimeAPIConnection, headers: dict[str, str], done: Callable[[Outcome], None]
    ) -> None:
        self.conn = conn
        self.headers = headers
        self.done = done
        self.chunks: list[bytes] = []

    def data(self, data: bytes) -> None:
        """Take a piece of the body."""
        self.chunks.append(data)

    def end(self, trailers: dict[str, str], t_ns: int) -> None:
        """Answer the runtime, then hand on the outcome."""
        self.conn.send(http11.response(202, ACCEPTED))
        self.done(init_error_outcome(self.headers, b"".join(self.chunks)))


BodyReader = Rejection | ReplyReader | InitErrorReader
"""What takes a POST's body: `data(bytes)` for each piece, then `end(trailers, t_ns)`."""


class RuntimeAPIServer:
    """Listens on 127.0.0.1 (ephemeral port) for one environment's runtime and keeps its connections.

    `connections` are the open ones (an exit is judged once a dead runtime's have ended); `parked` are
    those holding a `/next` that waits for an invocation.
    """

    __slots__ = ("address", "answer", "connections", "lost", "parked", "server")

    def __init__(
        self,
        answer: Callable[[RuntimeAPIConnection, str, str | None, http11.RequestHead], BodyReader | None],
        lost: Callable[[RuntimeAPIConnection], None] | None = None,
    ) -> None:
        """`answer(conn, kind, request_id, head)` acts on a call; for a POST it returns the body's reader.
        `lost(conn)`, if given, hears of each connection that ended."""
        self.answer = answer
        self.lost = lost
        self.address = ""
        self.server: asyncio.Server | None = None
        self.connections: set[RuntimeAPIConnection] = set()
        self.parked: list[RuntimeAPIConnection] = []

    async def open(self) -> str:
        """Start listening; return `host:port` (the runtime's `AWS_LAMBDA_RUNTIME_API`)."""
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: RuntimeAPIConnection(self), "127.0.0.1", 0)
        self.address = f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self.address

    def close(self) -> None:
        """Stop listening."""
        if self.server is not None:
            self.server.close()
            self.server = None

    def close_parked(self) -> None:
        """Close every connection waiting on `/next` (their runtime is gone)."""
        for conn in self.parked:
            conn.close()
        self.parked.clear()

    def forget(self, conn: RuntimeAPIConnection) -> None:
        """A connection ended: drop it, and its parked `/next` if any."""
        self.connections.discard(conn)
        if conn in self.parked:
            self.parked.remove(conn)


class RuntimeAPIConnection(asyncio.Protocol):
    """One runtime connection: parses its requests and passes each call to the server's `answer`."""

    def __init__(self, server: RuntimeAPIServer) -> None:
        self.server = server
        self.parser = http11.RequestParser()
        self.transport: asyncio.Transport | None = None
        self.body: BodyReader | None = None
        self.owner: int | None = None
        """The pid of the runtime process at the other end, once looked up (Managed Instances' workers)."""
        self.owner_fd: int | None = None
        """A pidfd for `owner`, to read how it ended (the environment closes it when the connection ends)."""

    @property
    def ports(self) -> tuple[int, int]:
        """(the runtime's port, the server's port) of this connection."""
        return self.transport.get_extra_info("peername")[1], self.transport.get_extra_info("sockname")[1]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Set TCP_NODELAY on the accepted socket."""
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        """Parse what arrived and act on each complete piece."""
        try:
            events = self.parser.feed(data)
        except http11.ProtocolError as exc:
            self.send(http11.response(exc.status, api_error("InvalidRequest", str(exc)), close=True))
            self.close()
            return
        for event in events:
            if isinstance(event, http11.RequestHead):
                self._on_head(event)
            elif isinstance(event, http11.BodyData):
                if self.body is not None:
                    self.body.data(event.data)
            else:
                body, self.body = self.body, None
                if body is not None:
                    body.end(event.trailers, event.t_ns)

    def _on_head(self, head: http11.RequestHead) -> None:
        kind, arg = route(head.method, head.target)
        if kind == "reject":
            self.body = rejection_for(self, int(arg), head.method, head.target)
        else:
            self.body = self.server.answer(self, kind, arg, head)
        if self.body is not None and head.headers.get("expect", "").lower() == "100-continue":
            if isinstance(self.body, Rejection):
                self.send(self.body.early_reply())
                self.body = None
                self.close()
            else:
                self.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def send(self, data: bytes) -> None:
        """Write `data` unless the connection is gone."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        """Close the connection (after anything already written)."""
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """Leave the server's books (a parked `/next` is forgotten; an exit waits for connections to end)."""
        self.server.forget(self)
        if self.server.lost is not None:
            self.server.lost(self)
