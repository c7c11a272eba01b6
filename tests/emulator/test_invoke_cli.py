"""`lambda-native invoke` as a user runs it: a real subprocess, real runtimes, stdout and stderr apart."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson

from lambda_native.emulator.platform_log import parse_report
from lambda_native.emulator.sandbox import TASK_ROOT

from .conftest import HANDLERS, SH_RUNTIME, TESTDATA


def lambda_native(*args, stdin: bytes = b"", cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=60,
        cwd=cwd,
    )


def reports(stderr: bytes) -> list[dict]:
    return [parse_report(line) for line in stderr.decode().splitlines() if line.startswith("REPORT ")]


def test_invoke_prints_the_response_on_stdout_and_lambdas_lines_on_stderr(tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"name": "Ada"}')
    run = lambda_native("invoke", SH_RUNTIME, "--event", event)
    assert run.returncode == 0, run.stderr
    assert run.stdout == b'{"name": "Ada"}\n'
    lines = run.stderr.decode().splitlines()
    assert lines[0] == "sh runtime: init, handler=unset"
    assert lines[1].startswith("START RequestId: ") and lines[1].endswith(" Version: $LATEST")
    rid = lines[1].split()[2]
    assert lines[2] == f"sh runtime: invoke {rid}"
    assert lines[3] == f"END RequestId: {rid}"
    fields = parse_report(lines[4])
    assert list(fields) == [
        "RequestId",
        "Duration",
        "Billed Duration",
        "Memory Size",
        "Max Memory Used",
        "Init Duration",
    ]
    assert fields["RequestId"] == rid and fields["Memory Size"] == "128 MB"


def test_event_on_stdin_and_dash():
    for args in (("invoke", SH_RUNTIME), ("invoke", SH_RUNTIME, "--event", "-")):
        run = lambda_native(*args, stdin=b'{"from": "stdin"}')
        assert run.returncode == 0 and run.stdout == b'{"from": "stdin"}\n'


def test_repeat_is_warm_and_cold_restarts():
    warm = lambda_native("invoke", SH_RUNTIME, "--repeat", "3", stdin=b"{}")
    assert warm.stdout == b"{}\n{}\n{}\n"
    assert ["Init Duration" in r for r in reports(warm.stderr)] == [True, False, False]
    cold = lambda_native("invoke", SH_RUNTIME, "--repeat", "2", "--cold", stdin=b"{}")
    assert ["Init Duration" in r for r in reports(cold.stderr)] == [True, True]


def test_non_json_event_file_is_a_clear_error(tmp_path):
    event = tmp_path / "event.json"
    event.write_text("name=Ada")
    run = lambda_native("invoke", SH_RUNTIME, "--event", event)
    assert run.returncode == 2 and run.stdout == b""
    assert f"lambda-native invoke: {event} is not valid JSON (".encode() in run.stderr


def test_missing_event_file(tmp_path):
    run = lambda_native("invoke", SH_RUNTIME, "--event", tmp_path / "none.json")
    assert run.returncode == 2 and b"cannot read event file" in run.stderr


def test_bad_code_is_a_clear_error(tmp_path):
    (tmp_path / "app.py").write_text("")
    run = lambda_native("invoke", tmp_path, stdin=b"{}")
    assert run.returncode == 2
    assert run.stderr.decode() == f"lambda-native invoke: {tmp_path} has no 'bootstrap' (found: app.py)\n"


def test_nothing_to_run():
    run = lambda_native("invoke", stdin=b"{}")
    assert run.returncode == 2 and b"give a function.zip" in run.stderr


def test_function_error_exits_1_with_the_error_document():
    run = lambda_native(
        "invoke", "--", sys.executable, "-m", "awslambdaric", "app.fail", stdin=b"{}", cwd=HANDLERS
    )
    assert run.returncode == 1
    assert orjson.loads(run.stdout)["errorType"] == "ValueError"


def test_command_with_a_task_root_options_and_env(tmp_path):
    env_file = tmp_path / "vars.env"
    env_file.write_text('# comment\nFROM_FILE="quoted value"\nexport OTHER=1\n')
    run = lambda_native(
        "invoke",
        HANDLERS,
        "--memory",
        "256",
        "--timeout",
        "7",
        "--function-name",
        "fn",
        "--function-version",
        "3",
        "--region",
        "ap-south-1",
        "--env",
        "A=1",
        "--env-file",
        env_file,
        "--log-format",
        "JSON",
        "--log-level",
        "info",
        "--",
        sys.executable,
        "-m",
        "lambda_native",
        "app.environment",
        stdin=b"{}",
    )
    assert run.returncode == 0, run.stderr
    env = orjson.loads(run.stdout)
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn" and env["AWS_LAMBDA_FUNCTION_VERSION"] == "3"
    assert env["AWS_REGION"] == "ap-south-1" and env["LAMBDA_TASK_ROOT"] == TASK_ROOT  # in the sandbox
    assert env["A"] == "1" and env["FROM_FILE"] == "quoted value" and env["OTHER"] == "1"
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON" and env["AWS_LAMBDA_LOG_LEVEL"] == "INFO"
    records = [orjson.loads(line) for line in run.stderr.splitlines() if line.startswith(b'{"time"')]
    assert records[-1]["type"] == "platform.report"
    assert records[-1]["record"]["metrics"]["memorySizeMB"] == 256


def test_env_errors(tmp_path):
    run = lambda_native("invoke", SH_RUNTIME, "--env", "AWS_REGION=x", stdin=b"{}")
    assert run.returncode == 2 and b"AWS_REGION is reserved by Lambda; use --region" in run.stderr
    run = lambda_native("invoke", SH_RUNTIME, "--env", "NOT_SET_ANYWHERE_42", stdin=b"{}")
    assert run.returncode == 2 and b"NOT_SET_ANYWHERE_42 is not set in this shell" in run.stderr
    bad = tmp_path / "bad.env"
    bad.write_text("just words\n")
    run = lambda_native("invoke", SH_RUNTIME, "--env-file", bad, stdin=b"{}")
    assert run.returncode == 2 and b"bad.env:1: expected K=V" in run.stderr


def test_template_with_cloudformation_tags():
    run = lambda_native(
        "invoke",
        "--template",
        TESTDATA / "template.yaml",
        "EnvFunction",
        "--",
        sys.executable,
        "-m",
        "lambda_native",
        stdin=b"{}",
    )
    assert run.returncode == 0, run.stderr
    env = orjson.loads(run.stdout)
    assert env["_HANDLER"] == "app.environment" and env["LAMBDA_TASK_ROOT"] == TASK_ROOT  # in the sandbox
    assert (
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and env["AWS_LAMBDA_FUNCTION_NAME"] == "EnvFunction"
    )
    assert env["STAGE"] == "dev" and env["TABLE_ARN"] == "Table.Arn" and env["FROM_GLOBALS"] == "yes"
    assert env["TABLE_NAME"] == "dev-us-east-1-items"
    assert reports(run.stderr)[0]["Memory Size"] == "256 MB"


def test_template_code_uri_with_bootstrap_and_options_winning():
    run = lambda_native(
        "invoke", "--template", TESTDATA / "template.yaml", "EchoFunction", "--memory", "512", stdin=b"[1]"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == b"[1]\n"
    assert b"handler=echo.handler" in run.stderr
    assert reports(run.stderr)[0]["Memory Size"] == "512 MB"


def test_bad_template_is_a_clear_error():
    run = lambda_native("invoke", "--template", TESTDATA / "template.yaml", stdin=b"{}")
    assert run.returncode == 2 and b"name the one to run" in run.stderr


def test_env_file_in_sams_json_form(tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text('{"Parameters": {"P": "1", "X": "global"}, "EnvFunction": {"X": "own", "N": 5}}')
    template = TESTDATA / "template.yaml"
    command = ["--", sys.executable, "-m", "lambda_native"]
    run = lambda_native("invoke", "--template", template, "EnvFunction", "--env-file", env_file, *command)
    assert run.returncode == 0, run.stderr
    env = orjson.loads(run.stdout)
    assert (env["P"], env["X"], env["N"]) == ("1", "own", "5")
    env_file.write_text("[1, 2]")
    run = lambda_native("invoke", "--template", template, "EnvFunction", "--env-file", env_file, *command)
    assert run.returncode == 2 and b"expected a JSON object" in run.stderr


def test_cpu_pins_the_runtime():
    cpu = max(os.sched_getaffinity(0))
    command = ["--", sys.executable, "-m", "lambda_native", "app.affinity"]
    run = lambda_native("invoke", HANDLERS, "--cpu", cpu, *command)
    assert run.returncode == 0, run.stderr
    assert orjson.loads(run.stdout) == [cpu]
    run = lambda_native("invoke", HANDLERS, "--cpu", "4096", *command)
    assert run.returncode == 2 and b"--cpu 4096: this process may only use CPUs" in run.stderr
