"""Runs the import probe (builder/import_probe.py) in a child interpreter, the one Nuitka compiles for.

Both the stdlib trim (what extension modules import from C) and precompile (what the function's libraries
load and generate) ask a real interpreter instead of guessing. A child that dies or hangs is reported,
never raised: the build says so and carries on with what its static scan found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

# A library import that takes this long at build time is not waited for.
TIMEOUT_SECONDS = 120


class ProbeResult:
    """What a probe found: modules loaded (name -> origin: a file, "built-in" or ""), statements that
    raised ([statement, error]), the number of code objects recorded and the file they were written to
    (None when none was asked for), and `reason` when the child itself failed (then nothing else)."""

    __slots__ = ("codes", "codes_path", "failed", "loaded", "reason")

    def __init__(
        self, loaded=(), failed=(), codes: int = 0, reason: str = "", codes_path: str | None = None
    ) -> None:
        self.loaded = dict(loaded)
        self.failed = [tuple(pair) for pair in failed]
        self.codes = codes
        self.codes_path = codes_path
        self.reason = reason


def run_probe(
    statements: list[str],
    python_path: list[str],
    cwd: str | None = None,
    codes_path: str | None = None,
) -> ProbeResult:
    """Run `statements` in a child interpreter with `python_path` as its PYTHONPATH; with `codes_path`,
    the recorded code table is written there."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(python_path), PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory(prefix="lambda-native-probe-") as scratch:
        result_path = os.path.join(scratch, "result.json")
        command = [sys.executable, "-m", "lambda_native.builder.import_probe", result_path]
        if codes_path is not None:
            command.append(codes_path)
        try:
            done = subprocess.run(
                command,
                input=json.dumps(statements),
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return ProbeResult(reason=f"importing the function's libraries took over {TIMEOUT_SECONDS:g} s")
        try:
            with open(result_path, encoding="utf-8") as file:
                found = json.load(file)
        except (OSError, ValueError):
            detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            return ProbeResult(reason=f"importing the function's libraries failed: {detail}")
    return ProbeResult(found["loaded"], found["failed"], found["codes"], codes_path=codes_path)
