"""The C floor: `bootstrap.c`, a minimal Lambda runtime in C, built with the host compiler.

It echoes every event back and is what every benchmark reports as the physical floor.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target.toolchain import require_c_compiler

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.c")
CFLAGS = ("-O2", "-Wall", "-Wextra")


def build_c_floor(out_dir: str) -> str:
    """Compile bootstrap.c into `out_dir/bootstrap` and return its path; BuildError on failure."""
    cc = require_c_compiler()
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, "bootstrap")
    command = [cc, *CFLAGS, "-o", target, SOURCE]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"compiling the C floor failed (exit status {result.returncode}).\n"
            f"command: {shlex.join(command)}\n{(result.stdout + result.stderr).strip()}"
        )
    if result.stderr.strip():
        print(result.stderr.strip())
    return target
