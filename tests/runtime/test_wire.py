"""The runtime's HTTP/1.1 protocol code, on bytes alone: request encoding and the response parser."""

from __future__ import annotations

import sys

import pytest

from lambda_native.runtime import wire

HOST = [("Host", "127.0.0.1:9001")]


def feed_bytewise(parser: wire.ResponseParser, data: bytes) -> list[wire.Response]:
    """Feed one byte at a time, collecting every response completed on the way."""
    done = []
    for i in range(len(data)):
        response = parser.feed(data[i : i + 1])
        if response is not None:
            done.append(response)
    return done


# -- requests ----------------------------------------------------------------------------------------


def test_get_request_has_no_body_framing():
    head = wire.request_head("GET", "/2018-06-01/runtime/invocation/next", [*HOST, ("User-Agent", "ua/1")])
    assert head == (
        b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
        b"Host: 127.0.0.1:9001\r\nUser-Agent: ua/1\r\n\r\n"
    )


def test_post_request_declares_its_content_length():
    head = wire.request_head("POST", "/r", [*HOST, ("Content-Type", "application/json")], content_length=12)
    assert head == (
        b"POST /r HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n"
        b"Content-Type: application/json\r\nContent-Length: 12\r\n\r\n"
    )


def test_empty_post_body_still_says_length_zero():
    assert b"Content-Length: 0\r\n" in wire.request_head("POST", "/r", HOST, content_length=0)


def test_chunked_request_announces_its_trailers():
    head = wire.request_head("POST", "/r", HOST, chunked=True, trailers=("X-A", "X-B"))
    assert head.endswith(b"Transfer-Encoding: chunked\r\nTrailer: X-A, X-B\r\n\r\n")
    assert b"Content-Length" not in head


def test_chunked_request_without_trailers_has_no_trailer_header():
    assert b"Trailer" not in wire.request_head("POST", "/r", HOST, chunked=True)


def test_chunks_are_hex_sized_and_empty_data_sends_nothing():
    assert wire.encode_chunk(b"hello") == b"5\r\nhello\r\n"
    assert wire.encode_chunk(b"x" * 255) == b"ff\r\n" + b"x" * 255 + b"\r\n"
    assert wire.encode_chunk(b"") == b""  # a zero-size chunk would end the body early


def test_last_chunk_carries_trailers():
    assert wire.encode_last_chunk() == b"0\r\n\r\n"
    assert wire.encode_last_chunk([("X-Error", "Boom"), ("X-Body", "eyJ9")]) == (
        b"0\r\nX-Error: Boom\r\nX-Body: eyJ9\r\n\r\n"
    )


def test_non_ascii_header_values_go_out_as_utf8():
    head = wire.request_head("POST", "/r", [("X-Type", "Ërror")], content_length=0)
    assert "X-Type: Ërror\r\n".encode() in head


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "a\nb", "a\0b"])
def test_header_values_with_line_breaks_or_nul_are_refused(value):
    with pytest.raises(ValueError, match="control character"):
        wire.request_head("POST", "/r", [("X-Type", value)], content_length=0)
    with pytest.raises(ValueError, match="control character"):
        wire.encode_last_chunk([("X-Type", value)])


def test_tab_in_a_header_value_is_allowed():
    assert b"X-A: a\tb\r\n" in wire.request_head("GET", "/", [("X-A", "a\tb")])


# -- responses ---------------------------------------------------------------------------------------

NEXT_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json\r\n"
    b"Lambda-Runtime-Aws-Request-Id: rid-1\r\n"
    b"Lambda-Runtime-Deadline-Ms:   1700000000000  \r\n"
    b"Content-Length: 13\r\n"
    b"\r\n"
    b'{"key":"val"}'
)


def test_content_length_response_in_one_piece():
    response = wire.ResponseParser().feed(NEXT_RESPONSE)
    assert response.status == 200
    assert response.reason == "OK"
    assert response.body == b'{"key":"val"}'
    assert response.headers == {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": "rid-1",
        "lambda-runtime-deadline-ms": "1700000000000",
        "content-length": "13",
    }
    assert response.keep_alive


