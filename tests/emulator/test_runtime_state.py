"""The Runtime API's state table, driven call by call with no server, process or clock."""

from __future__ import annotations

import pytest

from lambda_native.emulator import runtime_state as rs
from lambda_native.emulator.runtime_state import RuntimeAPIState, StateError


def initialised(*request_ids: str) -> RuntimeAPIState:
    """A runtime that has finished its init and asks `/next`, with `request_ids` queued."""
    state = RuntimeAPIState()
    state.spawned()
    assert state.next() == (rs.PARK, None)
    for request_id in request_ids:
        state.queued(request_id)
    return state


def test_a_cold_invoke_from_spawn_to_done():
    state = RuntimeAPIState()
    assert state.runtime == rs.STOPPED
    state.queued("a")
    state.spawned()
    assert (state.runtime, state.state_of("a")) == (rs.INITIALIZING, rs.QUEUED)
    assert state.busy  # the init is watched
    assert state.next() == (rs.HAND_OUT, "a")
    assert (state.runtime, state.state_of("a")) == (rs.READY, rs.INVOKING)
    assert state.reply("a") is None
    assert state.state_of("a") == rs.REPLYING and state.busy
    state.finish("a")
    assert state.state_of("a") == rs.DONE and not state.busy
    state.forget("a")
    assert state.invocations == {}
    assert state.state_of("a") == rs.DONE  # still recognised by a late reply
    assert state.next() == (rs.PARK, None)


def test_a_second_next_during_an_invoke_redelivers_and_one_after_the_reply_parks():
    state = initialised("a")
    assert state.next() == (rs.HAND_OUT, "a")
    assert state.next() == (rs.REDELIVER, "a")
    assert state.reply("a") is None
    assert state.next() == (rs.PARK, None)


def test_the_oldest_queued_invocation_is_handed_out_first():
    state = initialised("a", "b")
    assert state.next() == (rs.HAND_OUT, "a")
    assert state.next() == (rs.HAND_OUT, "b")
    assert state.next() == (rs.REDELIVER, "a")


def test_replies_are_refused_as_rapid_refuses_them():
    state = initialised("a")
    unknown = state.reply("nobody")
    assert (unknown.status, unknown.error_type) == (400, "InvalidRequestID")
    assert state.reply("a").status == 400  # queued: its id was never handed out
    state.next()
    assert state.reply("a") is None
    second = state.reply("a")
    assert (second.status, second.error_type) == (403, "InvalidStateTransition")
    assert second.body() == (
        b'{"errorMessage":"State transition from ResponseSent to ResponseSent failed for runtime. '
        b'Error: State transition is not allowed","errorType":"InvalidStateTransition"}'
    )
    state.finish("a")
    state.forget("a")
    assert state.reply("a").status == 403


def test_an_invoke_that_ended_without_a_reply_refuses_a_late_one():
    state = initialised("a")
    state.next()
    state.finish("a")  # timed out
    assert state.reply("a").status == 403
    assert state.next() == (rs.PARK, None)


def test_init_error_is_accepted_only_while_initialising():
    state = RuntimeAPIState()
    assert state.init_error().status == 403
    state.spawned()
    assert state.init_error() is None
    assert state.runtime == rs.INITIALIZING
    state.next()
    refusal = state.init_error()
    assert (refusal.status, refusal.error_type) == (403, "InvalidStateTransition")
    assert "from Ready to InitError" in refusal.message


def test_without_a_runtime_next_is_refused_and_an_exit_stops_it():
    state = RuntimeAPIState()
    assert state.next() == (rs.REFUSE, None)
    state.spawned()
    state.queued("a")
    state.next()
    state.exited()
    assert state.runtime == rs.STOPPED
    assert state.next() == (rs.REFUSE, "a")
    assert state.state_of("a") == rs.INVOKING  # until the environment judges the exit


def test_finishing_twice_changes_nothing():
    state = initialised("a")
    state.finish("a")
    state.finish("a")
    assert state.state_of("a") == rs.DONE


@pytest.mark.parametrize(
    ("setup", "event", "message"),
    [
        (lambda s: s.spawned(), lambda s: s.spawned(), "spawn is not allowed in state Initializing"),
        (lambda s: None, lambda s: s.exited(), "exit is not allowed in state Stopped"),
        (lambda s: s.queued("a"), lambda s: s.queued("a"), "already queued"),
        (lambda s: s.queued("a"), lambda s: s.forget("a"), "forgotten before it is done"),
    ],
)
def test_events_the_platform_cannot_cause_are_errors(setup, event, message):
    state = RuntimeAPIState()
    setup(state)
    with pytest.raises(StateError, match=message):
        event(state)


def test_the_tables_cover_every_state_they_can_meet():
    for invocation in (None, rs.QUEUED, rs.INVOKING):  # what `/next` can concern
        assert (rs.STOPPED, invocation) in rs.NEXT_TRANSITIONS
        assert (rs.READY, invocation) in rs.NEXT_TRANSITIONS
    assert set(rs.REPLY_TRANSITIONS) == {None, rs.QUEUED, rs.INVOKING, rs.REPLYING, rs.DONE}
    assert set(rs.INIT_ERROR_TRANSITIONS) == {rs.STOPPED, rs.INITIALIZING, rs.READY}


def test_with_concurrency_each_next_takes_a_queued_invocation_or_parks():
    """Managed Instances: a `/next` during an invoke is another worker's, so it never re-delivers."""
    state = RuntimeAPIState(concurrent=True)
    state.spawned()
    for request_id in ("a", "b"):
        state.queued(request_id)
    assert state.next() == (rs.HAND_OUT, "a")
    assert state.next() == (rs.HAND_OUT, "b")
    assert state.next() == (rs.PARK, None)
    assert state.reply("b") is None and state.reply("a") is None
    state.finish("b")
    assert state.state_of("a") == rs.REPLYING and state.busy
