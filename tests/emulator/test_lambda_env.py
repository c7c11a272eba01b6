"""The runtime's environment: exactly Lambda's variables, nothing of the caller's unless asked for."""

from __future__ import annotations

import os
import sys

import pytest

from lambda_native.emulator import Function
from lambda_native.emulator.lambda_env import LAMBDA_PATH

from .conftest import ENV_RUNTIME, HANDLERS

# What sh and env add by themselves.
SHELL_OWN = {"PWD", "SHLVL", "_", "OLDPWD"}


def runtime_env(fn: Function) -> dict[str, str]:
    payload = fn.invoke(b"{}").payload
    return dict(item.split("=", 1) for item in payload.decode().split("\0") if item)


def test_exactly_lambdas_variables(monkeypatch):
    monkeypatch.setenv("CALLER_SECRET", "must not leak")
    with Function(
        ENV_RUNTIME, handler="fn.handler", memory=256, function_name="hello", region="eu-west-1"
    ) as fn:
        env = runtime_env(fn)
        root, api = fn.task_root, fn.runtime_api
    own = {k: v for k, v in env.items() if k not in SHELL_OWN}
    stream = own.pop("AWS_LAMBDA_LOG_STREAM_NAME")
    assert stream.endswith("]" + stream.rsplit("]", 1)[1]) and "/[$LATEST]" in stream
    assert own == {
        "AWS_LAMBDA_RUNTIME_API": api,
        "_HANDLER": "fn.handler",
        "LAMBDA_TASK_ROOT": root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_LAMBDA_FUNCTION_NAME": "hello",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/hello",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
        "_AWS_XRAY_DAEMON_PORT": "2000",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": LAMBDA_PATH,
        "LD_LIBRARY_PATH": (
            f"/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{root}:{root}/lib:/opt/lib"
        ),
    }
    assert env.get("PWD", root) == root


def test_user_variables_and_log_settings():
    env_in = {"GREETING": "a=b=c", "EMPTY": ""}
    with Function(ENV_RUNTIME, env=env_in, log_format="json", log_level="debug") as fn:
        env = runtime_env(fn)
    assert env["GREETING"] == "a=b=c" and env["EMPTY"] == ""
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON" and env["AWS_LAMBDA_LOG_LEVEL"] == "DEBUG"


@pytest.mark.parametrize(("key", "option"), [("AWS_REGION", "--region"), ("_HANDLER", "--handler")])
def test_reserved_variables_are_refused(key, option):
    with pytest.raises(ValueError, match=f"{key} is reserved by Lambda; use {option}"):
        Function(ENV_RUNTIME, env={key: "x"})


def test_a_command_keeps_the_callers_path_and_python_selection(monkeypatch):
    monkeypatch.setenv("VIRTUAL_ENV", "/some/venv")
    monkeypatch.setenv("CALLER_SECRET", "must not leak")
    with Function(HANDLERS, command=[sys.executable, "-m", "awslambdaric", "app.environment"]) as fn:
        env = fn.invoke(b"{}").json()
    assert env["PATH"] == f"{os.environ['PATH']}:{LAMBDA_PATH}"
    assert env["VIRTUAL_ENV"] == "/some/venv"
    assert "CALLER_SECRET" not in env
    assert env["_HANDLER"] == "app.environment"
    assert env["LAMBDA_TASK_ROOT"] == str(HANDLERS)


def test_without_a_handler_setting_handler_is_unset():
    # A native bootstrap then uses the handler it was built with.
    with Function(ENV_RUNTIME) as fn:
        assert "_HANDLER" not in runtime_env(fn)


def test_max_concurrency_is_managed_instances_with_json_logs():
    with Function(ENV_RUNTIME, max_concurrency=4) as fn:
        env = runtime_env(fn)
    assert env["AWS_LAMBDA_MAX_CONCURRENCY"] == "4"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "lambda-managed-instances"
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
