"""The emulator's HTTP/1.1 request parser on thousands of generated inputs.

Kept-alive requests with Content-Length or chunked bodies (with trailers), cut into arbitrary pieces, give
back each head, body and trailer exactly; any bytes at all, valid requests with bytes flipped included,
give events or an `http11.ProtocolError` (which the server answers with its status), never another
exception. Inputs the generator once found that broke the parser stay as `@example`s.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lambda_native.emulator import http11
from tests.support.http_strategies import TOKEN, chunked, damaged, field_names, joined, pieces
from tests.support.http_strategies import field_values as values

MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = field_names({"content-length", "transfer-encoding"})
targets = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


@st.composite
def requests(draw):
    """(raw bytes, expected (method, target, headers, body, trailers)) of one request."""
    method = draw(st.sampled_from(["GET", "POST", "PUT"]) | st.text(TOKEN, min_size=1, max_size=8))
    target = draw(targets)
    pairs = draw(st.lists(st.tuples(names, values), max_size=4))
    body = draw(st.binary(max_size=200))
    is_chunked = draw(st.booleans())
    trailers = draw(st.lists(st.tuples(names, values), max_size=2)) if is_chunked else []
    lines = [f"{method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in pairs)]
    headers = joined(pairs)
    if is_chunked:
        lines.append("Transfer-Encoding: chunked")
        headers["transfer-encoding"] = "chunked"
        payload = draw(chunked(body, trailers))
    else:
        lines.append(f"Content-Length: {len(body)}")
        headers["content-length"] = str(len(body))
        payload = body
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
    return raw, (method, target, headers, body, joined(trailers))


def parse(raw: bytes, sizes: list[int]) -> list[tuple]:
    """Feed `raw` in pieces of `sizes` (cycled); the requests the events describe."""
    parser = http11.RequestParser()
    events, at, turn = [], 0, 0
    while at < len(raw):
        size = max(1, sizes[turn % len(sizes)])
        turn += 1
        events += parser.feed(raw[at : at + size])
        at += size
    got, current = [], None
    for event in events:
        if isinstance(event, http11.RequestHead):
            current = [event.method, event.target, event.headers, b""]
        elif isinstance(event, http11.BodyData):
            current[3] += event.data
        else:
            got.append((*current, event.trailers))
    return got


@MANY
@given(made=st.lists(requests(), min_size=1, max_size=3), sizes=pieces)
def test_kept_alive_requests_come_out_as_sent_however_they_arrive(made, sizes):
    raw = b"".join(r for r, _ in made)
    assert parse(raw, sizes) == [want for _, want in made]


def parse_any(raw: bytes, sizes: list[int]) -> None:
    try:
        parse(raw, sizes)
    except http11.ProtocolError as exc:
        assert exc.status in http11.REASONS


@MANY
@given(raw=st.one_of(st.binary(max_size=200), damaged(requests())), sizes=pieces)
@example(raw=b"POST / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n", sizes=[64])  # latin-1 '²' is a digit
def test_any_bytes_damaged_requests_included_give_events_or_a_protocol_error(raw, sizes):
    parse_any(raw, sizes)
