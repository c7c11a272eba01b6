"""HTTP/1.1 for the Runtime API as bytes in, bytes out: request encoding and an incremental response parser.

No sockets here (the h11 split), so the protocol is tested on bytes alone and `client.py` only moves them.
"""

from __future__ import annotations

# Cap on a response's status line + headers: /next headers carry client context and cognito JSON,
# which Lambda limits to a few KiB; anything near this is not a Runtime API.
MAX_HEAD_BYTES = 1 << 20
# A Content-Length body up to this size gets one buffer of its exact size as soon as the head is read, which
# the caller receives into (`body_space`): a 3 MB event is then copied once, by the kernel, and leaves no
# grown buffers behind. Lambda's events are at most 6 MB; a larger announced length grows as bytes arrive.
MAX_PREALLOCATED_BODY = 64 << 20


class ProtocolError(Exception):
    """The peer sent bytes that are not an HTTP/1.1 response this client can read."""


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def take_chunk_size(buf: bytearray, limit: int) -> int | None:
    """Take a chunked body's size line off `buf` and return the size (extensions ignored); None until the
    line is complete. ValueError unless it is hex digits within `limit` bytes."""
    end = buf.find(b"\r\n")
    if end < 0:
        if len(buf) > limit:
            raise ValueError("chunk size line too long")
        return None
    text = bytes(buf[:end]).split(b";", 1)[0].strip()
    if not text or text.strip(_HEX_DIGITS):
        raise ValueError(f"bad chunk size: {text!r}")
    del buf[: end + 2]
    return int(text, 16)


class ClosedBeforeResponse(ProtocolError):
    """The peer closed the connection before sending any byte of a response."""


class Response:
    """One complete HTTP response: status, lower-cased headers, body; read-only once built.

    `body` is the bytearray the body was received into (not copied into a `bytes`).
    """

    __slots__ = ("body", "headers", "keep_alive", "reason", "status")

    status: int
    reason: str
    headers: dict[str, str]
    body: bytearray
    keep_alive: bool

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytearray, keep_alive: bool):
        set_ = object.__setattr__
        set_(self, "status", status)
        set_(self, "reason", reason)
        set_(self, "headers", headers)
        set_(self, "body", body)
        set_(self, "keep_alive", keep_alive)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Response is read-only (tried to set {name!r})")

    def __repr__(self) -> str:
        return f"Response({self.status} {self.reason!r}, {len(self.body)} body bytes)"


def _header_line(name: str, value: str) -> str:
    if not value.isprintable() and any(ch in value for ch in "\r\n\0"):
        raise ValueError(f"header {name!r} has a control character in its value: {value!r}")
    return f"{name}: {value}\r\n"


