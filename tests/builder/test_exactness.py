"""builder/exactness.c, the checks a native bootstrap's codec makes in C: the same answers as Python's."""

from __future__ import annotations

import math

import orjson
import simplejson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_native.runtime import codec
from tests.support.exactness_module import exactness_module

MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

integers = st.one_of(
    st.integers(), st.integers(-(2**80), 2**80), st.sampled_from([2**63, -(2**63) - 1, 2**64])
)
scalars = st.one_of(st.none(), st.booleans(), integers, st.floats(), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=30,
)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def floats_in(value) -> list[float]:
    if isinstance(value, float):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return [f for item in items for f in floats_in(item)]


finite = st.one_of(st.none(), st.booleans(), integers, st.floats(allow_nan=False, allow_infinity=False))
documents = st.recursive(
    st.one_of(finite, st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
).map(lambda value: simplejson.dumps(value).encode())


@MANY
@given(document=documents)
def test_inexact_answers_as_the_python_walk_on_what_orjson_reads(document):
    value = orjson.loads(document)
    assert exactness_module().inexact(value) is codec._python_inexact(value)


def test_inexact_finds_an_integer_orjson_read_as_a_float_at_any_depth():
    inexact = exactness_module().inexact
    assert inexact(orjson.loads(b'{"a": [{"b": [1, "x", 18446744073709551616]}]}'))
    assert inexact(orjson.loads(b"-9223372036854775809"))
    assert not inexact(orjson.loads(b'{"a": [1.5, -9223372036854775808, 18446744073709551615, "1e30"]}'))
    assert not inexact(nested(1000))
    assert inexact(nested(2000))  # deeper than orjson reads: the exact path decides


@MANY
@given(value=json_values)
def test_shape_of_json_values_says_whether_a_float_is_not_finite(value):
    shape = exactness_module().shape(value)
    expected = (
        codec._MAYBE_NOT_FINITE if any(not math.isfinite(f) for f in floats_in(value)) else codec._PLAIN
    )
    assert shape == expected
    assert codec._python_shape(value) != codec._OTHER or shape == codec._OTHER


class Text(str):
    pass


def test_shape_is_other_for_anything_but_exact_json_built_ins():
    shape = exactness_module().shape
    cycle: list = []
    cycle.append(cycle)
    for value in ({1: "a"}, {"a": {1, 2}}, [b"x"], [Text("x")], {"a": [1, Text("b")]}, cycle, nested(2000)):
        assert shape(value) == codec._OTHER, value
    assert shape({"a": (1, [2.5, None, True, "x"])}) == codec._PLAIN
    assert shape(nested(1000)) == codec._PLAIN
