"""The environment variables Lambda gives a `provided.al2023` runtime, and nothing of the caller's.

Values follow the runtime contract (section 1.12). In Lambda's sandbox (emulator.sandbox) the task root
is /var/task and PATH is Lambda's alone, as on Lambda. Outside it, paths that Lambda fixes at /var/task
point at the real task root, and a runtime started as a command (`-- python -m awslambdaric
app.handler`) also keeps the caller's PATH in front of Lambda's. A command runtime keeps the variables
that select a Python installation (`VIRTUAL_ENV`, `PYTHONHOME`, `PYTHONPATH`, `CONDA_PREFIX`,
`PYENV_VERSION`) either way, so the same interpreter runs with the same packages as in the caller's shell.

Lambda always gives the function its execution role's credentials (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); here they are the caller's, from the environment or an AWS
profile (as `sam local invoke` does), else plainly fake ones, so an AWS SDK never walks its credential
chain on to the instance metadata service (a link-local address: a hang or a confusing error locally).
"""

from __future__ import annotations

import configparser
import os
import time
import uuid

LAMBDA_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LAMBDA_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{task}:{task}/lib:/opt/lib"
)
MANAGED_INSTANCES = "lambda-managed-instances"
COMMAND_INHERITED = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "CONDA_PREFIX", "PYENV_VERSION")

# Variables set from the function's configuration: `--env` may not override them (Lambda refuses them as
# "reserved keys"); the value is the option that sets them.
RESERVED = {
    "_HANDLER": "--handler",
    "AWS_LAMBDA_RUNTIME_API": None,
    "LAMBDA_TASK_ROOT": None,
    "LAMBDA_RUNTIME_DIR": None,
    "AWS_REGION": "--region",
    "AWS_DEFAULT_REGION": "--region",
    "AWS_LAMBDA_FUNCTION_NAME": "--function-name",
    "AWS_LAMBDA_FUNCTION_VERSION": "--function-version",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "--memory",
    "AWS_LAMBDA_LOG_GROUP_NAME": "--function-name",
    "AWS_LAMBDA_LOG_STREAM_NAME": None,
    "AWS_LAMBDA_INITIALIZATION_TYPE": None,
    "AWS_LAMBDA_LOG_FORMAT": "--log-format",
    "AWS_LAMBDA_LOG_LEVEL": "--log-level",
    "AWS_LAMBDA_MAX_CONCURRENCY": "--max-concurrency",
    "AWS_ACCESS_KEY_ID": "--profile, or set it in this shell",
    "AWS_SECRET_ACCESS_KEY": "--profile, or set it in this shell",
    "AWS_SESSION_TOKEN": "--profile, or set it in this shell",
}

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# What the function gets when the caller has no credentials: accepted by local stand-ins (moto,
# LocalStack), refused by AWS, and recognisable in any log.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDANATIVEFAKE",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key-of-the-lambda-native-emulator",
    "AWS_SESSION_TOKEN": "fake-session-token-of-the-lambda-native-emulator",
}
# Profile settings -> the variables they become.
_PROFILE_KEYS = {
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "aws_session_token": "AWS_SESSION_TOKEN",
}


def caller_credentials(environ=None) -> dict[str, str] | None:
    """The credentials in the caller's environment (a key id and secret, and the token if set), or None."""
    environ = os.environ if environ is None else environ
    if not environ.get("AWS_ACCESS_KEY_ID") or not environ.get("AWS_SECRET_ACCESS_KEY"):
        return None
    return {name: environ[name] for name in CREDENTIAL_VARIABLES if environ.get(name)}


