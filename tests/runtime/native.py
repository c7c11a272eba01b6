"""The native implementation under test: one `python build.py` of every testdata handler, unpacked.

The bootstrap is built with `echo.handler` and every handler module of testdata/ compiled in, so a test
picks its handler with `_HANDLER` (or argv[1]) exactly as it does for `python -m lambda_native`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lambda_native.emulator.task_root import extract_zip

from .process import TESTDATA

ROOT = Path(__file__).resolve().parents[2]
BUILT_HANDLER = "echo.handler"
# What the native runtime adds to the message when the handler it is told to load is not found.
BUILT_HANDLER_NOTE = f" (this bootstrap was built with handler '{BUILT_HANDLER}')"

# Not compiled in, so the native runtime imports them from LAMBDA_TASK_ROOT at run time:
# - yaml.py cannot even be in the build's --src: Nuitka runs with --src on its PYTHONPATH and imports
#   `yaml` itself (its package configuration), so the build would crash on this stand-in module;
# - shadowing.py, which imports `yaml`: compiled, Nuitka would follow that import to the installed PyYAML
#   and compile it in, and the task root's yaml.py could no longer win.
LEFT_OUT = {"yaml.py", "shadowing.py"}


def compiled_modules(src: Path) -> list[str]:
    """`--include-module`/`--include-package` options for every module and package in `src`."""
    options = []
    for path in sorted(src.iterdir()):
        if path.name in LEFT_OUT or path.name.startswith((".", "_")):
            continue
        if path.is_dir():
            options.append(f"--nuitka-option=--include-package={path.name}")
        elif path.suffix == ".py":
            options.append(f"--nuitka-option=--include-module={path.stem}")
    return options


def build_bootstrap(folder: Path) -> Path:
    """Build the testdata handlers into `folder`/function.zip, unpack it, and return the bootstrap."""
    src = folder / "src"
    shutil.copytree(TESTDATA, src, ignore=shutil.ignore_patterns("yaml.py", "__pycache__"))
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        *("--src", str(src), "--handler", BUILT_HANDLER),
        *("--out", str(folder / "out"), "--work-dir", str(folder / "work")),
        "--quiet",
        *compiled_modules(src),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert result.returncode == 0, f"native build failed:\n{result.stdout}\n{result.stderr}"
    unpacked = folder / "bootstrap"
    extract_zip(folder / "out" / "function.zip", unpacked)
    return unpacked / "bootstrap"
