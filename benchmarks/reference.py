"""Reference rows measured without the emulator: a bare interpreter, spawn to exit.

Peak RSS cannot come from `wait4`'s rusage here: a child started by vfork/posix_spawn inherits, at
exec, the high-water mark of the parent's memory (the harness's ~10 MB). So each time sample is paired
with a twin run that prints its own `VmHWM` from /proc as it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.pinning import spawning_on

PYTHON = os.path.realpath(sys.executable)
# The floor of anything that embeds CPython: no site, no user paths, nothing to run.
BARE_PYTHON_ARGV = [PYTHON, "-I", "-S", "-c", "pass"]
# The same, reporting its own peak RSS on the way out.
BARE_PYTHON_RSS_ARGV = [PYTHON, "-I", "-S", "-c", "print(open('/proc/self/status').read())"]


def spawn_to_exit_ms(argv: list[str], cpu: int | None) -> float:
    """Milliseconds from spawning `argv` (on `cpu`) to reaping its exit; RuntimeError unless it exits 0."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1)]
        with spawning_on(cpu):
            start = time.perf_counter_ns()
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
        _, status = os.waitpid(pid, 0)
        elapsed = time.perf_counter_ns() - start
    finally:
        os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {code}")
    return elapsed / 1e6


def self_reported_peak_rss_kb(argv: list[str], cpu: int | None) -> int:
    """Run `argv`, which prints /proc/self/status, and return the `VmHWM` it printed."""
    with spawning_on(cpu):
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"{' '.join(argv)} printed no VmHWM line")


class BarePython:
    """The `bare python` reference row: `python -I -S -c pass`, spawn to exit."""

    name = "bare python"
    argv = BARE_PYTHON_ARGV

    def sample(self, cpu: int | None) -> tuple[float, int]:
        """One (spawn → exit ms, peak RSS kB) pair."""
        return spawn_to_exit_ms(self.argv, cpu), self_reported_peak_rss_kb(BARE_PYTHON_RSS_ARGV, cpu)
