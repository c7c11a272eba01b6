"""Checklist 4 and 5: marshalling results, unmarshalling events, and the errors when either fails."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from .process import OURS_AND_NATIVE
from .support import Shared, error_doc, invoke


@pytest.fixture(scope="module")
def shared(module_launch):
    return Shared(module_launch)


def _result(shared, impl, case):
    api, proc = shared.get(impl, "results.handler")
    reply = invoke(api, {"case": case})
    assert reply.kind == "response", f"{reply.body!r}\n{proc.describe()}"
    return reply


def test_decimal_is_emitted_exactly(impl, shared):
    reply = _result(shared, impl, "decimal")
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body, parse_float=Decimal) == {
        "pi": Decimal("3.14159"),
        "big": Decimal("1E+3"),
        "tenth": Decimal("0.1"),
    }
    assert b"3.14159" in reply.body and b"1E+3" in reply.body


def test_decimal_nan_becomes_nan(impl, shared):
    values = json.loads(_result(shared, impl, "decimal_nan").body)
    assert len(values) == 2 and all(math.isnan(value) for value in values)


def test_float_nan_and_infinity(impl, shared):
    nan, inf, minus_inf = json.loads(_result(shared, impl, "float_special").body)
    assert math.isnan(nan) and inf == math.inf and minus_inf == -math.inf


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("namedtuple", {"point": {"x": 1, "y": 2}}),
        ("tuple", [1, "two", None, True]),
        ("unicode", {"price": "£1.00", "snow": "☃"}),
        ("string", "plain string"),
        ("none", None),
        ("int_keys", {"1": "one"}),
        ("large_int", {"n": 12345678901234567890}),
        ("nested_bytes", {"b": "abc"}),
    ],
)
def test_json_results(impl, shared, case, expected):
    reply = _result(shared, impl, case)
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body) == expected


def test_bytes_are_posted_raw_as_application_unknown(impl, shared):
    reply = _result(shared, impl, "bytes")
    assert reply.header("Content-Type") == "application/unknown"
    assert reply.body == b"\x00\x01raw\xff"


def test_large_response_is_posted_whole(impl, shared):
    api, _ = shared.get(impl, "results.handler")
    reply = invoke(api, {"case": "big_response", "size": 5_000_000})
    assert reply.kind == "response"
    assert json.loads(reply.body) == "x" * 5_000_000


@pytest.mark.parametrize(
    ("case", "type_name"),
    [("datetime", "datetime"), ("set", "set"), ("enum", "Color"), ("uuid", "UUID"), ("dataclass", "Pair")],
)
def test_unserialisable_result_is_a_marshal_error(impl, shared, case, type_name):
    api, _ = shared.get(impl, "results.handler")
    reply = invoke(api, {"case": case})
    doc = error_doc(reply)
    message = f"Unable to marshal response: Object of type {type_name} is not JSON serializable"
    assert doc == {
        "errorMessage": message,
        "errorType": "Runtime.MarshalError",
        "requestId": reply.request_id,
        "stackTrace": [],
    }
    cause = json.loads(reply.header("Lambda-Runtime-Function-XRay-Error-Cause"))
    assert cause["exceptions"] == [{"message": message, "type": "LambdaValidationError", "stack": []}]
    assert cause["paths"] == []


def test_cyclic_result_is_a_marshal_error(impl, shared):
    api, _ = shared.get(impl, "results.handler")
    doc = error_doc(invoke(api, {"case": "cyclic"}))
    assert doc["errorType"] == "Runtime.MarshalError"
    assert doc["errorMessage"].startswith("Unable to marshal response: ")


def test_deeply_nested_result(impl, shared):
    """simplejson has no nesting limit short of Python's recursion limit (orjson stops at 255)."""
    api, _ = shared.get(impl, "results.handler")
    reply = invoke(api, {"case": "deep", "depth": 300})
    assert reply.kind == "response", reply.body[:200]
    assert reply.body.replace(b" ", b"") == b"[" * 300 + b"]" * 300


