"""Shared helpers for the emulator tests: fixture paths, runtimes to run, REPORT parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lambda_native.emulator import Function
from lambda_native.emulator.platform_log import parse_report

TESTDATA = Path(__file__).parent / "testdata"
HANDLERS = TESTDATA / "handlers"
SH_RUNTIME = TESTDATA / "sh_runtime"
ENV_RUNTIME = TESTDATA / "env_runtime"
PROBE = [sys.executable, str(TESTDATA / "probe_runtime.py")]
# The runtime tests' handlers: streaming (streams.py) and concurrent (slots.py) ones among them.
RUNTIME_HANDLERS = Path(__file__).parents[1] / "runtime" / "testdata"
OUR_RUNTIME = [sys.executable, "-m", "lambda_native"]

# The two Python runtimes: ours, interpreted, and the official client.
PYTHON_RUNTIMES = {
    "lambda_native": [sys.executable, "-m", "lambda_native"],
    "awslambdaric": [sys.executable, "-m", "awslambdaric"],
}


def python_function(runtime: str, handler: str, **kwargs) -> Function:
    """A Function running `handler` from testdata/handlers under `runtime` (the handler is also argv[1])."""
    return Function(HANDLERS, command=[*PYTHON_RUNTIMES[runtime], handler], handler=handler, **kwargs)


def probe_function(**kwargs) -> Function:
    """A Function running the scripted probe runtime (stdlib only, starts fast)."""
    return Function(TESTDATA, command=PROBE, handler="probe", **kwargs)


def report_fields(result) -> dict[str, str]:
    """The REPORT line of an invoke, parsed."""
    return parse_report(result.report)


def process_alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(params=sorted(PYTHON_RUNTIMES))
def python_runtime(request) -> str:
    """Each Python runtime in turn."""
    return request.param
