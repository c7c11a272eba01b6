"""The repository's shape: every test file runs, CI runs the README's command, the top level is the design."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of the README's opening code block (set-up first, then the test command)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "the README opens with a ```sh block of commands"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_every_test_file_is_collected():
    """A folder that pytest skips by name (`build`, `dist`, `venv`...) would drop its tests silently."""
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts="],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = {line.split("::", 1)[0] for line in done.stdout.splitlines() if "::" in line}
    missing = [name for name in files if name not in collected]
    assert not missing, f"test files the README's pytest command does not collect: {missing}"


def test_ci_runs_exactly_the_readme_test_command():
    _, test_command = readme_commands()[:2]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == test_command, (
        f".ci/run ends with {commands[-1]!r}, the README says {test_command!r}"
    )
    assert shlex.split(test_command)[1:3] == ["-m", "pytest"]


def test_the_top_level_is_the_design():
    for name in ("pyproject.toml", "src", "build.py", "bootstrap.c", "tests", "Dockerfile", "benchmarks"):
        assert (ROOT / name).exists(), name
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {part for line in tracked.splitlines() for part in Path(line).parts[:-1]}
    named_like_output = folders & {"build", "dist", "venv", ".venv"}
    assert not named_like_output, f"tracked folders that tools skip or ignore by name: {named_like_output}"
