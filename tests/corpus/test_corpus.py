"""Every corpus function answers its event as it does under awslambdaric, natively and interpreted, and
its answer is the one its `expected.json` describes (a JSON body is compared decoded; only the keys
named there are compared)."""

from __future__ import annotations

import pytest

from benchmarks.corpus_functions import FUNCTIONS, environment, matches, read_json

from .conftest import corpus_function

_reference: dict[str, object] = {}


def answer(runtime: str, name: str, service_urls, request):
    """The function's answer to its event.json under `runtime` (one cold start)."""
    env = environment(name, service_urls)
    with corpus_function(runtime, name, env, request) as fn:
        result = fn.invoke(read_json(name, "event.json"))
    assert result.ok, f"{name} under {runtime}: {result.error_type}: {result.payload[:2000]!r}\n{result.logs}"
    return result.json()


def reference(name: str, service_urls, request):
    """The answer under awslambdaric, once per session."""
    if name not in _reference:
        _reference[name] = answer("awslambdaric", name, service_urls, request)
    return _reference[name]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_awslambdaric_gives_the_expected_answer(name, service_urls, request):
    got = reference(name, service_urls, request)
    assert matches(got, read_json(name, "expected.json")), got


@pytest.mark.parametrize("runtime", ["interpreted", pytest.param("native", marks=pytest.mark.native)])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_same_answer_as_awslambdaric(runtime, name, service_urls, request):
    got = answer(runtime, name, service_urls, request)
    assert got == reference(name, service_urls, request)
    assert matches(got, read_json(name, "expected.json")), got


def test_matches_compares_what_expected_names():
    assert matches({"a": 1, "b": [1, {"c": 2, "d": 3}]}, {"b": [1, {"c": 2}]})
    assert matches({"statusCode": 200, "body": '{"x": 1}'}, {"body": {"x": 1}})
    assert not matches({"a": 1}, {"a": 2})
    assert not matches({"a": [1, 2]}, {"a": [1]})
    assert not matches({"a": 1}, {"b": 1})
    assert not matches([1], {"a": 1})
