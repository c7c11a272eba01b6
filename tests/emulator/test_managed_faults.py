"""Managed Instances under faults, as the emulator plays them with `max_concurrency`: a timeout fails its
invoke alone (the runtime runs on, the slot stays busy until the late reply, which gets RAPID's 410), a
dead worker process fails only the invokes it held, and an invoke finding every slot busy is refused
with Lambda's 429. Real runtimes, real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from lambda_native.emulator import Function, workers
from lambda_native.emulator.memory import session_members

from .conftest import OUR_RUNTIME, RUNTIME_HANDLERS
from .test_serve import Server


def _records(lines: list[str]) -> list[dict]:
    return [orjson.loads(line) for line in lines if line.startswith('{"time"')]


def test_a_timeout_fails_its_invoke_alone_and_the_runtime_goes_on():
    lines: list[str] = []
    command = [*OUR_RUNTIME, "slots.slow"]
    with (
        Function(RUNTIME_HANDLERS, command=command, max_concurrency=2, timeout=1.0, log=lines.append) as fn,
        ThreadPoolExecutor(2) as pool,
    ):
        fn.init()
        overrun = pool.submit(fn.invoke, {"sleep": 2.0})
        time.sleep(0.2)
        quick = fn.invoke({"sleep": 0.1})
        timed_out = overrun.result()
        assert timed_out.error_type == "Sandbox.Timedout" and timed_out.status == "timeout"
        assert timed_out.payload == b"Task timed out after 1.00 seconds"
        assert quick.ok and fn.running
        during = fn.invoke({"sleep": 0})  # served by the other slot while the overrun still runs
        time.sleep(1.3)  # the overrun's handler returns; its late reply frees its slot
        after = [fn.invoke({"sleep": 0}) for _ in range(2)]
    pids = {orjson.loads(r.payload)["pid"] for r in (quick, during, *after)}
    assert len(pids) == 1 and all(r.ok for r in (during, *after))
    reports = [r["record"] for r in _records(lines) if r["type"] == "platform.report"]
    assert [r["status"] for r in reports if r["requestId"] == timed_out.request_id] == ["timeout"]
    assert any(f"{timed_out.request_id} Task timed out after 1.00 seconds" in line for line in lines)
    late = [line for line in lines if "had already timed out when its reply was posted (HTTP 410)" in line]
    assert len(late) == 1 and timed_out.request_id in late[0]


def test_a_dead_worker_fails_only_its_own_invokes():
    lines: list[str] = []
    with (
        Function(
            RUNTIME_HANDLERS,
            command=[*OUR_RUNTIME, "slots.crash"],
            max_concurrency=2,
            env={"LAMBDA_NATIVE_PROCESSES": "2"},
            log=lines.append,
        ) as fn,
        ThreadPoolExecutor(2) as pool,
    ):
        fn.init()
        survivor = pool.submit(fn.invoke, {"sleep": 0.6})
        time.sleep(0.2)
        crashed = fn.invoke({"crash": True})
        assert survivor.result().ok
        assert fn.running
        again = [fn.invoke({"sleep": 0}) for _ in range(3)]
    assert crashed.error_type == "Runtime.ExitError"
    message = f"RequestId: {crashed.request_id} Error: Runtime exited with error: exit status 3"
    assert orjson.loads(crashed.payload)["errorMessage"] == message
    assert message in lines
    assert all(r.ok for r in again)
    assert sum(r.cold for r in again) == 0  # no second init


def test_a_dead_thread_slot_runtime_fails_every_invoke_in_flight():
    """The default (one process, thread slots): a hard crash takes the process, so each invoke it held
    gets `Runtime.ExitError`, and the next invoke starts a new runtime."""
    with (
        Function(RUNTIME_HANDLERS, command=[*OUR_RUNTIME, "slots.crash"], max_concurrency=2) as fn,
        ThreadPoolExecutor(2) as pool,
    ):
        fn.init()
        other = pool.submit(fn.invoke, {"sleep": 1.0})
        time.sleep(0.2)
        crashed = fn.invoke({"crash": True})
        assert {crashed.error_type, other.result().error_type} == {"Runtime.ExitError"}
        assert fn.invoke({"sleep": 0}).cold


def test_serve_refuses_an_invoke_beyond_the_slots_as_lambda_does():
    server = Server(RUNTIME_HANDLERS, "--handler", "slots.slow", "--max-concurrency", "2", "--", *OUR_RUNTIME)
    try:
        server.invoke({"sleep": 0})  # initialised
        with ThreadPoolExecutor(2) as pool:
            busy = [pool.submit(server.invoke, {"sleep": 1.0}) for _ in range(2)]
            time.sleep(0.4)
            refused = server.invoke({"sleep": 0})
            assert all(reply.result().status == 200 for reply in busy)
        assert refused.status == 429
        assert refused.headers["X-Amzn-ErrorType"] == "TooManyRequestsException"
        assert refused.json() == {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded."}
        assert server.invoke({"sleep": 0}).status == 200
    finally:
        lines = server.close()
    refusals = [line for line in lines if "invoke refused, every slot is busy" in line]
    assert len(refusals) == 1


def test_serve_keeps_a_timed_out_invokes_slot_busy_until_its_handler_returns():
    server = Server(
        RUNTIME_HANDLERS,
        *("--handler", "slots.slow", "--max-concurrency", "1", "--timeout", "1"),
        *("--", *OUR_RUNTIME),
    )
    try:
        server.invoke({"sleep": 0})
        t0 = time.monotonic()
        timed_out = server.invoke({"sleep": 2.0})
        assert timed_out.status == 200 and timed_out.data == b"Task timed out after 1.00 seconds"
        assert timed_out.headers["X-Amz-Function-Error"] == "Unhandled"
        assert server.invoke({"sleep": 0}).status == 429  # its handler still holds the one slot
        time.sleep(max(0.0, 2.4 - (time.monotonic() - t0)))
        assert server.invoke({"sleep": 0}).status == 200
    finally:
        server.close()


@pytest.mark.parametrize(("script", "expected"), [("exit 5", 5), ("kill -9 $$", -9), ("exit 0", 0)])
def test_exit_status_of_a_process_reaped_by_its_parent(script, expected):
    """How a runtime worker ended, read through a pidfd although its own parent (not us) reaped it."""
    proc = subprocess.Popen(["sh", "-c", f"sleep 0.3; {script}"])
    pidfd = workers.watch(proc.pid)
    try:
        assert workers.exit_status(proc.pid, pidfd) == (False, None)
        proc.wait()
        assert workers.exit_status(proc.pid, pidfd) == (True, expected)
    finally:
        os.close(pidfd)


def test_connection_owner_finds_the_process_holding_the_socket():
    listener = socket.create_server(("127.0.0.1", 0))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket,sys,time; s=socket.create_connection(('127.0.0.1',"
            f"{listener.getsockname()[1]})); print(s.getsockname()[1], flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        peer_port = int(child.stdout.readline())
        members = [os.getpid(), child.pid]
        assert workers.connection_owner(peer_port, listener.getsockname()[1], members) == child.pid
        assert workers.connection_owner(peer_port, listener.getsockname()[1], [os.getpid()]) is None
    finally:
        child.kill()
        child.wait()
        listener.close()


def test_native_code_at_init_gets_a_worker_per_slot_so_a_crash_costs_one_invoke():
    """No LAMBDA_NATIVE_PROCESSES: the init loaded an extension module of its own, so the runtime forks a
    worker per slot from the initialised state; a crash fails its own invoke and no other, with no
    second init."""
    with (
        Function(RUNTIME_HANDLERS, command=[*OUR_RUNTIME, "native_slots.crash"], max_concurrency=3) as fn,
        ThreadPoolExecutor(3) as pool,
    ):
        fn.init()
        others = [pool.submit(fn.invoke, {"sleep": 0.6}) for _ in range(2)]
        time.sleep(0.2)
        crashed = fn.invoke({"crash": True})
        assert crashed.error_type == "Runtime.ExitError"
        assert [other.result().ok for other in others] == [True, True]
        served = [orjson.loads(other.result().payload)["pid"] for other in others]
        assert len(set(served)) == 2 and fn.running
        assert not any(fn.invoke({"sleep": 0}).cold for _ in range(3))


def test_pure_python_at_init_keeps_one_process():
    with Function(RUNTIME_HANDLERS, command=[*OUR_RUNTIME, "slots.slow"], max_concurrency=3) as fn:
        fn.init()
        assert len(session_members(fn.environment.proc.pid)) == 1