def request_head(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    *,
    content_length: int | None = None,
    chunked: bool = False,
    trailers: tuple[str, ...] = (),
) -> bytes:
    """Encode a request line and headers, plus the body framing: a `Content-Length` or chunked encoding.

    `trailers` names the trailer fields a chunked body will end with (HTTP/1.1 wants them announced).
    """
    parts = [f"{method} {target} HTTP/1.1\r\n"]
    parts += [_header_line(name, value) for name, value in headers]
    if content_length is not None:
        parts.append(f"Content-Length: {content_length}\r\n")
    if chunked:
        parts.append("Transfer-Encoding: chunked\r\n")
        names = ", ".join(trailers)
        if names:
            parts.append(f"Trailer: {names}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode()


def encode_chunk(data: bytes) -> bytes:
    """One chunk of a chunked body; empty data encodes to nothing (a zero chunk would end the body)."""
    if not data:
        return b""
    return b"%x\r\n%b\r\n" % (len(data), data)


def encode_last_chunk(trailers: list[tuple[str, str]] | tuple[()] = ()) -> bytes:
    """The zero chunk that ends a chunked body, with its trailer fields."""
    return b"0\r\n" + "".join(_header_line(n, v) for n, v in trailers).encode() + b"\r\n"


# Body framings of the response being parsed.
_LENGTH, _CHUNKED, _UNTIL_CLOSE = 0, 1, 2


class ResponseParser:
    """Incremental HTTP/1.1 response reader: `feed()` bytes as they arrive, get a `Response` when complete.

    Handles `Content-Length`, chunked (trailers read and dropped) and read-until-close bodies, skips 1xx
    interim responses, and keeps bytes that follow a response for the next one. A Content-Length body can
    also be received in place: `body_space()` is where the rest of it goes, `body_received(n)` says how much
    arrived there.
    """

    __slots__ = ("_body", "_buf", "_filled", "_framing", "_head", "_in_place", "_remaining")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._reset()

    def _reset(self) -> None:
        self._head: tuple[int, str, dict[str, str], bool] | None = None
        self._body = bytearray()
        self._framing = _LENGTH
        self._remaining = 0  # bytes left in the Content-Length body or the current chunk
        self._in_place = False  # `_body` has the Content-Length body's size; `_filled` bytes of it are in
        self._filled = 0

    @property
    def idle(self) -> bool:
        """True when no byte of a next response has been received."""
        return self._head is None and not self._buf

    def feed(self, data: bytes) -> Response | None:
        """Add received bytes; return the response they complete, if any."""
        self._buf += data
        while True:
            if self._head is None and not self._parse_head():
                return None
            if self._framing == _UNTIL_CLOSE:
                self._body += self._buf
                self._buf.clear()
                return None
            done = self._parse_length_body() if self._framing == _LENGTH else self._parse_chunked_body()
            if not done:
                return None
            response = self._complete()
            if response is not None:
                return response

    def body_space(self) -> memoryview | None:
        """Where the rest of the Content-Length body being read goes, for `recv_into`; then call
        `body_received`. None when the next bytes must go through `feed` (a head, another framing)."""
        if self._head is None or not self._in_place or not self._remaining or self._buf:
            return None
        return memoryview(self._body)[self._filled :]

    def body_received(self, size: int) -> Response | None:
        """`size` bytes were written at the start of the last `body_space()`; the response they complete."""
        if self._head is None or not self._in_place or not 0 < size <= self._remaining:
            raise ValueError(f"{size} bytes received, but the body awaits {self._remaining}")
        self._filled += size
        self._remaining -= size
        return None if self._remaining else self._complete()

    def _complete(self) -> Response | None:
        """The response whose body was just completed (None for a 1xx), the parser reset for the next."""
        status, reason, headers, keep_alive = self._head
        body = self._body
        self._reset()
        if 100 <= status < 200:
            return None
        return Response(status, reason, headers, body, keep_alive)

    def feed_eof(self) -> Response:
        """The peer closed the connection: return the read-until-close response, or raise ProtocolError."""
        if self._head is not None and self._framing == _UNTIL_CLOSE:
            status, reason, headers, _ = self._head
            body = self._body
            self._reset()
            return Response(status, reason, headers, body, False)
        if self.idle:
            raise ClosedBeforeResponse("connection closed before a response arrived")
        raise ProtocolError("connection closed in the middle of a response")

    def _parse_head(self) -> bool:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > MAX_HEAD_BYTES:
                raise ProtocolError(f"response head larger than {MAX_HEAD_BYTES} bytes")
            return False
        lines = bytes(self._buf[:end]).decode("utf-8", "replace").split("\r\n")
        del self._buf[: end + 4]
        version, _, rest = lines[0].partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit() or not code.isascii():
            raise ProtocolError(f"bad status line: {lines[0]!r}")
        status = int(code)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or " " in name or "\t" in name:
                raise ProtocolError(f"bad header line: {line!r}")
            name = name.lower()
            value = value.strip(" \t")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        connection = headers.get("connection", "").lower()
        keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
        self._head = (status, reason, headers, keep_alive)
        self._framing, self._remaining = _LENGTH, 0
        if 100 <= status < 200 or status in (204, 304):
            return True
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if coding.lower().rsplit(",", 1)[-1].strip() == "chunked":
                self._framing = _CHUNKED
            else:
                self._framing = _UNTIL_CLOSE
        elif "content-length" in headers:
            values = {v.strip() for v in headers["content-length"].split(",")}
            length = values.pop()
            if values or not length.isdigit() or not length.isascii():
                raise ProtocolError(f"bad Content-Length: {headers['content-length']!r}")
            self._remaining = int(length)
            if self._remaining <= MAX_PREALLOCATED_BODY:
                self._body, self._in_place = bytearray(self._remaining), True
        else:
            self._framing = _UNTIL_CLOSE
        if self._framing == _UNTIL_CLOSE:
            self._head = (status, reason, headers, False)
        return True

    def _parse_length_body(self) -> bool:
        take = min(self._remaining, len(self._buf))
        if take:
            if self._in_place:
                self._body[self._filled : self._filled + take] = memoryview(self._buf)[:take]
                self._filled += take
            else:
                self._body += memoryview(self._buf)[:take]
            del self._buf[:take]
            self._remaining -= take
        return self._remaining == 0

    def _parse_chunked_body(self) -> bool:
        buf = self._buf
        while True:
            if self._remaining > 0:  # inside a chunk's data (+2 for its CRLF)
                if len(buf) < self._remaining:
                    return False
                if buf[self._remaining - 2 : self._remaining] != b"\r\n":
                    raise ProtocolError("chunk data not followed by CRLF")
                self._body += memoryview(buf)[: self._remaining - 2]
                del buf[: self._remaining]
                self._remaining = 0
            if self._remaining == 0:
                try:
                    size = take_chunk_size(buf, MAX_HEAD_BYTES)
                except ValueError as exc:
                    raise ProtocolError(str(exc)) from None
                if size is None:
                    return False
                if size == 0:
                    self._remaining = -1
                else:
                    self._remaining = size + 2
                    continue
            # After the zero chunk: trailer lines until an empty line.
            if buf.startswith(b"\r\n"):
                del buf[:2]
                return True
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    raise ProtocolError("trailers larger than the head limit")
                return False
            del buf[: end + 4]
            return True