def test_lone_surrogate_is_escaped(impl, shared):
    """`\\ud800` is valid JSON for it. (The official client escapes it when it escapes all non-ASCII; with
    AWS_EXECUTION_ENV naming python3.12+ it crashes with UnicodeEncodeError instead.)"""
    api, _ = shared.get(impl, "results.handler")
    reply = invoke(api, {"case": "surrogate"})
    assert reply.kind == "response", reply.body[:200]
    assert json.loads(reply.body) == {"s": "\ud800"}


@pytest.mark.parametrize(
    "content_type", ["application/octet-stream", "text/plain", "application/json; charset=utf-8"]
)
def test_non_json_content_type_gives_the_raw_bytes(impl, shared, content_type):
    api, _ = shared.get(impl, "echo.describe")
    body = b'{"looks": "like json"}\x00\xff'
    reply = invoke(api, body, content_type=content_type)
    assert json.loads(reply.body) == {"type": "bytes", "hex": body.hex()}


def test_json_event_is_parsed(impl, shared):
    api, _ = shared.get(impl, "echo.describe")
    event = {"name": "ünï", "n": 1.5, "list": [1, None, True], "nested": {"k": "v"}}
    reply = invoke(api, event)
    assert json.loads(reply.body) == {"type": "dict", "value": event}


def test_large_event(impl, shared):
    api, _ = shared.get(impl, "echo.handler")
    event = {"blob": "y" * 3_000_000}
    assert json.loads(invoke(api, event).body) == event


def test_bad_json_event_is_an_unmarshal_error(impl, shared):
    api, _ = shared.get(impl, "echo.handler")
    reply = invoke(api, b"not json")
    assert error_doc(reply) == {
        "errorMessage": "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
        "errorType": "Runtime.UnmarshalError",
        "requestId": reply.request_id,
        "stackTrace": [],
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"x": NaN}', "Expecting value: line 1 column 7 (char 6)"),
        (b"[1] [2]", "Extra data: line 1 column 5 - line 1 column 8 (char 4 - 7)"),
    ],
)
def test_events_are_refused_as_simplejson_refuses_them(impl, shared, raw, message):
    api, _ = shared.get(impl, "echo.handler")
    doc = error_doc(invoke(api, raw))
    assert (doc["errorType"], doc["errorMessage"]) == (
        "Runtime.UnmarshalError",
        f"Unable to unmarshal input: {message}",
    )


def test_large_integers_and_a_byte_order_mark_are_read_as_simplejson_reads_them(impl, shared):
    api, _ = shared.get(impl, "echo.describe")
    event = b'\xef\xbb\xbf{"big": 18446744073709551616, "neg": -9223372036854775809, '
    event += b'"id": "0000000000000000000001"}'
    reply = invoke(api, event)
    assert json.loads(reply.body)["value"] == {
        "big": 2**64,
        "neg": -(2**63) - 1,
        "id": "0000000000000000000001",
    }


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_ours_emits_non_ascii_as_utf8(impl, shared):
    """The official client escapes it unless AWS_EXECUTION_ENV names python3.12+; ours never does."""
    reply = _result(shared, impl, "unicode")
    assert "£1.00".encode() in reply.body and "☃".encode() in reply.body


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_values_stay_exact_once_orjson_takes_over(impl, launch):
    """After 4 MB the codec moves to orjson, whose checks run in C in a native bootstrap: integers beyond
    64 bits (which orjson reads as floats) and a NaN result (which it writes as null) stay exact."""
    api, _ = launch(impl, "echo.with_checks")
    assert json.loads(invoke(api, {"blob": "y" * 5_000_000}).body)["event"]["blob"] == "y" * 5_000_000
    raw = b'{"big": 18446744073709551616, "neg": -9223372036854775809, "max": 18446744073709551615, "f": 1.5}'
    reply = json.loads(invoke(api, raw).body)
    assert reply["event"] == {"big": 2**64, "neg": -(2**63) - 1, "max": 2**64 - 1, "f": 1.5}
    assert math.isnan(reply["nan"])
    assert reply["checks"] == (
        "_lambda_native_exactness" if impl == "native" else "lambda_native.runtime.codec"
    )