def profile_credentials(profile: str, environ=None) -> dict[str, str]:
    """The static credentials of an AWS profile, from the shared credentials file and then the config
    file (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, default ~/.aws/); ValueError saying why not."""
    environ = os.environ if environ is None else environ
    home = os.path.expanduser("~")
    files = (
        (environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"), profile),
        (
            environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"),
            profile if profile == "default" else f"profile {profile}",
        ),
    )
    searched = []
    for path, section in files:
        searched.append(path)
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise ValueError(f"--profile {profile}: cannot read {path}: {exc}") from None
        if not parser.has_section(section):
            continue
        found = {_PROFILE_KEYS[key]: value for key, value in parser.items(section) if key in _PROFILE_KEYS}
        if "AWS_ACCESS_KEY_ID" in found and "AWS_SECRET_ACCESS_KEY" in found:
            return found
        raise ValueError(
            f"--profile {profile}: [{section}] in {path} has no static credentials (aws_access_key_id and "
            "aws_secret_access_key); for SSO or role profiles, export them first: "
            f'eval "$(aws configure export-credentials --profile {profile} --format env)"'
        )
    raise ValueError(f"--profile {profile}: no such profile in {' or '.join(searched)}")


def function_credentials() -> dict[str, str]:
    """What the function's execution role would give it when no credentials (or `--profile`, see
    `profile_credentials`) are given: the caller's, else fake ones."""
    return caller_credentials() or dict(FAKE_CREDENTIALS)


class FunctionConfig:
    """How the function is configured in Lambda: what `aws lambda create-function` would be told.

    Lambda always sets `_HANDLER`; here it is left unset when no handler is known, so a native bootstrap
    falls back to the handler it was built with. `max_concurrency` (Lambda Managed Instances) lets one
    environment serve that many invokes at once; its logs are then JSON, as Managed Instances require.
    """

    __slots__ = (
        "credentials",
        "function_name",
        "handler",
        "log_format",
        "log_level",
        "max_concurrency",
        "memory",
        "region",
        "timeout",
        "version",
    )

    def __init__(
        self,
        *,
        handler: str | None = None,
        timeout: float = 3.0,
        memory: int = 128,
        function_name: str = "test_function",
        version: str = "$LATEST",
        region: str = "us-east-1",
        log_format: str | None = None,
        log_level: str | None = None,
        max_concurrency: int | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if not 1 <= memory <= 10240:
            raise ValueError(f"memory must be between 1 and 10240 MB, got {memory}")
        if log_format is not None and log_format.lower() not in ("json", "text"):
            raise ValueError(f"log format must be JSON or Text, got {log_format!r}")
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError(f"max concurrency must be at least 1, got {max_concurrency}")
        if max_concurrency is not None and log_format is not None and log_format.lower() != "json":
            raise ValueError("Lambda Managed Instances (max concurrency) take JSON logs only")
        self.handler = handler
        self.timeout = float(timeout)
        self.memory = int(memory)
        self.function_name = function_name
        self.version = version
        self.region = region
        self.log_format = None if log_format is None else ("JSON" if log_format.lower() == "json" else "Text")
        self.log_level = log_level.upper() if log_level else None
        self.max_concurrency = max_concurrency
        if max_concurrency is not None:
            self.log_format = "JSON"
        # The execution role's credentials: the caller's (or fake ones) unless given.
        self.credentials = dict(credentials) if credentials is not None else function_credentials()

    @property
    def function_arn(self) -> str:
        """The ARN the runtime sees as `invoked_function_arn` (the RIE's account id)."""
        return f"arn:aws:lambda:{self.region}:012345678912:function:{self.function_name}"


def check_user_env(env: dict[str, str]) -> None:
    """Refuse user variables that Lambda reserves, naming the option to use instead."""
    for key in env:
        if key in RESERVED:
            hint = f"; use {RESERVED[key]}" if RESERVED[key] else ""
            raise ValueError(f"environment variable {key} is reserved by Lambda{hint}")


def runtime_environment(
    config: FunctionConfig,
    *,
    runtime_api: str,
    task_root: str,
    user_env: dict[str, str],
    inherit_path: bool,
    caller_path: bool = True,
) -> dict[str, str]:
    """The complete environment of the runtime process; `caller_path=False` (in Lambda's sandbox) leaves
    a command runtime Lambda's PATH alone."""
    stream = time.strftime("%Y/%m/%d", time.gmtime()) + f"/[{config.version}]{uuid.uuid4().hex}"
    env = {
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"
        if config.max_concurrency is None
        else MANAGED_INSTANCES,
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
        "_AWS_XRAY_DAEMON_PORT": "2000",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": LAMBDA_PATH,
        "LD_LIBRARY_PATH": LAMBDA_LD_LIBRARY_PATH.format(task=task_root),
        **config.credentials,
    }
    if config.handler is not None:
        env["_HANDLER"] = config.handler
    if config.log_format:
        env["AWS_LAMBDA_LOG_FORMAT"] = config.log_format
    if config.log_level:
        env["AWS_LAMBDA_LOG_LEVEL"] = config.log_level
    if config.max_concurrency is not None:
        env["AWS_LAMBDA_MAX_CONCURRENCY"] = str(config.max_concurrency)
    if inherit_path:
        if caller_path and os.environ.get("PATH"):
            env["PATH"] = f"{os.environ['PATH']}:{LAMBDA_PATH}"
        env.update((key, os.environ[key]) for key in COMMAND_INHERITED if key in os.environ)
    env.update(user_env)
    return env
