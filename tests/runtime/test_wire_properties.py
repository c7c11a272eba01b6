"""The runtime's HTTP/1.1 response parser on thousands of generated inputs.

Valid responses of every framing (Content-Length, chunked with trailers, read-until-close, 1xx before
them), cut into arbitrary pieces and received through `feed` or in place through `body_space`, come out
exactly as sent; any bytes at all, valid responses with bytes flipped included, give responses or a
`ProtocolError`, never another exception. Inputs the generator once found that broke the parser stay as
`@example`s.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lambda_native.runtime import wire
from tests.support.http_strategies import chunked, damaged, field_names, joined, pieces
from tests.support.http_strategies import field_values as values

MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Header names the framing depends on are set by the generator itself.
names = field_names({"content-length", "transfer-encoding", "connection"})
headers = st.lists(st.tuples(names, values), max_size=5)
bodies = st.binary(max_size=300)


@st.composite
def responses(draw, last: bool):
    """(raw bytes, expected (status, headers, body)) of one response; only the last may end by closing."""
    status = draw(st.integers(200, 599).filter(lambda s: s not in (204, 304)))
    pairs = draw(headers)
    body = draw(bodies)
    framing = draw(st.sampled_from(["length", "chunked", "close"] if last else ["length", "chunked"]))
    interim = draw(st.sampled_from([b"", b"HTTP/1.1 100 Continue\r\n\r\n"]))
    lines = [f"HTTP/1.1 {status} Whatever It Says"] + [f"{name}: {value}" for name, value in pairs]
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    elif framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
        payload = draw(chunked(body, draw(st.lists(st.tuples(names, values), max_size=2))))
    else:
        lines.append("Connection: close")
        payload = body
    expected = joined(pairs)
    if framing == "length":
        expected["content-length"] = str(len(body))
    elif framing == "chunked":
        expected["transfer-encoding"] = "chunked"
    else:
        expected["connection"] = "close"
    raw = interim + ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
    return raw, (status, expected, body)


@st.composite
def conversations(draw):
    """Several kept-alive responses in a row, the last of any framing."""
    count = draw(st.integers(1, 3))
    made = [draw(responses(last=i == count - 1)) for i in range(count)]
    return b"".join(raw for raw, _ in made), [want for _, want in made]


def receive(parser: wire.ResponseParser, raw: bytes, sizes: list[int], in_place: bool) -> list[wire.Response]:
    """Hand `raw` to the parser in pieces of `sizes` (cycled), through body_space when it offers one."""
    got, at, turn = [], 0, 0
    while at < len(raw):
        size = max(1, sizes[turn % len(sizes)])
        turn += 1
        space = parser.body_space() if in_place else None
        if space is not None:
            size = min(size, len(space), len(raw) - at)
            space[:size] = raw[at : at + size]
            space.release()
            response = parser.body_received(size)
        else:
            response = parser.feed(raw[at : at + size])
            size = min(size, len(raw) - at)
        at += size
        if response is not None:
            got.append(response)
    return got


@MANY
@given(conversation=conversations(), sizes=pieces, in_place=st.booleans())
def test_valid_responses_come_out_as_sent_however_they_arrive(conversation, sizes, in_place):
    raw, wanted = conversation
    parser = wire.ResponseParser()
    got = receive(parser, raw, sizes, in_place)
    while (response := parser.feed(b"")) is not None:  # complete ones that arrived behind another
        got.append(response)
    if len(got) < len(wanted):  # the last one reads until the connection closes
        got.append(parser.feed_eof())
    assert [(r.status, r.headers, bytes(r.body)) for r in got] == wanted
    assert parser.idle


def feed_all(raw: bytes, sizes: list[int]) -> None:
    """Feed `raw` in pieces and close: responses or ProtocolError, nothing else."""
    parser = wire.ResponseParser()
    try:
        receive(parser, raw, sizes, in_place=True)
        parser.feed_eof()
    except wire.ProtocolError:
        pass


@MANY
@given(raw=st.one_of(st.binary(max_size=200), damaged(conversations())), sizes=pieces)
@example(raw=b"HTTP/1.1 \xc2\xb2\xc2\xb2\xc2\xb2 OK\r\n\r\n", sizes=[64])  # ² is a digit to str.isdigit
@example(raw=b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\n", sizes=[64])
def test_any_bytes_damaged_responses_included_give_responses_or_a_protocol_error(raw, sizes):
    feed_all(raw, sizes)
