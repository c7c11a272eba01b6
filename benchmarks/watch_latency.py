"""`python -m benchmarks.watch_latency`: how long from saving a handler to the first answer of the new code
under `lambda-native watch` (interpreted), against a warm invoke of unchanged code.

Each round rewrites the handler of a temporary folder with a new version number, then sends one invoke to
the running `lambda-native watch` and times until its answer, which must carry the new version. Prints
the median and the 90th percentile of each; the results belong in docs/watch.md with the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import orjson
import urllib3

HANDLER = "def handler(event, context):\n    return {{'version': {version}}}\n"


def start_watch(folder: str) -> tuple[subprocess.Popen, str]:
    """`lambda-native watch folder` on an ephemeral port; (the process, its invoke URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambda_native.cli", "watch", folder, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    first = proc.stdout.readline().decode()
    if "listening on " not in first:
        proc.kill()
        raise RuntimeError(f"lambda-native watch did not start: {first}{proc.stdout.read().decode()}")
    # Its output is read in the background, so that it never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, first.split("listening on ")[1].split()[0]


def measure(rounds: int) -> dict[str, list[float]]:
    """Milliseconds per round: `changed` (save -> new answer) and `warm` (an unchanged invoke)."""
    http = urllib3.PoolManager(retries=False)
    times: dict[str, list[float]] = {"changed": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="watch-latency-") as folder:
        path = os.path.join(folder, "app.py")
        with open(path, "w") as f:
            f.write(HANDLER.format(version=0))
        proc, url = start_watch(folder)
        try:
            http.request("POST", url, body=b"{}")
            for version in range(1, rounds + 1):
                time.sleep(0.05)  # past the file system's timestamp granularity, as between two saves
                start = time.perf_counter()
                with open(path, "w") as f:
                    f.write(HANDLER.format(version=version))
                reply = http.request("POST", url, body=b"{}")
                times["changed"].append((time.perf_counter() - start) * 1000)
                if orjson.loads(reply.data) != {"version": version}:
                    raise RuntimeError(f"round {version}: the answer is {reply.data!r}, not the new code's")
                start = time.perf_counter()
                http.request("POST", url, body=b"{}")
                times["warm"].append((time.perf_counter() - start) * 1000)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return times


def main(argv: list[str] | None = None) -> int:
    """Measure and print the medians."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.watch_latency", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="changes to time (30)")
    args = parser.parse_args(argv)
    for name, values in measure(args.rounds).items():
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        print(
            f"{name:8} median {statistics.median(values):6.1f} ms  p90 {p90:6.1f} ms  ({len(values)} rounds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
