"""Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`; ours only): invokes served at once on one init,
each with its own context, request id and trace id, and the contract's retry and failure rules."""

from __future__ import annotations

import json

import pytest

from .process import OURS_AND_NATIVE
from .support import JSON_FRAMES, FrameReader, error_doc, invoke

pytestmark = pytest.mark.parametrize("impl", OURS_AND_NATIVE)


def _launch(launch, impl, handler, slots, **env):
    return launch(impl, handler, env={"AWS_LAMBDA_MAX_CONCURRENCY": str(slots), **env})


def _push_all(api, events):
    """Queue every event at once (each with its own trace id); return [(request id, trace id)]."""
    pushed = []
    for n, event in enumerate(events):
        trace = f"Root=1-5f84c7a5-{n:024x};Parent=53995c3f42cd8ad8;Sampled=1"
        pushed.append((api.push(event, trace_id=trace), trace))
    return pushed


def _log_lines(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("handler", ["slots.slow", "slots.slow_async"])
def test_slow_invokes_overlap_each_with_its_own_context(impl, launch, handler):
    """Four 0.5 s invokes on four slots: all four start before any ends, and every log line and every
    answer carries its own invoke's request id and trace id (JSON logs, as Managed Instances require)."""
    api, proc = _launch(launch, impl, handler, 4)
    pushed = _push_all(api, [{"sleep": 0.5}] * 4)
    replies = {request_id: api.wait_reply(request_id) for request_id, _ in pushed}
    for request_id, trace in pushed:
        answer = json.loads(replies[request_id].body)
        assert answer["request_id"] == request_id, proc.describe()
        assert answer["trace_id"] == answer["getenv"] == trace
    proc.wait_stdout(r'"message": "end"(.|\n)*"message": "end"(.|\n)*"message": "end"(.|\n)*"message": "end"')
    lines = [line for line in _log_lines(proc) if line.get("logger") == "concurrent"]
    assert [line["message"] for line in lines] == ["start"] * 4 + ["end"] * 4, proc.describe()
    traces = dict(pushed)
    for line in lines:
        assert line["trace"] == traces[line["requestId"]]
    assert len({json.loads(reply.body)["pid"] for reply in replies.values()}) == 1
    if handler == "slots.slow_async":
        assert len({json.loads(reply.body)["loop"] for reply in replies.values()}) == 1


def test_the_trace_id_is_absent_between_invokes_and_without_one(impl, launch):
    api, proc = _launch(launch, impl, "slots.slow", 2)
    request_id = api.push({"sleep": 0})
    answer = json.loads(api.wait_reply(request_id).body)
    assert answer["trace_id"] is None and answer["getenv"] is None, proc.describe()


def test_sys_exit_in_one_slot_fails_only_its_invoke(impl, launch):
    api, proc = _launch(launch, impl, "slots.exits", 3)
    pushed = _push_all(api, [{"sleep": 0.3}, {"exit": True}, {"sleep": 0.3}])
    replies = [api.wait_reply(request_id) for request_id, _ in pushed]
    assert [reply.kind for reply in replies] == ["response", "error", "response"], proc.describe()
    doc = error_doc(replies[1])
    assert (doc["errorType"], doc["errorMessage"]) == ("SystemExit", "leaving")
    again = _push_all(api, [{"sleep": 0}] * 3)
    assert all(api.wait_reply(request_id).kind == "response" for request_id, _ in again)


def test_a_crashed_worker_process_loses_no_other_invoke(impl, launch):
    """With a process per slot, a worker that dies takes only its own invoke; the supervisor forks a new
    one from the initialised state (no second init), and every slot serves again."""
    api, proc = _launch(launch, impl, "slots.crash", 3, LAMBDA_NATIVE_PROCESSES="3")
    pushed = _push_all(api, [{"sleep": 0.5}, {"crash": True}, {"sleep": 0.5}])
    first, _, last = (request_id for request_id, _ in pushed)
    assert api.wait_reply(first).kind == api.wait_reply(last).kind == "response", proc.describe()
    proc.wait_stderr(r"worker \d+ ended \(exit status 3\); starting another for its 1 slot")
    again = _push_all(api, [{"sleep": 0.3}] * 3)
    answers = [json.loads(api.wait_reply(request_id).body) for request_id, _ in again]
    assert len({answer["pid"] for answer in answers}) == 3
    assert proc.running


def test_next_failing_twice_then_recovering(impl, launch):
    api, proc = _launch(launch, impl, "echo.handler", 1)
    api.wait_polling(1)
    api.push_status(502)
    api.push_status(503)
    reply = invoke(api, {"after": "retries"})
    assert json.loads(reply.body) == {"after": "retries"}, proc.describe()
    warnings = [line for line in _log_lines(proc) if "Failed to get the next invoke" in line["message"]]
    assert len(warnings) == 2
    assert "retrying in 0.1 s" in warnings[0]["message"] and "retrying in 0.2 s" in warnings[1]["message"]


def test_next_failing_five_times_ends_the_process(impl, launch):
    api, proc = _launch(launch, impl, "echo.handler", 1)
    for _ in range(5):
        api.push_status(502)
    assert proc.wait(20) == 1, proc.describe()
    assert "Runtime API replied 502" in proc.stderr


@pytest.mark.parametrize("status", [400, 403, 413])
def test_a_failed_reply_is_logged_and_the_loop_goes_on(impl, launch, status):
    api, proc = _launch(launch, impl, "echo.handler", 2)
    api.reply_with("response", status)
    invoke(api, {"n": 1})
    assert json.loads(invoke(api, {"n": 2}).body) == {"n": 2}, proc.describe()
    assert proc.running


def test_init_error_403_is_ignored(impl, launch):
    """Another runtime process already reported the init error: ours exits 1 without complaining."""
    api, proc = _launch(launch, impl, "import_error.handler", 2)
    api.reply_with("init_error", 403)
    assert proc.wait(20) == 1, proc.describe()
    assert api.of_kind("init_error")
    assert "403" not in proc.stderr


@pytest.mark.parametrize("value", ["0", "eight", "-1", ""])
def test_a_bad_max_concurrency_is_named(impl, launch, value):
    proc = launch.process(impl, "echo.handler", launch.api(), env={"AWS_LAMBDA_MAX_CONCURRENCY": value})
    assert proc.wait(20) == 2, proc.describe()
    assert f"AWS_LAMBDA_MAX_CONCURRENCY={value!r}" in proc.stderr


def test_streams_at_once(impl, launch):
    api, proc = _launch(launch, impl, "streams.paced", 2)
    pushed = _push_all(api, [{"pause": 0.3}] * 2)
    replies = [api.wait_reply(request_id) for request_id, _ in pushed]
    for reply in replies:
        assert [data for _, data in reply.chunks] == [b"one", b"two"], proc.describe()
    # Both streams were open at once: each one's first chunk came before the other's end.
    assert replies[0].chunks[0][0] < replies[1].ended and replies[1].chunks[0][0] < replies[0].ended


def test_async_handlers_run_on_the_loop_made_at_init(impl, launch):
    api, proc = _launch(launch, impl, "async_init_loop.handler", 3)
    pushed = _push_all(api, [{}] * 3)
    for request_id, _ in pushed:
        answer = json.loads(api.wait_reply(request_id).body)
        assert answer == {"same_loop": True, "value": "resolved on the init loop"}, proc.describe()


def test_forked_workers_make_their_own_event_loop(impl, launch):
    """An inherited loop's selector is the parent's: each forked worker runs async handlers on a new one."""
    api, proc = _launch(launch, impl, "slots.slow_async", 4, LAMBDA_NATIVE_PROCESSES="2")
    pushed = _push_all(api, [{"sleep": 0.3}] * 4)
    answers = [json.loads(api.wait_reply(request_id).body) for request_id, _ in pushed]
    assert len({answer["pid"] for answer in answers}) == 2, proc.describe()
    assert all(
        answer["request_id"] == request_id for answer, (request_id, _) in zip(answers, pushed, strict=True)
    )


def test_framed_logs_stay_whole_frames_with_slots_interleaved(impl, launch):
    """On the telemetry fd, every slot's lines are JSON frames of their own (never cut by another's)."""
    reader = FrameReader()
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "4", "_LAMBDA_TELEMETRY_LOG_FD": str(reader.write_fd)}
    api, proc = launch(impl, "slots.slow", env=env, pass_fds=(reader.write_fd,))
    reader.start()
    pushed = _push_all(api, [{"sleep": 0.2}] * 4)
    for request_id, _ in pushed:
        api.wait_reply(request_id)
    traces = dict(pushed)
    for request_id in traces:
        reader.containing(f'"message": "end", "logger": "concurrent", "requestId": "{request_id}"')
    records = [json.loads(frame.payload) for frame in reader.frames]
    assert {frame.type for frame in reader.frames} == {JSON_FRAMES["INFO"]}, proc.describe()
    assert sorted(record["message"] for record in records) == ["end"] * 4 + ["start"] * 4
    assert all(record["trace"] == traces[record["requestId"]] for record in records)
