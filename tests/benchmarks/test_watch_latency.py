"""`python -m benchmarks.watch_latency`: every round's answer is the new code's (times are only printed)."""

import subprocess
import sys

from benchmarks.machine import REPO_ROOT
from benchmarks.watch_latency import measure


def test_each_round_answers_with_the_new_version():
    times = measure(3)  # raises when an answer is not the new code's
    assert len(times["changed"]) == len(times["warm"]) == 3


def test_the_command_prints_both_medians():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.watch_latency", "--rounds", "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["changed", "warm"]
