"""Process life: where the handler comes from, start-up errors, async handlers, SIGTERM shutdown."""

from __future__ import annotations

import json
import signal
import socket

import pytest

from .process import NATIVE, OFFICIAL, OURS, OURS_AND_NATIVE
from .support import error_doc, invoke, trace_entry

# Features the official client lacks, and ways of starting it that it does not accept.
ours_and_native = pytest.mark.parametrize("impl", OURS_AND_NATIVE)


@ours_and_native
def test_handler_from_argv(impl, launch):
    api, proc = launch(impl, "echo.handler", handler_in_argv=True)
    reply = invoke(api, {"from": "argv"})
    assert json.loads(reply.body) == {"from": "argv"}, proc.describe()


@ours_and_native
def test_argv_handler_wins_over_the_environment(impl, launch):
    api, proc = launch(impl, "echo.describe", handler_in_argv=True, env={"_HANDLER": "echo.handler"})
    reply = invoke(api, {"k": 1})
    assert json.loads(reply.body) == {"type": "dict", "value": {"k": 1}}, proc.describe()


@ours_and_native
def test_without_a_task_root_modules_come_from_the_cwd(impl, launch):
    api, proc = launch(impl, "echo.handler", env={"LAMBDA_TASK_ROOT": None})
    assert json.loads(invoke(api, {"k": 1}).body) == {"k": 1}, proc.describe()


@ours_and_native
def test_task_root_is_on_sys_path_whatever_the_cwd(impl, launch, tmp_path):
    """Modules are found in LAMBDA_TASK_ROOT whatever the working directory."""
    api, proc = launch(impl, "pkg.sub.mod.handler", cwd=tmp_path)
    reply = invoke(api, {})
    assert json.loads(reply.body) == "pkg.sub.mod", proc.describe()


def test_task_root_comes_before_site_packages(impl, launch, tmp_path):
    """The task root's own `yaml.py` wins over the installed PyYAML (ours: whatever the cwd).

    Native: neither module is compiled in (see native.LEFT_OUT), both are imported from the task root.
    """
    api, proc = launch(impl, "shadowing.handler", cwd=None if impl == OFFICIAL else tmp_path)
    assert json.loads(invoke(api, {}).body) == "task root", proc.describe()


def test_missing_runtime_api_variable(impl, launch):
    proc = launch.process(impl, "echo.handler", None)
    assert proc.wait(20) != 0
    assert "AWS_LAMBDA_RUNTIME_API" in proc.stderr, proc.describe()


@ours_and_native
def test_unreachable_runtime_api(impl, launch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    proc = launch.process(impl, "echo.handler", None, env={"AWS_LAMBDA_RUNTIME_API": address})
    assert proc.wait(20) != 0
    assert address in proc.stderr, proc.describe()


@ours_and_native
@pytest.mark.parametrize("address", ["no-port-here", "127.0.0.1:notaport", ""])
def test_malformed_runtime_api_address(impl, launch, address):
    proc = launch.process(impl, "echo.handler", None, env={"AWS_LAMBDA_RUNTIME_API": address})
    assert proc.wait(20) != 0
    assert "AWS_LAMBDA_RUNTIME_API" in proc.stderr, proc.describe()


@ours_and_native
def test_async_handlers_share_one_event_loop(impl, launch):
    api, proc = launch(impl, "async_handlers.handler")
    first = invoke(api, {"n": 1})
    second = invoke(api, {"n": 2})
    one, two = json.loads(first.body), json.loads(second.body)
    assert (one["event"], one["request_id"]) == ({"n": 1}, first.request_id), proc.describe()
    assert (two["event"], two["request_id"]) == ({"n": 2}, second.request_id)
    assert one["loop"] == two["loop"]


@ours_and_native
def test_async_handler_error(impl, launch):
    api, proc = launch(impl, "async_handlers.fail")
    reply = invoke(api, {})
    assert error_doc(reply) == {
        "errorMessage": "async boom",
        "errorType": "ValueError",
        "requestId": reply.request_id,
        "stackTrace": [trace_entry(proc, "async_handlers.py", "async-raise", "fail")],
    }, proc.describe()
    assert invoke(api, {}).kind == "error", "still serving"


@ours_and_native
@pytest.mark.parametrize("after_invoke", [False, True])
def test_sigterm_runs_shutdown_callbacks_and_exits_0(impl, launch, tmp_path, after_invoke):
    marker = tmp_path / "shutdown"
    api, proc = launch(impl, "shutdown_user.handler", env={"SHUTDOWN_MARKER": str(marker)})
    if after_invoke:
        assert json.loads(invoke(api, {}).body) == "alive", proc.describe()
    api.wait_polling(2 if after_invoke else 1)
    proc.signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.describe()
    # Newest first, as documented (and as atexit does); the async one is awaited.
    assert marker.read_text().splitlines() == ["async", "called", "decorated"]


@ours_and_native
def test_a_failing_shutdown_callback_is_reported_and_the_rest_still_run(impl, launch, tmp_path):
    marker = tmp_path / "shutdown"
    api, proc = launch(impl, "shutdown_failing.handler", env={"SHUTDOWN_MARKER": str(marker)})
    api.wait_polling(1)
    proc.signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.describe()
    assert marker.read_text() == "survivor\n"
    assert "shutdown callback failed on purpose" in proc.stderr


def test_healthy_start_and_invoke_print_nothing(impl, launch):
    api, proc = launch(impl, "echo.handler")
    invoke(api, {"quiet": True})
    api.wait_polling(2)
    assert (proc.stdout, proc.stderr) == ("", "")


def test_no_handler_given_is_an_init_error(launch):
    # Not native: a native bootstrap then runs the handler it was built with (next test).
    api, proc = launch(OURS, None)
    assert proc.wait(20) == 1, proc.describe()
    doc = json.loads(api.wait_init_error().body)
    assert doc["errorType"] == "Runtime.MalformedHandlerName"
    assert "_HANDLER" in doc["errorMessage"]


@pytest.mark.native
def test_native_without_a_handler_given_runs_the_one_it_was_built_with(launch):
    api, proc = launch(NATIVE, None)  # built with echo.handler (native.BUILT_HANDLER)
    assert json.loads(invoke(api, {"built": "in"}).body) == {"built": "in"}, proc.describe()


@ours_and_native
def test_async_handler_runs_on_the_loop_set_up_at_init(impl, launch):
    """Objects made at import on the current event loop (clients, futures) stay usable in the handler."""
    api, _ = launch(impl, "async_init_loop.handler")
    for _ in range(2):
        reply = invoke(api, {})
        assert json.loads(reply.body) == {"same_loop": True, "value": "resolved on the init loop"}, reply.body


@ours_and_native
def test_sigterm_without_callbacks_exits_0(impl, launch):
    api, proc = launch(impl, "echo.handler")
    api.wait_polling(1)
    proc.signal(signal.SIGTERM)
    assert proc.wait(20) == 0, proc.describe()
