"""The codec against simplejson (the official client's JSON) on thousands of generated values and inputs.

Each of the codec's paths is checked: the standard library's C codec (a function's first megabytes) and
orjson (after that), with its checks in Python or, as in a native bootstrap, in builder/exactness.c.
Values must agree as simplejson reads them back; a refusal by one must be a refusal by the other.
Integers at and beyond 64 bits, NaN and the infinities, -0.0, lone surrogates, Decimals, namedtuples,
tuples, bytes and non-string keys are drawn on purpose: they are where orjson and simplejson part ways.
Examples the generator once found that broke the codec stay as `@example`s.
"""

from __future__ import annotations

import collections
import contextlib
import decimal
import enum
import math

import pytest
import simplejson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lambda_native.runtime import codec

from ..support.exactness_module import exactness_module
from .test_codec import official

paths = st.sampled_from(("_json", "orjson", "orjson+C"))
MANY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BOUNDARIES = [2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, -(2**64), 10**19, -(10**19)]
integers = st.one_of(st.integers(), st.sampled_from(BOUNDARIES), st.integers(-(2**80), 2**80))
texts = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates included
scalars = st.one_of(st.none(), st.booleans(), integers, st.floats(), texts)

Point = collections.namedtuple("Point", "x y")


class Level(enum.IntEnum):
    HIGH = 3


def json_values(keys=texts, leaves=scalars):
    return st.recursive(
        leaves,
        lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
        max_leaves=25,
    )


# What a handler may return: everything simplejson encodes the way the official client configures it.
result_leaves = st.one_of(
    scalars,
    st.decimals(),
    st.binary(max_size=8),
    st.sampled_from(list(Level)),
)
result_keys = st.one_of(texts, integers, st.floats(), st.booleans(), st.none())
results = st.recursive(
    result_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.builds(Point, inner, inner),
        st.dictionaries(result_keys, inner, max_size=4),
    ),
    max_leaves=20,
)


@contextlib.contextmanager
def codec_path(path: str):
    """The codec as it runs before orjson pays (`_json`) or after, checking values in Python (`orjson`) or
    with builder/exactness.c as a native bootstrap does (`orjson+C`)."""
    codec._orjson or codec._load()
    saved = codec._orjson, codec._light_bytes, codec._inexact, codec._shape
    if path == "_json":
        codec._orjson, codec._light_bytes = None, 0
    elif path == "orjson+C":
        codec._inexact, codec._shape = exactness_module().inexact, exactness_module().shape
    else:
        codec._inexact, codec._shape = codec._python_inexact, codec._python_shape
    try:
        yield
    finally:
        codec._orjson, codec._light_bytes, codec._inexact, codec._shape = saved


def outcome(function, *args) -> tuple[str, str]:
    """("ok", repr of the value) or ("refused", ""): what a caller can tell apart."""
    try:
        value = function(*args)
    except (ValueError, TypeError, RecursionError, UnicodeError):
        return "refused", ""
    return "ok", repr(value)


def read_back(encoded: bytes | str) -> str:
    """A result's value as simplejson reads it (floats as floats, so 1e16 and 1e+16 are one value)."""
    return repr(simplejson.loads(encoded, allow_nan=True))


@MANY
@given(path=paths, value=results)
@example(path="orjson", value={"n": float("nan"), "big": 2**64, "neg": -(2**63) - 1, "s": "\ud800"})
@example(path="orjson", value=[Point(1, float("inf")), (1, 2), {2.5: b"x", None: decimal.Decimal("-0.00")}])
@example(path="orjson+C", value={"n": float("nan"), "big": 2**64, "neg": -(2**63) - 1, "s": "\ud800"})
@example(path="orjson+C", value=[Point(1, float("inf")), (1, 2), {2.5: b"x", None: decimal.Decimal("-0.00")}])
def test_dumps_agrees_with_the_official_encoder(path, value):
    with codec_path(path):
        ours = outcome(codec.dumps, value)
    theirs = outcome(official, value)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        assert read_back(codec.dumps(value)) == read_back(official(value))


def assert_reads_as_simplejson(path: str, raw: bytes) -> None:
    """The codec, on `path`, reads `raw` to the same value as simplejson, or refuses it as simplejson does."""
    with codec_path(path):
        ours = outcome(codec.loads, raw)
    assert ours == outcome(simplejson.loads, raw)


def encoded_documents():
    """simplejson's encoding of a value, with its formatting options drawn too, as UTF-8 bytes."""
    return st.builds(
        lambda value, ascii_only, indent, spaced: simplejson.dumps(
            value,
            allow_nan=True,
            ensure_ascii=ascii_only,
            indent=indent,
            separators=(", ", ": ") if spaced else (",", ":"),
        ).encode("utf-8", "surrogatepass"),
        json_values(),
        st.booleans(),
        st.none() | st.integers(0, 2),
        st.booleans(),
    )


@MANY
@given(path=paths, document=encoded_documents())
@example(path="orjson", document=b"-9223372036854775809")  # 19 digits past int64: once read as a float
@example(
    path="orjson",
    document=b'{"a": [18446744073709551616, -18446744073709551617], "b": "0000000000000000000000"}',
)
@example(path="orjson", document=b'[1e400, -1e400, 1e-400, "\\ud800", NaN]')
@example(path="orjson+C", document=b'{"a": [{"b": [18446744073709551616]}], "c": -9223372036854775809}')
@example(path="_json", document=b"\xef\xbb\xbf[1]")
def test_loads_agrees_with_simplejson_on_documents(path, document):
    assert_reads_as_simplejson(path, document)


# Bytes that look like JSON more often than random bytes do, to reach the parsers' corners.
json_ish = st.text(alphabet='[]{}:,"\\0123456789-+.eEtrufalsnNIiy \t\n\r\u00e9\ud800', max_size=40)


@MANY
@given(
    path=paths,
    raw=st.one_of(st.binary(max_size=40), json_ish.map(lambda t: t.encode("utf-8", "surrogatepass"))),
)
@example(path="_json", raw=b"[1]x")
@example(path="_json", raw=b"Infinity")
@example(path="orjson", raw=b"[-Infinity]")
def test_loads_refuses_what_simplejson_refuses(path, raw):
    assert_reads_as_simplejson(path, raw)


def test_a_refusal_is_a_decode_error_with_simplejsons_words():
    for raw in (b"[1, NaN]", b"[1]x", b"\xef\xbb\xbf[1] 2", b'{"a": 1'):
        with pytest.raises(codec.DecodeError) as ours:
            codec.loads(raw)
        with pytest.raises(simplejson.JSONDecodeError) as theirs:
            simplejson.loads(raw)
        if raw != b'{"a": 1':  # the standard library says "delimiter", simplejson "delimiter or '}'"
            assert str(ours.value) == str(theirs.value)


def test_nan_is_refused_on_input_but_written_on_output():
    with pytest.raises(codec.DecodeError, match=r"Expecting value: line 1 column 2 \(char 1\)"):
        codec.loads(b"[NaN]")
    assert codec.dumps([math.nan, -math.inf]) == b"[NaN,-Infinity]"
