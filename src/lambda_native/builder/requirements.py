"""Installs `--requirements` into a build folder that Nuitka then compiles from, and fetches the wheels of
another architecture that a cross build ships.

Wheels are chosen for the target's glibc, not the host's: pip asks a `_manylinux` module (PEP 600) which
`manylinux_2_x` tags the machine runs, and the one put on pip's path answers for the target (al2023: 2.34
and older), so a host with a newer glibc does not install a `manylinux_2_35` wheel that would not load on
Lambda. The install is reused while the requirements file, the Python version and the glibc stay the same.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target.toolchain import TARGETS

STAMP = ".lambda-native-requirements"
MANYLINUX_HOOK = """\"\"\"Written by lambda-native: wheels for glibc {glibc} and older (PEP 600).\"\"\"

LIMIT = {limit!r}


def manylinux_compatible(major, minor, arch):
    return (major, minor) <= LIMIT
"""


def write_manylinux_hook(folder: str, glibc: tuple[int, ...]) -> str:
    """`folder`/_manylinux.py, which tells pip the machine runs `manylinux_2_x` wheels up to `glibc`;
    returns `folder`."""
    os.makedirs(folder, exist_ok=True)
    text = MANYLINUX_HOOK.format(glibc=".".join(map(str, glibc)), limit=tuple(glibc[:2]))
    with open(os.path.join(folder, "_manylinux.py"), "w", encoding="utf-8") as f:
        f.write(text)
    return folder


def install_requirements(
    requirements: str, dest: str, glibc: tuple[int, ...] = TARGETS["al2023"].glibc
) -> bool:
    """`pip install -r requirements --target dest` with wheels for `glibc` (the target's) and older;
    False when an identical earlier install was reused."""
    with open(requirements, "rb") as f:
        digest = hashlib.sha256(f.read() + sys.version.encode() + repr(glibc).encode()).hexdigest()
    stamp = os.path.join(dest, STAMP)
    try:
        with open(stamp, encoding="utf-8") as f:
            if f.read() == digest:
                return False
    except OSError:
        pass
    shutil.rmtree(dest, ignore_errors=True)
    hook = write_manylinux_hook(dest.rstrip(os.sep) + ".wheel-tags", glibc)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [hook, env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",  # Nuitka compiles the sources; .pyc files would only be shipped as dead weight
        "--target",
        dest,
        "-r",
        requirements,
    ]
    result = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise BuildError(
            f"installing --requirements {requirements} failed (exit status {result.returncode}).\n"
            f"command: {shlex.join(command)}\n{(result.stdout + result.stderr).strip()}"
        )
    with open(stamp, "w", encoding="utf-8") as f:
        f.write(digest)
    return True


def top_level_packages(site: str) -> list[str]:
    """The importable packages installed in `site` (folders with an `__init__.py`), sorted."""
    if not os.path.isdir(site):
        return []
    return sorted(
        name for name in os.listdir(site) if os.path.isfile(os.path.join(site, name, "__init__.py"))
    )


def download_wheel(name: str, version: str, platforms: tuple[str, ...], dest: str) -> str:
    """The wheel of `name==version` built for `platforms` (pip `--platform` tags) and this Python's version,
    downloaded into `dest` (reused when there); BuildError when PyPI has none."""
    os.makedirs(dest, exist_ok=True)
    abi = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        *(f"--platform={tag}" for tag in platforms),
        f"--python-version={sys.version_info[0]}.{sys.version_info[1]}",
        "--implementation=cp",
        f"--abi={abi}",
        "--abi=abi3",
        "--abi=none",
        "--dest",
        dest,
        f"{name}=={version}",
    ]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"no {platforms[-1].split('_', 1)[1]} wheel of {name} {version} for Python "
            f"{sys.version_info[0]}.{sys.version_info[1]} could be downloaded (its compiled code must be "
            f"built for the target).\ncommand: {shlex.join(command)}\n"
            + (result.stdout + result.stderr).strip()
        )
    prefix = name.replace("-", "_").lower() + "-" + version + "-"
    for entry in sorted(os.listdir(dest)):
        if entry.lower().startswith(prefix.lower()) and entry.endswith(".whl"):
            return os.path.join(dest, entry)
    raise BuildError(f"pip downloaded no wheel of {name} {version} into {dest}")
