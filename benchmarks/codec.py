"""Where the runtime's JSON codec spends a warm `json` invoke: orjson's parse and write of the workload's
~1 MB SQS batch, and the checks that keep every value simplejson's, in Python (the interpreted runtime)
and in C (`builder/exactness.c`, as a native bootstrap has it built in; compiled here as an extension
module of this Python with the host C compiler).

`python -m benchmarks.codec [--runs N]`: in-process medians, in µs, of N calls each.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from benchmarks.machine import REPO_ROOT

EXACTNESS_SOURCE = REPO_ROOT / "src" / "lambda_native" / "builder" / "exactness.c"
EXACTNESS_MODULE = "_lambda_native_exactness"


def build_exactness(folder: Path, cc: str) -> ModuleType:
    """`builder/exactness.c` compiled with `cc` (warnings are errors) into `folder`, and imported."""
    built = folder / (EXACTNESS_MODULE + sysconfig.get_config_var("EXT_SUFFIX"))
    include = sysconfig.get_paths()["include"]
    flags = ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"]
    subprocess.run([cc, *flags, "-I", include, "-o", str(built), str(EXACTNESS_SOURCE)], check=True)
    spec = importlib.util.spec_from_file_location(EXACTNESS_MODULE, built)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_us(call: Callable[[], object], runs: int) -> float:
    """The median time of `runs` calls, in µs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.codec", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=300)
    args = p.parse_args(argv)

    import orjson

    from benchmarks.workloads import json_event
    from lambda_native.builder.target.toolchain import require_c_compiler
    from lambda_native.runtime import codec

    event = json_event()
    value = orjson.loads(event)
    folder = Path(tempfile.mkdtemp(prefix="lambda-native-exactness-"))
    exactness = build_exactness(folder, require_c_compiler())
    rows = [
        ("orjson.loads (the parse)", lambda: orjson.loads(event)),
        ("orjson.dumps (the write)", lambda: orjson.dumps(value)),
        ("read check, Python (gc.get_referents walk)", lambda: codec._python_inexact(value)),
        ("read check, C (exactness.inexact)", lambda: exactness.inexact(value)),
        ("write check, Python (marshal.dumps)", lambda: codec._python_shape(value)),
        ("write check, C (exactness.shape)", lambda: exactness.shape(value)),
    ]
    print(f"the json workload's event, {len(event)} bytes; median of {args.runs} calls each")
    for name, call in rows:
        print(f"{median_us(call, args.runs):8.0f} µs  {name}")


if __name__ == "__main__":
    main()
