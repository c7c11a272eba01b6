"""The examples under test: each run as ours interpreted, as the official client, and natively (one build
per example per session, `native` marker), against local stand-ins for the services they call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambda_native.builder.requirements import install_requirements
from lambda_native.emulator import Function

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Kept between sessions: each example's installed requirements, and its native build's work folder
# (the same `requirements` folder inside, so a build reuses the install the interpreted tests made).
WORK = ROOT / ".build" / "examples"

INTERPRETED = {
    "interpreted": [sys.executable, "-m", "lambda_native"],
    "awslambdaric": [sys.executable, "-m", "awslambdaric"],
}
RUNTIMES = [*INTERPRETED, pytest.param("native", marks=pytest.mark.native)]


def requirements_site(example: str) -> str:
    """The example's requirements, installed as the build installs them (reused while unchanged)."""
    site = WORK / example / "requirements"
    install_requirements(str(EXAMPLES / example / "requirements.txt"), str(site))
    return str(site)


def build_example(example: str) -> str:
    """`python build.py --requirements requirements.txt` in the example's folder, as its users build it,
    into a work folder kept between sessions; the zip's path."""
    work = WORK / example
    out = work / "dist"
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        "--requirements",
        "requirements.txt",
        *("--out", str(out), "--work-dir", str(work)),
    ]
    result = subprocess.run(
        command, cwd=EXAMPLES / example, capture_output=True, text=True, timeout=1800, check=False
    )
    assert result.returncode == 0, f"building examples/{example} failed:\n{result.stdout}\n{result.stderr}"
    return str(out / "function.zip")


_built: dict[str, str] = {}


def native_zip(example: str) -> str:
    """The example's native build, made once per session."""
    if example not in _built:
        _built[example] = build_example(example)
    return _built[example]


def example_function(
    runtime: str, example: str, handler: str = "app.handler", env=None, **kwargs
) -> Function:
    """A Function running `examples/<example>` under `runtime`, its requirements on the path."""
    env = dict(env or {})
    if runtime == "native":
        return Function(native_zip(example), handler=handler, env=env, **kwargs)
    env.update(PYTHONPATH=requirements_site(example), PYTHONDONTWRITEBYTECODE="1")
    return Function(
        str(EXAMPLES / example), command=[*INTERPRETED[runtime], handler], handler=handler, env=env, **kwargs
    )


def event(example: str, name: str = "event.json") -> bytes:
    """An event file of the example, as bytes."""
    return (EXAMPLES / example / name).read_bytes()
