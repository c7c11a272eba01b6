"""Checklist 3: exceptions raised by a handler: the error document (keys, order, exact strings), the
stack trace with the runtime's own frames removed, the X-Ray cause header, the error-type header."""

from __future__ import annotations

import json
import re

import pytest

from .process import OURS_AND_NATIVE, TESTDATA
from .support import Shared, error_doc, invoke, trace_entry, xray_frame

F = "errors.py"
# case -> (errorType, errorMessage, [(marker, function) per frame, outermost first])
CASES = {
    "key_error": ("KeyError", "'k'", [("key-error", "handler")]),
    "nested": (
        "ValueError",
        "boom from helper",
        [("nested-call", "handler"), ("helper-recurse", "helper"), ("helper-raise", "helper")],
    ),
    "empty": ("RuntimeError", "", [("empty", "handler")]),
    "custom": ("CustomError", "custom message", [("custom", "handler")]),
    "import_inside": (
        "ModuleNotFoundError",
        "No module named 'no_such_module_inside_handler'",
        [("import-inside", "handler")],
    ),
    "unicode": ("ValueError", "héllo ☃", [("unicode", "handler")]),
    "multiline": ("ValueError", "line one\nline two", [("multiline", "handler")]),
    "chained": ("ValueError", "outer", [("chained", "handler")]),
    "other_module": (
        "LookupError",
        "from another module",
        [("other-module-call", "handler"), ("other-module-raise", "explode", "helper_mod.py")],
    ),
}


@pytest.fixture(scope="module")
def shared(module_launch):
    return Shared(module_launch)


@pytest.mark.parametrize("case", list(CASES))
def test_error_document(impl, case, shared):
    api, proc = shared.get(impl, "errors.handler")
    error_type, message, frames = CASES[case]
    reply = invoke(api, {"case": case})
    doc = error_doc(reply)
    assert doc == {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": reply.request_id,
        "stackTrace": [trace_entry(proc, *_where(frame)) for frame in frames],
    }, proc.describe()
    assert reply.header("Content-Type") in ("application/json", "application/vnd.aws.lambda.error+json")


def test_recursion_error(impl, shared):
    """The repeated frames are folded as `traceback.format_list` folds them."""
    api, proc = shared.get(impl, "errors.handler")
    reply = invoke(api, {"case": "recursion"})
    doc = error_doc(reply)
    assert (doc["errorType"], doc["errorMessage"]) == ("RecursionError", "maximum recursion depth exceeded")
    *frames, folded = doc["stackTrace"]
    assert (
        frames
        == [trace_entry(proc, F, "recursion-call", "handler")]
        + [trace_entry(proc, F, "recurse", "recurse")] * 3
    )
    assert re.fullmatch(r"  \[Previous line repeated \d+ more times\]\n", folded)
    cause = json.loads(reply.header("Lambda-Runtime-Function-XRay-Error-Cause"))
    assert len(cause["exceptions"][0]["stack"]) > 500


def test_xray_cause_over_1_mib_is_left_out(impl, shared):
    """A header that large would be refused by the Runtime API (Go's limit is 1 MiB of headers)."""
    api, _ = shared.get(impl, "errors.handler")
    reply = invoke(api, {"case": "huge_message", "size": 1_100_000})
    doc = error_doc(reply)
    assert doc["errorMessage"] == "x" * 1_100_000
    assert not reply.header("Lambda-Runtime-Function-XRay-Error-Cause")
    assert invoke(api, {"case": "none"}).kind == "response", "still serving"


def _where(frame):
    """(file, marker, function) of a frame given as (marker, function[, file])."""
    marker, function, *filename = frame
    return (filename[0] if filename else F), marker, function


@pytest.mark.parametrize("case", ["key_error", "nested", "empty", "other_module"])
def test_xray_cause_header(impl, case, shared):
    api, proc = shared.get(impl, "errors.handler")
    error_type, message, frames = CASES[case]
    reply = invoke(api, {"case": case})
    cause = json.loads(reply.header("Lambda-Runtime-Function-XRay-Error-Cause"))
    assert list(cause) == ["working_directory", "exceptions", "paths"]
    assert cause == {
        "working_directory": str(TESTDATA),
        "exceptions": [
            {
                "message": message,
                "type": error_type,
                "stack": [xray_frame(proc, *_where(frame)) for frame in frames],
            }
        ],
        "paths": cause["paths"],
    }
    assert sorted(cause["paths"]) == sorted({str(proc.code_dir / _where(frame)[0]) for frame in frames})
    assert list(cause["exceptions"][0]) == ["message", "type", "stack"]


def test_runtime_keeps_serving_after_errors(impl, shared):
    api, _ = shared.get(impl, "errors.handler")
    assert error_doc(invoke(api, {"case": "key_error"}))["errorType"] == "KeyError"
    reply = invoke(api, {"case": "none"})
    assert (reply.kind, json.loads(reply.body)) == ("response", "no error")


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
@pytest.mark.parametrize("case", ["key_error", "custom"])
def test_ours_sends_the_error_type_header_on_error_too(impl, case, shared):
    """A deliberate difference: the official client sends this header on /init/error only."""
    api, _ = shared.get(impl, "errors.handler")
    reply = invoke(api, {"case": case})
    assert reply.header("Lambda-Runtime-Function-Error-Type") == CASES[case][0]


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_ours_error_documents_keep_non_ascii_as_utf8(impl, shared):
    api, _ = shared.get(impl, "errors.handler")
    reply = invoke(api, {"case": "unicode"})
    assert "héllo ☃".encode() in reply.body
