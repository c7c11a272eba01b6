"""Checklist 9: what the runtime does with the Runtime API's status codes: 500 anywhere -> exit promptly;
other 4xx on a post -> exit (as the official client); ours only: 410 and 413 -> log and carry on."""

from __future__ import annotations

import json

import pytest

from .process import OURS_AND_NATIVE
from .support import invoke


def test_500_on_next_exits(impl, launch):
    api, proc = launch(impl, "echo.handler")
    api.push_status(500)
    assert proc.wait(20) != 0, proc.describe()
    assert [request.kind for request in api.requests] == ["next"]


@pytest.mark.parametrize(
    ("kind", "handler", "event"),
    [("response", "echo.handler", {}), ("error", "errors.handler", {"case": "key_error"})],
)
def test_500_on_a_reply_exits(impl, launch, kind, handler, event):
    api, proc = launch(impl, handler)
    api.reply_with(kind, 500)
    reply = invoke(api, event)
    assert reply.kind == kind
    assert proc.wait(20) != 0, proc.describe()
    assert [request.kind for request in api.requests] == ["next", kind]


@pytest.mark.parametrize("status", [400, 403])
def test_other_client_errors_on_response_exit(impl, launch, status):
    """Single-mode runtimes treat an unexpected 4xx on a post as fatal, as the official client does."""
    api, proc = launch(impl, "echo.handler")
    api.reply_with("response", status)
    invoke(api, {})
    assert proc.wait(20) != 0, proc.describe()


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
@pytest.mark.parametrize(
    ("kind", "status", "handler", "event"),
    [
        ("response", 410, "echo.handler", {"n": 1}),
        ("error", 410, "errors.handler", {"case": "key_error"}),
        ("response", 413, "echo.handler", {"n": 1}),
    ],
)
def test_ours_logs_and_continues(impl, launch, kind, status, handler, event):
    """410 (the invoke already timed out) and 413 (response too large) end only that invoke.

    The official client exits 1 on both; continuing is the documented choice of this project.
    """
    api, proc = launch(impl, handler)
    api.reply_with(kind, status)
    assert invoke(api, event).kind == kind
    reply = invoke(api, {"n": 2} if kind == "response" else {"case": "none"})
    assert reply.kind == "response", proc.describe()
    assert proc.running
    proc.wait_output(rf"\b{status}\b")  # the failed post is logged
    assert json.loads(reply.body) in ({"n": 2}, "no error")


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_ours_survives_a_response_over_the_payload_limit(impl, launch):
    """The fake answers 413 to a response over RAPID's 6 291 556 bytes, as Lambda does."""
    api, proc = launch(impl, "results.handler")
    reply = invoke(api, {"case": "big_response", "size": 7_000_000})
    assert reply.kind == "response" and len(reply.body) > 7_000_000
    assert json.loads(invoke(api, {"case": "string"}).body) == "plain string", proc.describe()
    proc.wait_output(r"\b413\b")


def test_runtime_api_going_away_exits(impl, launch):
    """The Lambda side closing while the runtime waits on /next: exit, do not hang or spin."""
    api, proc = launch(impl, "echo.handler")
    api.wait_polling(1)
    api.close()
    assert proc.wait(20) != 0, proc.describe()


def test_truncated_next_response_exits(impl, launch):
    api, proc = launch(impl, "echo.handler")
    api.push_truncated()
    assert proc.wait(20) != 0, proc.describe()
    assert not api.of_kind("response") and not api.of_kind("error")