def test_response_fed_byte_by_byte_equals_one_piece():
    (response,) = feed_bytewise(wire.ResponseParser(), NEXT_RESPONSE)
    assert response.body == b'{"key":"val"}'
    assert response.headers["lambda-runtime-aws-request-id"] == "rid-1"


def test_parser_is_idle_only_between_responses():
    parser = wire.ResponseParser()
    assert parser.idle
    assert parser.feed(NEXT_RESPONSE[:10]) is None
    assert not parser.idle
    assert parser.feed(NEXT_RESPONSE[10:]) is not None
    assert parser.idle


def test_two_responses_in_one_read_are_both_returned():
    parser = wire.ResponseParser()
    accepted = b'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}'
    first = parser.feed(accepted + NEXT_RESPONSE)
    assert first.status == 202 and first.body == b'{"status":"OK"}'
    second = parser.feed(b"")
    assert second.status == 200 and second.body == b'{"key":"val"}'


def test_repeated_headers_are_joined_and_names_lower_cased():
    response = wire.ResponseParser().feed(
        b"HTTP/1.1 202 Accepted\r\nX-Multi: a\r\nx-multi: b\r\nCONTENT-LENGTH: 0\r\n\r\n"
    )
    assert response.headers == {"x-multi": "a, b", "content-length": "0"}
    assert response.body == b""


def test_empty_header_value_is_kept():
    response = wire.ResponseParser().feed(
        b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Tenant-Id:\r\nContent-Length: 0\r\n\r\n"
    )
    assert response.headers["lambda-runtime-aws-tenant-id"] == ""


def test_utf8_header_values_are_decoded():
    raw = 'HTTP/1.1 200 OK\r\nX-Ctx: {"app":"Café"}\r\nContent-Length: 0\r\n\r\n'.encode()
    assert wire.ResponseParser().feed(raw).headers["x-ctx"] == '{"app":"Café"}'


@pytest.mark.parametrize(
    ("status_line", "connection", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK", b"", True),
        (b"HTTP/1.1 200 OK", b"Connection: close\r\n", False),
        (b"HTTP/1.1 200 OK", b"Connection: Close\r\n", False),
        (b"HTTP/1.0 200 OK", b"", False),
        (b"HTTP/1.0 200 OK", b"Connection: keep-alive\r\n", True),
    ],
)
def test_keep_alive_follows_version_and_connection_header(status_line, connection, keep_alive):
    response = wire.ResponseParser().feed(status_line + b"\r\n" + connection + b"Content-Length: 0\r\n\r\n")
    assert response.keep_alive is keep_alive


CHUNKED_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
    b"5;ext=1\r\nhello\r\n"
    b"1A\r\n" + b"z" * 26 + b"\r\n"
    b"0\r\n"
    b"X-Trailer: dropped\r\n"
    b"\r\n"
)


def test_chunked_response_with_extensions_and_trailers():
    response = wire.ResponseParser().feed(CHUNKED_RESPONSE)
    assert response.body == b"hello" + b"z" * 26
    assert "x-trailer" not in response.headers
    assert response.keep_alive


def test_chunked_response_fed_byte_by_byte():
    (response,) = feed_bytewise(wire.ResponseParser(), CHUNKED_RESPONSE)
    assert response.body == b"hello" + b"z" * 26


def test_chunked_response_without_trailers_then_next_response():
    parser = wire.ResponseParser()
    first = parser.feed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + NEXT_RESPONSE
    )
    assert first.body == b"abc"
    assert parser.feed(b"").body == b'{"key":"val"}'


def test_interim_100_continue_is_skipped():
    parser = wire.ResponseParser()
    response = parser.feed(b"HTTP/1.1 100 Continue\r\n\r\n" + NEXT_RESPONSE)
    assert response.status == 200


def test_no_content_has_no_body_even_without_length():
    parser = wire.ResponseParser()
    response = parser.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert response.status == 204 and response.body == b"" and response.keep_alive


def test_body_without_length_is_read_until_close():
    parser = wire.ResponseParser()
    assert parser.feed(b"HTTP/1.1 500 Internal Server Error\r\n\r\npart one, ") is None
    assert parser.feed(b"part two") is None
    response = parser.feed_eof()
    assert response.status == 500
    assert response.body == b"part one, part two"
    assert not response.keep_alive


