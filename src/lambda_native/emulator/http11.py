"""HTTP/1.1 messages as bytes in, events out: the wire protocol of both emulator servers, with no I/O.

`RequestParser` is fed whatever arrived on a socket and returns events (`RequestHead`, `BodyData`,
`RequestEnd`); Content-Length and chunked bodies (with trailers) are understood, and keep-alive requests
follow one another. Each head and end carries `time.perf_counter_ns()` taken the moment it was parsed, so
measurements do not include the time the server spends acting on them.
"""

from __future__ import annotations

import time

from lambda_native.runtime.wire import take_chunk_size

MAX_HEAD_BYTES = 64 * 1024
"""A request line plus headers (or a trailer section) larger than this is refused."""

REASONS = {
    100: "Continue",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    413: "Request Entity Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ProtocolError(Exception):
    """The peer sent something this parser cannot accept; reply with `status`, then close."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class RequestHead:
    """A request line and its headers (names lower-cased; repeated headers joined with ", ")."""

    __slots__ = ("chunked", "content_length", "headers", "method", "t_ns", "target")

    def __init__(self, method: str, target: str, headers: dict[str, str], t_ns: int) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.t_ns = t_ns
        self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self.content_length = 0 if self.chunked else _content_length(headers)


class BodyData:
    """A piece of the request body, as it arrived (chunk framing removed)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class RequestEnd:
    """The end of a request body, with the trailers of a chunked body (names lower-cased)."""

    __slots__ = ("t_ns", "trailers")

    def __init__(self, trailers: dict[str, str], t_ns: int) -> None:
        self.trailers = trailers
        self.t_ns = t_ns


_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS = range(6)


class RequestParser:
    """Incremental parser for a stream of HTTP/1.1 requests on one connection."""

    __slots__ = ("_buf", "_remaining", "_state")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._state = _HEAD
        self._remaining = 0

    def feed(self, data: bytes) -> list[RequestHead | BodyData | RequestEnd]:
        """Consume `data`; return the events it completes. Raises `ProtocolError` on malformed input."""
        self._buf += data
        events: list[RequestHead | BodyData | RequestEnd] = []
        while self._step(events):
            pass
        return events

    def _step(self, events: list) -> bool:
        """Advance by one unit of work; False when more bytes are needed."""
        buf = self._buf
        state = self._state
        if state == _HEAD:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    raise ProtocolError("request head too large", 431)
                return False
            t_ns = time.perf_counter_ns()
            head = _parse_head(bytes(buf[:end]), t_ns)
            del buf[: end + 4]
            events.append(head)
            if head.chunked:
                self._state = _CHUNK_SIZE
            elif head.content_length:
                self._state, self._remaining = _LENGTH, head.content_length
            else:
                events.append(RequestEnd({}, t_ns))
            return True
        if state in (_LENGTH, _CHUNK_DATA):
            if not buf:
                return False
            take = min(len(buf), self._remaining)
            events.append(BodyData(bytes(buf[:take])))
            del buf[:take]
            self._remaining -= take
            if self._remaining == 0:
                if state == _LENGTH:
                    self._state = _HEAD
                    events.append(RequestEnd({}, time.perf_counter_ns()))
                else:
                    self._state = _CHUNK_CRLF
            return True
        if state == _CHUNK_CRLF:
            if len(buf) < 2:
                return False
            if buf[:2] != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")
            del buf[:2]
            self._state = _CHUNK_SIZE
            return True
        if state == _CHUNK_SIZE:
            try:
                size = take_chunk_size(buf, 1024)
            except ValueError as exc:
                raise ProtocolError(str(exc)) from None
            if size is None:
                return False
            if size:
                self._state, self._remaining = _CHUNK_DATA, size
            else:
                self._state = _TRAILERS
            return True
        # _TRAILERS: zero or more header lines, then an empty line.
        if buf[:2] == b"\r\n":
            del buf[:2]
            trailers: dict[str, str] = {}
        else:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    raise ProtocolError("trailer section too large", 431)
                return False
            trailers = _parse_fields(bytes(buf[:end]).split(b"\r\n"))
            del buf[: end + 4]
        self._state = _HEAD
        events.append(RequestEnd(trailers, time.perf_counter_ns()))
        return True


def _parse_head(raw: bytes, t_ns: int) -> RequestHead:
    lines = raw.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise ProtocolError(f"bad request line {lines[0][:100]!r}")
    headers = _parse_fields(lines[1:])
    if "transfer-encoding" in headers and "chunked" not in headers["transfer-encoding"].lower():
        raise ProtocolError(f"unsupported transfer-encoding {headers['transfer-encoding']!r}", 501)
    return RequestHead(parts[0].decode("ascii", "replace"), parts[1].decode("latin-1"), headers, t_ns)


def _parse_fields(lines: list[bytes]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"bad header line {line[:100]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        fields[key] = f"{fields[key]}, {text}" if key in fields else text
    return fields


def _content_length(headers: dict[str, str]) -> int:
    value = headers.get("content-length")
    if value is None:
        return 0
    if not value.isdigit() or not value.isascii():  # str.isdigit() also takes '²', which int() refuses
        raise ProtocolError(f"bad content-length {value!r}")
    return int(value)


def response(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    content_type: str | None = "application/json",
    close: bool = False,
) -> bytes:
    """A complete response with a Content-Length body."""
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    if content_type is not None:
        head.append(f"Content-Type: {content_type}")
    head.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    head.append(f"Content-Length: {len(body)}")
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def chunked_head(status: int, headers: dict[str, str] | list[tuple[str, str]]) -> bytes:
    """The head of a response whose body follows as chunks (see `chunk` and `last_chunk`).

    `headers` as a list may repeat a name (`Set-Cookie`); a name or value with a line break is refused
    (ValueError), so a function's headers cannot inject others.
    """
    pairs = headers.items() if isinstance(headers, dict) else headers
    lines = [f"HTTP/1.1 {status} {_reason(status)}", "Transfer-Encoding: chunked"]
    for name, value in pairs:
        if any(c in name + value for c in "\r\n\0") or not name or ":" in name:
            raise ValueError(f"bad response header {name!r}: {value!r}")
        lines.append(f"{name}: {value}")
    text = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _reason(status: int) -> str:
    reason = REASONS.get(status)
    if reason is None:
        import http

        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    return reason


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (empty data gives nothing: an empty chunk would end the body)."""
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def last_chunk(trailers: dict[str, str] | None = None) -> bytes:
    """The zero-length chunk ending a chunked body, with its trailers."""
    lines = "".join(f"{name}: {value}\r\n" for name, value in (trailers or {}).items())
    return b"0\r\n" + lines.encode("latin-1") + b"\r\n"
