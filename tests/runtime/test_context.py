"""Checklist 6: the context object: every attribute, identity and client context, remaining time, repr,
and the errors for unparsable context headers."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.fake_api import DEFAULT_ARN

from .process import BASE_ENV
from .support import Shared, error_doc, invoke


@pytest.fixture(scope="module")
def shared(module_launch):
    return Shared(module_launch)


def _context(shared, impl, **headers):
    api, proc = shared.get(impl, "context_probe.handler")
    reply = invoke(api, **headers)
    assert reply.kind == "response", f"{reply.body!r}\n{proc.describe()}"
    return reply.request_id, json.loads(reply.body)


def test_attributes(impl, shared):
    request_id, ctx = _context(shared, impl)
    assert ctx["aws_request_id"] == request_id
    assert ctx["log_group_name"] == BASE_ENV["AWS_LAMBDA_LOG_GROUP_NAME"]
    assert ctx["log_stream_name"] == BASE_ENV["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert ctx["function_name"] == "test_function"
    assert ctx["function_version"] == "$LATEST"
    assert (ctx["memory_limit_in_mb"], ctx["memory_limit_type"]) == ("128", "str")
    assert ctx["invoked_function_arn"] == DEFAULT_ARN
    assert ctx["tenant_id"] is None
    assert ctx["identity"] == {"cognito_identity_id": None, "cognito_identity_pool_id": None}
    assert ctx["client_context"] is None
    assert 0 < ctx["remaining_ms"] <= 300_000


def test_arn_can_change_between_invokes(impl, shared):
    alias = DEFAULT_ARN + ":live"
    assert _context(shared, impl, arn=alias)[1]["invoked_function_arn"] == alias
    assert _context(shared, impl)[1]["invoked_function_arn"] == DEFAULT_ARN


def test_remaining_time_follows_the_deadline_and_is_floored_at_zero(impl, shared):
    soon = int(time.time() * 1000) + 60_000
    assert 0 < _context(shared, impl, deadline_ms=soon)[1]["remaining_ms"] <= 60_000
    past = int(time.time() * 1000) - 10_000
    assert _context(shared, impl, deadline_ms=past)[1]["remaining_ms"] == 0


def test_cognito_identity(impl, shared):
    identity = {"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "us-east-1:pool"}
    assert _context(shared, impl, cognito_identity=identity)[1]["identity"] == {
        "cognito_identity_id": "us-east-1:abc",
        "cognito_identity_pool_id": "us-east-1:pool",
    }


def test_client_context(impl, shared):
    client_context = {
        "custom": {"k": "v"},
        "env": {"platform": "Android"},
        "client": {"installation_id": "inst-1", "app_title": "My App"},
    }
    assert _context(shared, impl, client_context=client_context)[1]["client_context"] == {
        "custom": {"k": "v"},
        "env": {"platform": "Android"},
        "client": {
            "installation_id": "inst-1",
            "app_title": "My App",
            "app_version_name": None,
            "app_version_code": None,
            "app_package_name": None,
        },
    }


def test_w3c_trace_context_comes_out_of_the_client_context(impl, shared):
    w3c = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "k=v"}
    client_context = {"custom": {"a": 1}, "w3c": {**w3c, "baggage": 5, "other": "dropped"}}
    ctx = _context(shared, impl, client_context=client_context)[1]
    assert ctx["w3c"] == w3c
    assert ctx["client_context"]["custom"] == {"a": 1}
    assert _context(shared, impl)[1]["w3c"] == {}


def test_client_context_without_client(impl, shared):
    ctx = _context(shared, impl, client_context={"custom": {"a": 1}})[1]
    assert ctx["client_context"] == {"custom": {"a": 1}, "env": None, "client": None}


def test_repr_names_every_attribute(impl, shared):
    request_id, ctx = _context(shared, impl, tenant_id="t-1")
    text = ctx["repr"]
    assert text.startswith("LambdaContext([") and text.endswith("])")
    for part in (
        f"aws_request_id={request_id}",
        f"log_group_name={BASE_ENV['AWS_LAMBDA_LOG_GROUP_NAME']}",
        "function_name=test_function",
        "memory_limit_in_mb=128",
        "function_version=$LATEST",
        f"invoked_function_arn={DEFAULT_ARN}",
        "client_context=None",
        "identity=CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])",
        "tenant_id=t-1",
    ):
        assert part in text


@pytest.mark.parametrize(
    ("header", "name"),
    [("client_context", "Client Context"), ("cognito_identity", "Cognito Identity")],
)
def test_unparsable_context_header_is_a_context_unmarshal_error(impl, shared, header, name):
    api, _ = shared.get(impl, "context_probe.handler")
    reply = invoke(api, **{header: "not json"})
    assert error_doc(reply) == {
        "errorMessage": f"Unable to parse {name} JSON: Expecting value: line 1 column 1 (char 0)",
        "errorType": "Runtime.LambdaContextUnmarshalError",
        "requestId": reply.request_id,
        "stackTrace": [],
    }


def test_missing_environment_gives_none(impl, launch):
    names = ["AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_FUNCTION_NAME"]
    names += ["AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
    api, proc = launch(impl, "context_probe.handler", env=dict.fromkeys(names))
    reply = invoke(api)
    assert reply.kind == "response", proc.describe()
    ctx = json.loads(reply.body)
    for attribute in ("log_group_name", "log_stream_name", "function_name", "function_version"):
        assert ctx[attribute] is None
    assert ctx["memory_limit_in_mb"] is None
