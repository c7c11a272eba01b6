"""The HTTP/1.1 parser, fed bytes the way sockets deliver them (whole, split anywhere, pipelined)."""

from __future__ import annotations

import pytest

from lambda_native.emulator import http11


def parse(data: bytes, step: int | None = None) -> list:
    parser = http11.RequestParser()
    if step is None:
        return parser.feed(data)
    events = []
    for i in range(0, len(data), step):
        events += parser.feed(data[i : i + step])
    return events


def summary(events: list) -> list:
    out = []
    for ev in events:
        if isinstance(ev, http11.RequestHead):
            out.append(("head", ev.method, ev.target, ev.headers))
        elif isinstance(ev, http11.BodyData):
            if out and out[-1][0] == "body":
                out[-1] = ("body", out[-1][1] + ev.data)
            else:
                out.append(("body", ev.data))
        else:
            out.append(("end", ev.trailers))
    return out


CHUNKED = (
    b"POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"
    b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: done\r\nX-Other: 2\r\n\r\n"
)


@pytest.mark.parametrize("step", [None, 1, 3, 7])
def test_chunked_body_with_trailers_split_anywhere(step):
    assert summary(parse(CHUNKED, step)) == [
        ("head", "POST", "/r", {"transfer-encoding": "chunked", "trailer": "X-T"}),
        ("body", b"hello world"),
        ("end", {"x-t": "done", "x-other": "2"}),
    ]


@pytest.mark.parametrize("step", [None, 2])
def test_content_length_then_a_pipelined_get(step):
    data = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
    assert summary(parse(data, step)) == [
        ("head", "POST", "/a", {"content-length": "3"}),
        ("body", b"abc"),
        ("end", {}),
        ("head", "GET", "/b", {"host": "x"}),
        ("end", {}),
    ]


def test_repeated_headers_are_joined_and_names_lowered():
    events = parse(b"GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
    assert events[0].headers == {"x-a": "1, 2"}


def test_timestamps_are_taken_when_parsed():
    events = parse(b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")
    assert 0 < events[0].t_ns <= events[-1].t_ns


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/2\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz", 400),
        (b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 70000, 431),
    ],
)
def test_malformed_requests(data, status):
    with pytest.raises(http11.ProtocolError) as excinfo:
        parse(data)
    assert excinfo.value.status == status


def test_response_bytes():
    assert http11.response(202, b'{"status":"OK"}') == (
        b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
        b'{"status":"OK"}'
    )
    assert http11.response(413, b"", {"X": "1"}, content_type=None, close=True) == (
        b"HTTP/1.1 413 Request Entity Too Large\r\nX: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )


def test_chunked_response_round_trips_through_the_parser():
    body = http11.chunk(b"abc") + http11.chunk(b"") + http11.chunk(b"de") + http11.last_chunk({"X-E": "t"})
    request = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    assert summary(parse(request))[1:] == [("body", b"abcde"), ("end", {"x-e": "t"})]


def test_chunked_head_with_repeated_headers_and_any_status():
    head = http11.chunked_head(201, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X", "é")])
    assert head == (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        b"X: \xe9\r\n\r\n"
    )


@pytest.mark.parametrize(("name", "value"), [("X", "a\r\nInjected: 1"), ("X:Y", "v"), ("", "v"), ("X", "\0")])
def test_chunked_head_refuses_headers_that_would_break_the_head(name, value):
    with pytest.raises(ValueError, match="bad response header"):
        http11.chunked_head(200, [(name, value)])
