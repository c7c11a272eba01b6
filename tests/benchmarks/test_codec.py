"""`python -m benchmarks.codec`: the codec's parts timed on the json workload's event, C checks included."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.machine import REPO_ROOT


def test_times_each_part_of_the_codec_with_the_c_checks_built():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.codec", "--runs", "3"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("the json workload's event, ") and "median of 3 calls" in lines[0]
    parts = [line.split("µs", 1)[1].strip() for line in lines[1:]]
    assert parts == [
        "orjson.loads (the parse)",
        "orjson.dumps (the write)",
        "read check, Python (gc.get_referents walk)",
        "read check, C (exactness.inexact)",
        "write check, Python (marshal.dumps)",
        "write check, C (exactness.shape)",
    ]
    assert all(float(line.split("µs")[0]) > 0 for line in lines[1:])
