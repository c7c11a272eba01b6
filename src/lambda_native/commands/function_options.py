"""Command-line options shared by `lambda-native invoke` and `lambda-native serve`: what Lambda configures.

Explicit options win over `--template`, which wins over Lambda's defaults (3 s, 128 MB, `$LATEST`).
"""

from __future__ import annotations

import argparse
import os

import orjson

from lambda_native.emulator.lambda_env import FunctionConfig, profile_credentials
from lambda_native.emulator.sandbox import DEFAULT_EPHEMERAL_MB, MAX_EPHEMERAL_MB, check_ephemeral_storage
from lambda_native.emulator.template import read_template


class UsageError(ValueError):
    """A command-line option or one of the files it names is wrong; the message says which and why."""


def add_function_arguments(parser: argparse.ArgumentParser) -> None:
    """The options describing the function (code, handler, limits, environment, logging)."""
    parser.add_argument(
        "path",
        nargs="?",
        help="a function.zip, a folder holding 'bootstrap', or (with a command after --) the task root",
    )
    parser.add_argument("--handler", help="the handler setting, given to the runtime as _HANDLER")
    parser.add_argument("--timeout", type=float, help="seconds before the invoke is killed (default 3)")
    parser.add_argument("--memory", type=int, help="memory size in MB; above it the runtime is killed (128)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="an environment variable for the function (K alone copies K from this shell); repeatable",
    )
    parser.add_argument(
        "--env-file",
        help='variables from a file: K=V lines, or JSON (flat, or SAM\'s {"Function": {...}} form)',
    )
    parser.add_argument(
        "--profile",
        help="give the function this AWS profile's credentials (default: this shell's AWS_ACCESS_KEY_ID... "
        "if set, else fake ones)",
    )
    parser.add_argument("--function-name", help="AWS_LAMBDA_FUNCTION_NAME (default test_function)")
    parser.add_argument("--function-version", help="AWS_LAMBDA_FUNCTION_VERSION (default $LATEST)")
    parser.add_argument("--region", help="AWS_REGION (default us-east-1)")
    parser.add_argument(
        "--log-format",
        type=lambda value: {"text": "Text", "json": "JSON"}.get(value.lower(), value),
        choices=["Text", "JSON"],
        help="Lambda's log format (Text or JSON, any case)",
    )
    parser.add_argument("--log-level", help="application log level: TRACE DEBUG INFO WARN ERROR FATAL")
    parser.add_argument(
        "--cpu", type=int, metavar="N", help="pin the runtime to CPU N (steadier measurements)"
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        metavar="N",
        help="Lambda Managed Instances: one environment serves up to N invokes at once "
        "(AWS_LAMBDA_MAX_CONCURRENCY; logs are JSON)",
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the function as a plain process in its own folder (default: in Lambda's sandbox, the task "
        "root read-only at /var/task, a private /tmp, uid 993, Lambda's PATH)",
    )
    parser.add_argument(
        "--ephemeral-storage",
        type=int,
        metavar="MB",
        help=f"the size of the sandbox's /tmp, {DEFAULT_EPHEMERAL_MB}-{MAX_EPHEMERAL_MB} "
        f"(default {DEFAULT_EPHEMERAL_MB})",
    )
    parser.add_argument(
        "--template",
        nargs="+",
        metavar=("TEMPLATE", "LOGICAL_ID"),
        help="read the function's settings from a SAM/CloudFormation template (put PATH before it)",
    )


def function_settings(args: argparse.Namespace, command: list[str] | None) -> dict:
    """Keyword arguments for `Function` / `Environment` from the parsed options (raises UsageError)."""
    settings: dict = {}
    env: dict[str, str] = {}
    tpl = None
    source = args.path
    region = args.region or "us-east-1"
    if args.template:
        if len(args.template) > 2:
            raise UsageError("--template takes a template file and optionally a logical id")
        try:
            logical_id = args.template[1] if len(args.template) > 1 else None
            tpl = read_template(args.template[0], logical_id, region)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for key, value in (
            ("handler", tpl.handler),
            ("timeout", tpl.timeout),
            ("memory", tpl.memory),
            ("function_name", tpl.function_name),
        ):
            if value is not None:
                settings[key] = value
        env.update(tpl.environment)
        if source is None:
            source = tpl.code_uri
    if args.env_file:
        keys = [tpl.logical_id] if tpl is not None else []
        keys += [name for name in (args.function_name, settings.get("function_name")) if name]
        env.update(read_env_file(args.env_file, keys))
    for item in args.env:
        key, sep, value = item.partition("=")
        if not key:
            raise UsageError(f"--env {item!r}: expected K=V")
        if not sep:
            if key not in os.environ:
                raise UsageError(f"--env {key}: {key} is not set in this shell")
            value = os.environ[key]
        env[key] = value
    for key, value in (
        ("handler", args.handler),
        ("timeout", args.timeout),
        ("memory", args.memory),
        ("function_name", args.function_name),
        ("function_version", args.function_version),
        ("log_format", args.log_format),
        ("log_level", args.log_level),
        ("max_concurrency", args.max_concurrency),
        ("profile", args.profile),
    ):
        if value is not None:
            settings[key] = value
    if args.cpu is not None:
        if args.cpu not in os.sched_getaffinity(0):
            raise UsageError(
                f"--cpu {args.cpu}: this process may only use CPUs {sorted(os.sched_getaffinity(0))}"
            )
        settings["cpu"] = args.cpu
    settings["sandbox"] = not args.no_sandbox
    storage, where = args.ephemeral_storage, "--ephemeral-storage"
    if storage is not None and args.no_sandbox:
        raise UsageError("--ephemeral-storage sizes the sandbox's /tmp: it cannot go with --no-sandbox")
    if storage is None and tpl is not None and not args.no_sandbox:
        storage, where = tpl.ephemeral_storage, f"{tpl.logical_id}.EphemeralStorage.Size"
    if storage is not None:
        try:
            settings["ephemeral_storage"] = check_ephemeral_storage(storage)
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
    settings["region"] = region
    settings["env"] = env
    settings["source"] = source
    settings["command"] = command
    return settings


def sandbox_settings(settings: dict) -> dict:
    """The `Environment` keyword arguments for the sandbox, from `settings`."""
    return {key: settings[key] for key in ("sandbox", "ephemeral_storage") if key in settings}


def read_env_file(path: str, function_keys: list[str] | None = None) -> dict[str, str]:
    """Variables from `path`: `K=V` lines (# comments, optional quotes) or a JSON object.

    JSON in SAM's `--env-vars` form (`{"Parameters": {...}, "<LogicalId or name>": {...}}`) gives the
    `Parameters` merged with the function's own section; any other object is taken as flat variables.
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise UsageError(f"--env-file {path}: {exc.strerror}") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"--env-file {path} is not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise UsageError(f"--env-file {path}: expected a JSON object")
        sections = [key for key in ["Parameters", *(function_keys or [])] if isinstance(doc.get(key), dict)]
        if sections:
            merged: dict = {}
            for key in sections:
                merged.update(doc[key])
            doc = merged
        bad = [k for k, v in doc.items() if isinstance(v, (dict, list))]
        if bad:
            raise UsageError(f"--env-file {path}: values of {', '.join(bad)} are not plain values")
        return {str(k): v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in doc.items()}
    env = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--env-file {path}:{number}: expected K=V, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def config_kwargs(settings: dict) -> dict:
    """The `FunctionConfig` part of `settings`."""
    names = (
        *("handler", "timeout", "memory", "function_name", "region", "log_format", "log_level"),
        "max_concurrency",
    )
    kwargs = {name: settings[name] for name in names if name in settings}
    if "function_version" in settings:
        kwargs["version"] = settings["function_version"]
    if "profile" in settings:
        kwargs["credentials"] = profile_credentials(settings["profile"])
    return kwargs


def make_config(settings: dict) -> FunctionConfig:
    """The function's configuration; the handler defaults as in `Function` (the command's last word)."""
    try:
        kwargs = config_kwargs(settings)
        command = settings.get("command")
        if "handler" not in kwargs and command and len(command) > 1:
            kwargs["handler"] = command[-1]
        return FunctionConfig(**kwargs)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
