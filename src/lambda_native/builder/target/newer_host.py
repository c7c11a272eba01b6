"""The steps a build for this machine's own architecture adds when this machine's glibc is newer than the
target's: nothing shipped may be built for the host's glibc.

zig pins the glibc of the code the build compiles, but Nuitka copies the host Python's extension
modules as they are, and they were built for the host's glibc (pyenv's `cmath.so` on Debian 12 needs
`hypot@GLIBC_2.35`; on glibc 2.38 and later nearly every module needs `__isoc23_strtol`...). So the build
compiles against a target CPython of the same version (target_python, built once and cached), links its
libpython, and ships its extension modules and libraries in place of the host's (target_dist).

That needs the exact source of the running Python (cpython_source). Where it is out of reach, the build
uses the host's files as before: the glibc check after Nuitka then passes when nothing the function ships
needs more than the target has, and otherwise says what to do (`advice`).
"""

from __future__ import annotations

import os
import platform
import sys

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import cpython_source, target_dist, target_python, toolchain
from lambda_native.builder.target.arch import Arch
from lambda_native.builder.target.glibc import format_version, host_glibc


def applies(tools: toolchain.Toolchain) -> bool:
    """True when the build for this machine's architecture compiles with zig: the host's glibc is newer
    than the target's (toolchain.choose_toolchain)."""
    return "--zig" in tools.nuitka_options


def prepare(target: toolchain.Target, arch: Arch, tools: toolchain.Toolchain, work: str, out, quiet: bool):
    """(the Toolchain for Nuitka, the TargetPython or None, advice for a failed glibc check or None): the
    target CPython from the cache, or built now when the source is found, else the host's as it is."""
    cache = target_python.cache_dir()
    python = target_python.cached_target_python(arch, cache)
    glibc = format_version(target.glibc)
    if python is None:
        build_dir = os.path.join(work, "cpython-" + arch.triple_cpu)
        triple = f"{arch.triple_cpu}-linux-gnu.{glibc}"
        try:
            source = cpython_source.find_source(
                build_dir, target_python.sources_dir(cache), None if quiet else out, triple
            )
        except BuildError as exc:
            if not quiet:
                print(
                    f"note: the standard library's C modules ship from this host's CPython "
                    f"{platform.python_version()}, built for its glibc {format_version(host_glibc())}: "
                    "its source is out of reach (see below if the glibc check fails)",
                    file=out,
                )
            return tools, None, advice(str(exc))
        python = target_python.ensure_target_python(
            arch, tools.compiler, glibc, cache, work, out, quiet, source
        )
    return toolchain.target_toolchain(target, arch, python, tools.compiler), python, None


def advice(missing: str) -> str:
    """What to do when the host's files need a newer glibc and no target CPython could be made."""
    return (
        f"These files are this host's CPython {platform.python_version()}'s ({sys.base_prefix}), built "
        "for this host's glibc, or packages built for it. The build ships a CPython built for the "
        f"target's glibc instead when it can compile one, and could not: {missing}"
    )


def finish(dist: str, arch: Arch, python, python_path: list[str], work: str) -> target_dist.Retargeted:
    """Swap the host's standard-library modules and their libraries in `dist` for the target CPython's."""
    return target_dist.retarget(dist, arch, python, python_path, os.path.join(work, "wheels-target"))