def test_unknown_transfer_coding_is_read_until_close():
    parser = wire.ResponseParser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz") is None
    assert parser.feed_eof().body == b"xyz"


def test_close_before_any_byte_is_its_own_error():
    with pytest.raises(wire.ClosedBeforeResponse):
        wire.ResponseParser().feed_eof()


@pytest.mark.parametrize("partial", [b"HTTP/1.1 200", NEXT_RESPONSE[:-3], CHUNKED_RESPONSE[:-10]])
def test_close_in_the_middle_of_a_response(partial):
    parser = wire.ResponseParser()
    assert parser.feed(partial) is None
    with pytest.raises(wire.ProtocolError, match="middle") as caught:
        parser.feed_eof()
    assert not isinstance(caught.value, wire.ClosedBeforeResponse)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"HTTX/1.1 200 OK\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 abc OK\r\n\r\n", "bad status line"),
        (b"garbage\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\n: empty-name\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", "not followed by CRLF"),
    ],
)
def test_malformed_responses_are_refused(raw, message):
    with pytest.raises(wire.ProtocolError, match=message):
        wire.ResponseParser().feed(raw)


def test_equal_repeated_content_lengths_are_accepted():
    response = wire.ResponseParser().feed(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
    )
    assert response.body == b"ok"


def test_endless_head_is_refused():
    parser = wire.ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(wire.ProtocolError, match="head larger"):
        parser.feed(b"X-Big: " + b"a" * wire.MAX_HEAD_BYTES)


def test_large_body_in_many_pieces():
    body = bytes(range(256)) * 4096  # 1 MiB
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    parser = wire.ResponseParser()
    pieces = [raw[i : i + 65536] for i in range(0, len(raw), 65536)]
    results = [parser.feed(piece) for piece in pieces]
    assert results[:-1] == [None] * (len(pieces) - 1)
    assert results[-1].body == body


def test_response_is_read_only():
    response = wire.ResponseParser().feed(NEXT_RESPONSE)
    with pytest.raises(AttributeError, match="read-only"):
        response.status = 500


# A Content-Length body is received in place: one buffer of its size, filled by the caller's recv_into.
BODY = bytes(range(256)) * 4096  # 1 MiB
LARGE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)


def test_a_content_length_body_is_received_into_one_buffer_of_its_size():
    parser = wire.ResponseParser()
    assert parser.body_space() is None  # no head yet: bytes go through feed
    assert parser.feed(LARGE_HEAD + BODY[:1000]) is None
    space = parser.body_space()
    assert len(space) == len(BODY) - 1000
    buffer = space.obj
    space[:500] = BODY[1000:1500]
    assert parser.body_received(500) is None
    space = parser.body_space()
    assert space.obj is buffer and len(space) == len(BODY) - 1500
    space[:] = BODY[1500:]
    response = parser.body_received(len(space))
    space.release()
    assert response.body is buffer and response.body == BODY  # the body is that buffer, never copied
    assert parser.body_space() is None and parser.idle


def test_body_space_is_none_for_bodies_of_other_framings():
    parser = wire.ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
    assert parser.body_space() is None
    parser = wire.ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
    assert parser.body_space() is None


def test_an_absurd_content_length_is_not_allocated_up_front():
    parser = wire.ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\nabc" % (wire.MAX_PREALLOCATED_BODY + 1))
    assert parser.body_space() is None  # the body grows as it arrives instead
    assert parser.feed(b"def") is None


@pytest.mark.parametrize("size", [0, -1, len(BODY) + 1])
def test_receiving_more_than_the_body_space_or_nothing_is_refused(size):
    parser = wire.ResponseParser()
    parser.feed(LARGE_HEAD)
    with pytest.raises(ValueError, match="the body awaits"):
        parser.body_received(size)


def test_body_received_without_a_body_space_is_refused():
    with pytest.raises(ValueError, match="the body awaits"):
        wire.ResponseParser().body_received(1)


def test_the_parser_keeps_no_large_buffer_after_a_large_chunked_body():
    # A 1 MiB chunked body goes through the parser's own buffer; it must not stay that big once read.
    parser = wire.ResponseParser()
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%b\r\n0\r\n\r\n" % (
        len(BODY),
        BODY,
    )
    assert parser.feed(chunked).body == BODY
    assert sys.getsizeof(parser._buf) < 1024
