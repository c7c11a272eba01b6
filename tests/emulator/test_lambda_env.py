"""The runtime's environment: exactly Lambda's variables, nothing of the caller's unless asked for."""

from __future__ import annotations

import os
import sys

import pytest

from lambda_native.commands.invoke import main as invoke_main
from lambda_native.emulator import Function
from lambda_native.emulator.lambda_env import CREDENTIAL_VARIABLES, FAKE_CREDENTIALS, LAMBDA_PATH

from .conftest import ENV_RUNTIME, HANDLERS

# What sh and env add by themselves.
SHELL_OWN = {"PWD", "SHLVL", "_", "OLDPWD"}


def runtime_env(fn: Function) -> dict[str, str]:
    payload = fn.invoke(b"{}").payload
    return dict(item.split("=", 1) for item in payload.decode().split("\0") if item)


@pytest.fixture
def no_caller_credentials(monkeypatch):
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_exactly_lambdas_variables(monkeypatch, no_caller_credentials):
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
        # No credentials in the caller's environment: plainly fake ones, as Lambda always sets some.
        **FAKE_CREDENTIALS,
    }
    assert env.get("PWD", root) == root


def test_the_callers_credentials_are_the_functions(monkeypatch, no_caller_credentials):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCALLER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
    with Function(ENV_RUNTIME) as fn:
        env = runtime_env(fn)
    # Long-term keys have no session token: none is made up.
    assert {name: env.get(name) for name in CREDENTIAL_VARIABLES} == {
        "AWS_ACCESS_KEY_ID": "AKIDCALLER",
        "AWS_SECRET_ACCESS_KEY": "caller-secret",
        "AWS_SESSION_TOKEN": None,
    }


@pytest.fixture
def aws_files(tmp_path, monkeypatch):
    credentials, config = tmp_path / "credentials", tmp_path / "config"
    credentials.write_text("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n")
    config.write_text(
        "[profile staging]\naws_access_key_id = ASIASTAGING\naws_secret_access_key = staging-secret\n"
        "aws_session_token = staging-token\nregion = eu-west-1\n"
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCALLER")  # a profile wins over the caller's own
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("dev", ("AKIDDEV", "dev-secret", None)),
        ("staging", ("ASIASTAGING", "staging-secret", "staging-token")),
    ],
)
def test_a_profile_gives_its_credentials(aws_files, profile, expected):
    with Function(ENV_RUNTIME, profile=profile) as fn:
        env = runtime_env(fn)
    assert tuple(env.get(name) for name in CREDENTIAL_VARIABLES) == expected


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("missing", "--profile missing: no such profile in .*credentials or .*config"),
        ("sso", r"--profile sso: \[profile sso\] in .*config has no static credentials .*export-credentials"),
    ],
)
def test_a_profile_without_credentials_is_a_clear_error(aws_files, tmp_path, capsys, profile, message):
    with pytest.raises(ValueError, match=message):
        Function(ENV_RUNTIME, profile=profile)
    event = tmp_path / "event.json"
    event.write_text("{}")
    assert invoke_main([str(ENV_RUNTIME), "--profile", profile, "--event", str(event)]) == 2
    assert capsys.readouterr().err.startswith(f"lambda-native invoke: --profile {profile}: ")


def test_credentials_cannot_be_set_as_variables():
    with pytest.raises(ValueError, match="AWS_SESSION_TOKEN is reserved by Lambda; use --profile"):
        Function(ENV_RUNTIME, env={"AWS_SESSION_TOKEN": "x"})


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
