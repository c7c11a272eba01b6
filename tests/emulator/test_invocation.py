"""invocation.py: the Function URL prelude taken apart as a stream arrives, and error trailers decoded."""

from __future__ import annotations

import base64

import pytest

from lambda_native.emulator.invocation import MAX_PRELUDE_BYTES, PreludeSplitter, decode_error_body

PRELUDE = (
    b'{"statusCode": 302, "headers": {"location": "/x"}, "multiValueHeaders": {"vary": ["a", "b"]},'
    b' "cookies": ["k=v; Path=/"]}'
)
STREAM = PRELUDE + b"\0" * 8 + b"body\0bytes"


@pytest.mark.parametrize("step", [1, 3, 8, len(STREAM)])
def test_the_prelude_and_body_split_wherever_the_pieces_break(step):
    splitter = PreludeSplitter()
    body = b"".join(splitter.feed(STREAM[i : i + step]) for i in range(0, len(STREAM), step))
    assert body == b"body\0bytes"  # NUL bytes in the body are the body's
    prelude = splitter.prelude
    assert prelude.status == 302
    assert prelude.headers == [
        ("location", "/x"),
        ("vary", "a"),
        ("vary", "b"),
        ("Set-Cookie", "k=v; Path=/"),
    ]


def test_status_defaults_to_200():
    splitter = PreludeSplitter()
    assert splitter.feed(b"{}" + b"\0" * 8) == b""
    assert (splitter.prelude.status, splitter.prelude.headers) == (200, [])


@pytest.mark.parametrize(
    ("prelude", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "integer statusCode"),
        (b'{"statusCode": "200"}', "integer statusCode"),
        (b'{"statusCode": 99}', "integer statusCode"),
    ],
)
def test_bad_preludes_are_refused(prelude, message):
    with pytest.raises(ValueError, match=message):
        PreludeSplitter().feed(prelude + b"\0" * 8)


def test_a_prelude_without_end_is_refused():
    splitter = PreludeSplitter()
    assert splitter.feed(b"{" + b" " * (MAX_PRELUDE_BYTES - 1)) == b""
    with pytest.raises(ValueError, match="no end of the HTTP prelude"):
        splitter.feed(b"  ")


def test_error_body_trailer_is_decoded():
    document = b'{"errorType": "KeyError"}'
    trailers = {"lambda-runtime-function-error-body": base64.b64encode(document).decode()}
    assert decode_error_body(trailers) == document
    assert decode_error_body({}) is None
    assert decode_error_body({"lambda-runtime-function-error-body": "not base64!"}) is None
