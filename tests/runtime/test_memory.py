"""The runtime's memory under load: what it keeps between invokes, and a bounded soak of a mixed load."""

from __future__ import annotations

import subprocess
import sys

# Sets a fresh trace id 100,000 times, as many invokes would, and prints how far RSS grew, in kB.
TRACE_IDS = """
import os, sys
from lambda_native.runtime import bootstrap

def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

def set_in_c_environment(value):
    os.environ["_X_AMZN_TRACE_ID"] = value

set_trace = bootstrap._set_trace_id if sys.argv[1] == "ours" else set_in_c_environment
before = rss_kb()
for i in range(100_000):
    set_trace(f"Root=1-5e1b4151-{i:024x};Parent={i:016x};Sampled=0")
assert os.environ["_X_AMZN_TRACE_ID"] == f"Root=1-5e1b4151-{i:024x};Parent={i:016x};Sampled=0"
print(rss_kb() - before)
"""


def trace_id_growth_kb(how: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", TRACE_IDS, how], capture_output=True, text=True, check=True
    )
    return int(result.stdout)


def test_a_new_trace_id_per_invoke_costs_no_memory():
    # glibc's setenv keeps every string it was given: ~150 bytes per invoke, as the official client does.
    assert trace_id_growth_kb("setenv") > 5 * 1024
    assert trace_id_growth_kb("ours") < 512
