"""Where a handler's import time goes: loading modules, compiling generated source, running module bodies.

A native bootstrap holds its modules compiled in, so it should nearly remove the first part (path
searches, `stat` calls, reading and unmarshalling `.pyc`); the native build also precompiles the source
text `dataclasses` and `typing` generate and compile on import (builder/precompile.py), the second part;
only importing less removes the rest. Measured interpreted, in fresh child interpreters over a prepared
task folder (valid `.pyc`):

1. `import app` once, recording every module it loads and where it was found; in another interpreter,
   `import app` recording every source `dataclasses` execs and `typing` compiles;
2. in a new interpreter, for each of those Python modules in load order: the finder's lookup and the
   loader's `get_code()` (read + unmarshal), never executing anything; each recorded source: `compile()`;
   shared-library modules: `dlopen` and their init, by importing them alone (an upper bound: their init
   may run Python modules too);
3. the rest of the total is executing module bodies.

`python -m benchmarks.breakdown WORKLOAD` (a workload of the suite: its `interpreted` task folder is
prepared as the suite prepares it) or `python -m benchmarks.breakdown TASK_FOLDER` (any folder holding
`app.py` and its packages). For a workload it then shows where each variant's memory is after one cold
start, by mapping (`benchmarks/mappings.py`; `--memory` chooses the variants, building what is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child(task: str, part: str, stdin: str | None = None) -> object:
    """Run one part of benchmarks/breakdown_probe.py in a fresh interpreter over `task`; its JSON output.

    `-E -s` as `-I` would, without `-I`'s leaving the current folder (here the checkout, where `-m` finds
    the probe) off sys.path; the probe puts `task` in its place."""
    done = subprocess.run(
        [sys.executable, "-E", "-s", "-m", "benchmarks.breakdown_probe", part, task],
        cwd=CHECKOUT,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def measure(task: str) -> dict:
    """One sample: total import time of `app`, and its find+read, generated-source and shared-library
    parts (seconds)."""
    task = os.path.abspath(task)
    loaded = _child(task, "load")
    loaded["sources"] = _child(task, "sources")
    parts = _child(task, "find-and-read", json.dumps(loaded))
    return {
        "total": loaded["total"],
        "modules": len(loaded["modules"]),
        "sources": len(loaded["sources"]),
        **parts,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the median breakdown over several samples, then memory by mapping for a workload's variants."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__.splitlines()[0])
    p.add_argument("task", help="a workload name, or a task folder holding app.py and its packages (.pyc)")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument(
        "--memory",
        default="native,interpreted,awslambdaric",
        help="for a workload: comma-separated variants to show memory by mapping for ('' for none)",
    )
    args = p.parse_args(argv)
    # The handler's module runs here, off Lambda: it gets a region and credentials as under the emulator,
    # and botocore must never ask the instance metadata service (an address off this machine). The
    # children inherit them.
    from benchmarks.workloads import NO_METADATA_SERVICE
    from lambda_native.emulator.lambda_env import function_credentials

    lambda_like = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", **function_credentials()}
    for name, value in {**lambda_like, **NO_METADATA_SERVICE}.items():
        os.environ.setdefault(name, value)
    workload = None
    if not os.path.isdir(args.task):
        from benchmarks.variants import VARIANTS
        from benchmarks.workloads import WORKLOADS

        if args.task not in WORKLOADS:
            p.error(f"{args.task!r} is neither a folder nor a workload ({', '.join(WORKLOADS)})")
        workload = WORKLOADS[args.task]
        os.environ.update(workload.env)  # what the handler's module needs to import (the children inherit it)
        args.task = str(VARIANTS["interpreted"].prepare(workload).task_dir)
    samples = [measure(args.task) for _ in range(args.runs)]
    print_times(samples, args.runs)
    if workload is not None and args.memory:
        print_memory(workload, args.memory.split(","))
    return 0


def print_times(samples: list[dict], runs: int) -> None:
    """The median import-time breakdown."""

    def ms(key: str) -> float:
        return statistics.median(sample[key] for sample in samples) * 1000

    total, find, ext, generated = ms("total"), ms("find_and_read"), ms("extensions"), ms("generated")
    counts = samples[0]
    print(
        f"import app: {counts['modules']} modules ({counts['python_modules']} Python), "
        f"{counts['sources']} generated sources, median of {runs}"
    )
    print(f"  total                              {total:7.1f} ms")
    print(
        f"  finding + reading .pyc (Python)    {find:7.1f} ms  ({find / total:.0%})  <- what a binary removes"
    )
    print(
        f"  compiling generated source         {generated:7.1f} ms  ({generated / total:.0%})"
        "  <- what the native build precompiles"
    )
    print(f"  shared libraries (dlopen + init)   {ext:7.1f} ms  ({ext / total:.0%})")
    rest = total - find - ext - generated
    print(
        f"  executing module bodies (the rest) {rest:7.1f} ms  ({rest / total:.0%})  <- only importing less"
    )


def print_memory(workload, variants: list[str]) -> None:
    """Memory by mapping after one cold start of each variant of `workload`."""
    from benchmarks.mappings import after_first_response, table
    from benchmarks.variants import VARIANTS
    from lambda_native.emulator.task_root import drop_from_page_cache

    columns = {}
    for name in variants:
        prepared = VARIANTS[name].prepare(workload)
        drop_from_page_cache(prepared.task_dir)  # read from disk, as the suite measures it
        columns[name] = after_first_response(prepared, workload)
    print()
    print(table(columns))


if __name__ == "__main__":
    sys.exit(main())
