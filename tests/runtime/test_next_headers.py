"""Checklist 1: `/next` handling: optional headers, no client timeout, proxies ignored, tenant and
invocation ids, `_X_AMZN_TRACE_ID` set and cleared per invoke."""

from __future__ import annotations

import json
import time

import pytest

from .process import OURS_AND_NATIVE
from .support import Shared, invoke

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(scope="module")
def shared(module_launch):
    return Shared(module_launch)


def test_only_the_request_id_is_required(impl, shared):
    api, _ = shared.get(impl, "echo.describe")
    reply = invoke(api, b"{}", deadline_ms=None, arn=None)
    assert reply.kind == "response"
    assert json.loads(reply.body) == {"type": "dict", "value": {}}


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_ours_needs_not_even_a_content_type(impl, shared):
    """The official client dies with SIGSEGV on a /next without Content-Type; ours answers.

    Whether such an event is JSON (RAPID's default) or raw bytes is not pinned down by the contract.
    """
    api, proc = shared.get(impl, "echo.describe")
    reply = invoke(api, b'{"a": 1}', deadline_ms=None, arn=None, content_type=None)
    assert reply.kind == "response", proc.describe()
    assert json.loads(reply.body) in (
        {"type": "dict", "value": {"a": 1}},
        {"type": "bytes", "hex": b'{"a": 1}'.hex()},
    )


def test_next_has_no_client_timeout(impl, launch):
    """The long-poll may last arbitrarily long (the process is frozen between invokes)."""
    api, proc = launch(impl, "echo.handler")
    api.wait_polling(1)
    time.sleep(2.5)
    assert proc.running, proc.describe()
    reply = invoke(api, {"late": impl})
    assert json.loads(reply.body) == {"late": impl}
    api.wait_polling(2)
    assert len(api.of_kind("next")) == 2, "the held /next must not have been retried"


def test_proxy_variables_are_ignored(impl, launch):
    dead = "http://127.0.0.1:9"
    env = {name: dead for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY")}
    env["all_proxy"] = dead
    api, proc = launch(impl, "echo.handler", env=env)
    reply = invoke(api, {"via": "no proxy"})
    assert reply.kind == "response", proc.describe()
    assert json.loads(reply.body) == {"via": "no proxy"}


def test_tenant_id_is_passed_to_the_context(impl, shared):
    api, _ = shared.get(impl, "context_probe.handler")
    assert json.loads(invoke(api, tenant_id="tenant-42").body)["tenant_id"] == "tenant-42"
    assert json.loads(invoke(api).body)["tenant_id"] is None


def test_invocation_id_is_echoed_on_response_and_error(impl, shared):
    api, _ = shared.get(impl, "errors.handler")
    ok = invoke(api, {"case": "none"}, invocation_id="inv-ok-1")
    assert ok.kind == "response"
    assert ok.header("Lambda-Runtime-Invocation-Id") == "inv-ok-1"
    failed = invoke(api, {"case": "key_error"}, invocation_id="inv-err-2")
    assert failed.kind == "error"
    assert failed.header("Lambda-Runtime-Invocation-Id") == "inv-err-2"
    without = invoke(api, {"case": "none"})
    assert without.header("Lambda-Runtime-Invocation-Id") is None


def test_trace_id_is_set_and_cleared_per_invoke(impl, launch):
    api, _ = launch(impl, "context_probe.env", env={"_X_AMZN_TRACE_ID": "stale-from-the-environment"})
    names = {"names": ["_X_AMZN_TRACE_ID"]}
    assert json.loads(invoke(api, names, trace_id=TRACE).body) == {"_X_AMZN_TRACE_ID": TRACE}
    assert json.loads(invoke(api, names).body) == {"_X_AMZN_TRACE_ID": None}
    other = TRACE.replace("Sampled=1", "Sampled=0")
    assert json.loads(invoke(api, names, trace_id=other).body) == {"_X_AMZN_TRACE_ID": other}


def test_trace_id_absent_on_first_invoke_clears_a_stale_value(impl, launch):
    api, _ = launch(impl, "context_probe.env", env={"_X_AMZN_TRACE_ID": "stale-from-the-environment"})
    assert json.loads(invoke(api, {"names": ["_X_AMZN_TRACE_ID"]}).body) == {"_X_AMZN_TRACE_ID": None}


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_ours_keeps_one_connection_alive(impl, launch):
    api, _ = launch(impl, "echo.handler")
    invoke(api, {"n": 1})
    invoke(api, {"n": 2})
    api.wait_polling(3)
    connections = {request.connection for request in api.requests}
    assert len(connections) == 1, api.requests
