"""What a result was measured on: the machine, the toolchain versions and the git commit."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (platform.processor() is empty on Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def glibc_version() -> str:
    """The C library's name and version as the running process sees it, e.g. `glibc 2.36`."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or "unknown"
    except (ValueError, OSError):
        return " ".join(platform.libc_ver()) or "unknown"


def package_version(name: str) -> str | None:
    """An installed distribution's version, or None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _run(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state() -> dict[str, object]:
    """The checked-out commit and whether the work tree differs from it."""
    commit = _run(["git", "rev-parse", "HEAD"])
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"])
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def cc_version() -> str | None:
    """First line of `cc --version` (the compiler Nuitka and the C floor use)."""
    out = _run(["cc", "--version"])
    return out.splitlines()[0] if out else None


def machine_info() -> dict[str, object]:
    """Everything a reader needs to judge where the numbers came from."""
    return {
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cpus_online": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "kernel": f"{platform.system()} {platform.release()}",
        "glibc": glibc_version(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_executable": os.path.realpath(sys.executable),
        "nuitka": package_version("nuitka"),
        "awslambdaric": package_version("awslambdaric"),
        "orjson": package_version("orjson"),
        "cc": cc_version(),
    }
