"""Managed Instances against a faulty Runtime API (ours only): `/next` answering 500 or resetting the
connection, a `/next` cut mid-body, `/response` refused, slow, reset or cut, all while N slots serve at
once. Whatever the fault, every invoke the runtime received gets exactly one accepted answer (none lost,
none answered twice: the fake refuses a second one as RAPID does), and the runtime recovers, or exits
where the contract says it must (a 500)."""

from __future__ import annotations

import pytest

from .process import OURS, OURS_AND_NATIVE

SLOTS = 3


def _launch(launch, impl, handler="slots.slow", **env):
    api, proc = launch(impl, handler, env={"AWS_LAMBDA_MAX_CONCURRENCY": str(SLOTS), **env})
    api.refuse_repeated_replies = True
    return api, proc


def _answered_once(api, request_ids, proc) -> None:
    for request_id in request_ids:
        api.wait_reply(request_id)
    counts = api.accepted_replies()
    assert all(counts[request_id] == 1 for request_id in request_ids), (counts, proc.describe())
    assert set(counts) <= set(request_ids), (counts, proc.describe())


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
def test_next_reset_refused_or_cut_is_retried_and_every_invoke_answered_once(impl, launch):
    api, proc = _launch(launch, impl)
    api.wait_polling(SLOTS)
    api.push_reset()
    api.push_status(503)
    api.push_truncated()
    pushed = [api.push({"sleep": 0.1}) for _ in range(2 * SLOTS)]
    _answered_once(api, pushed, proc)
    assert proc.running, proc.describe()
    assert proc.stdout.count("LAMBDA_RUNTIME Failed to get the next invoke") == 3, proc.describe()
    again = [api.push({"sleep": 0}) for _ in range(SLOTS)]
    _answered_once(api, pushed + again, proc)


@pytest.mark.parametrize("impl", OURS_AND_NATIVE)
@pytest.mark.parametrize("processes", [None, "3"])
def test_a_500_on_next_ends_the_runtime(impl, launch, processes):
    """The contract's one unrecoverable answer: the runtime exits promptly, forked workers and all."""
    env = {"LAMBDA_NATIVE_PROCESSES": processes} if processes else {}
    api, proc = _launch(launch, impl, **env)
    api.wait_polling(SLOTS)
    api.push_status(500)
    assert proc.wait(20) == 1, proc.describe()
    assert "non-recoverable state: the runtime must exit" in proc.stderr, proc.describe()
    if processes:
        assert "lost the Runtime API; the runtime exits" in proc.stderr, proc.describe()


def test_next_failing_five_times_in_a_row_ends_the_runtime(launch):
    api, proc = _launch(launch, OURS, AWS_LAMBDA_MAX_CONCURRENCY="1")
    api.wait_polling(1)
    for _ in range(5):
        api.push_reset()
    assert proc.wait(20) == 1, proc.describe()
    assert "Runtime API connection failed" in proc.stderr, proc.describe()


@pytest.mark.parametrize(
    ("status", "logged"),
    [
        (400, "Runtime API replied 400 to POST"),
        (403, "Runtime API replied 403 to POST"),
        (410, "had already timed out when its reply was posted (HTTP 410)"),
        (413, "is too large for Lambda (HTTP 413)"),
    ],
)
def test_a_refused_response_costs_nothing_more(launch, status, logged):
    """A refused (4xx) reply is logged, not sent again, and its slot goes on."""
    api, proc = _launch(launch, OURS)
    api.reply_with("response", status)
    pushed = [api.push({"sleep": 0.1}) for _ in range(2 * SLOTS)]
    for request_id in pushed:
        api.wait_reply(request_id)
    counts = api.accepted_replies()
    assert sorted(counts[request_id] for request_id in pushed) == [0] + [1] * (2 * SLOTS - 1), proc.describe()
    assert len(api.of_kind("response")) == 2 * SLOTS, proc.describe()
    assert proc.running and proc.stdout.count(logged) == 1, proc.describe()


def test_a_500_on_response_ends_the_runtime(launch):
    api, proc = _launch(launch, OURS)
    api.reply_with("response", 500)
    api.push({"sleep": 0})
    assert proc.wait(20) == 1, proc.describe()


def test_a_slow_response_holds_up_no_other_slot(launch):
    api, proc = _launch(launch, OURS)
    api.reply_with("response", 202, delay=3.0)
    slow = api.push({"sleep": 0})
    api.wait_reply(slow)
    others = [api.push({"sleep": 0}) for _ in range(2 * (SLOTS - 1))]
    for request_id in others:
        api.wait_reply(request_id)
    assert api.holding == 1, proc.describe()  # every other invoke done while the slow answer is held
    _answered_once(api, [slow, *others], proc)


@pytest.mark.parametrize("fault", ["reset", "cut"])
def test_a_response_whose_answer_is_lost_is_answered_once(launch, fault):
    """The answer to a `/response` is reset or cut after the fake took it: the runtime may send it again
    (a kept-alive connection found closed), the second is refused, and the invoke counts one answer."""
    api, proc = _launch(launch, OURS)
    api.reply_with("response", 202, **{fault: True})
    pushed = [api.push({"sleep": 0.1}) for _ in range(2 * SLOTS)]
    _answered_once(api, pushed, proc)
    more = [api.push({"sleep": 0}) for _ in range(SLOTS)]
    _answered_once(api, pushed + more, proc)
    # A reset before any byte of answer is retried (and refused: 403); a cut answer is not.
    resent = 1 if fault == "reset" else 0
    assert len(api.of_kind("response")) == 3 * SLOTS + resent, proc.describe()
    assert proc.running and proc.stdout.count("LAMBDA_RUNTIME Failed to post the reply") == 1, proc.describe()
