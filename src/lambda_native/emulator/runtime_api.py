"""The Runtime API server's connections: HTTP in, routed calls on the environment out.

One `RuntimeAPIConnection` per runtime connection, all on the environment's event loop (no thread per
request). Sockets get TCP_NODELAY so small replies are not held back by Nagle's algorithm.
"""

from __future__ import annotations

import asyncio
import socket

from lambda_native.emulator import http11
from lambda_native.emulator.platform_errors import api_error

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


class RuntimeAPIConnection(asyncio.Protocol):
    """One runtime connection; `handler` (the environment) answers `/next` and receives posted bodies."""

    def __init__(self, handler) -> None:
        self.handler = handler
        self.parser = http11.RequestParser()
        self.transport: asyncio.Transport | None = None
        self.body = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Set TCP_NODELAY on the accepted socket."""
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.handler.on_connection_made(self)

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
        if kind == "next":
            self.body = None
            self.handler.on_next(self, head)
            return
        if kind == "reject":
            self.body = rejection_for(self, int(arg), head.method, head.target)
        else:
            self.body = self.handler.on_post(kind, arg, head, self)
        if head.headers.get("expect", "").lower() == "100-continue":
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
        """Tell the environment (a parked `/next` is forgotten; an exit waits for connections to end)."""
        self.handler.on_connection_lost(self)
