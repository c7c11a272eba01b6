"""The steps an arm64 build adds to the pipeline: before Nuitka, the aarch64 target CPython and the cross
toolchain; after it, the standalone folder made all-aarch64 and checked.

How: Nuitka runs natively on the host Python and zig compiles its C for aarch64 against a CPython of the
same version cross-compiled once (target_python), then the host's extension modules are swapped for
aarch64 ones (target_dist). Measured on a 2-core x86_64 host against running the whole build under
qemu-user: emulated Python runs about 11 times slower, so only the executables' tests run emulated.
"""

from __future__ import annotations

import os
import shutil

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import debian, target_dist, target_python, toolchain
from lambda_native.builder.target.arch import ARCHES, Arch
from lambda_native.builder.target.target_python import cache_dir


def check_target(target: toolchain.Target) -> None:
    """BuildError for a target arm64 builds cannot make."""
    if target.name != "al2023":
        raise BuildError(
            f"--arch arm64 builds for al2023 only: {target.name}'s glibc "
            "is older than the libraries the cross build links"
        )


def prepare(target: toolchain.Target, work: str, out, quiet: bool):
    """(the Toolchain for Nuitka, the TargetPython) for an arm64 build, building CPython once if needed."""
    zig = toolchain.require_zig("arm64 builds cross-compile with zig")
    arch = ARCHES["arm64"]
    python = target_python.ensure_target_python(
        arch, zig, toolchain.format_version(target.glibc), cache_dir(), work, out, quiet
    )
    return toolchain.target_toolchain(target, arch, python, zig), python


# Libraries packages' modules need that the cross build does not link: Rust and C++ wheels need
# libgcc_s.so.1. Debian 12's needs _dl_find_object@GLIBC_2.35, newer than al2023's; Debian 11's does not.
SUPPORT_RELEASE = "bullseye"
SUPPORT_LIBS = {"libgcc-s1": "libgcc_s.so.1"}


def support_libraries(cache: str) -> str:
    """A folder holding SUPPORT_LIBS for aarch64, fetched from Debian once."""
    archive = debian.Archive("arm64", os.path.join(cache, "debian"), release=SUPPORT_RELEASE)
    versions = "-".join(archive.version(name) for name in sorted(SUPPORT_LIBS))
    folder = os.path.join(cache, "support-libs", f"{SUPPORT_RELEASE}-arm64-{versions}")
    if os.path.isdir(folder):
        return folder
    unpacked = folder + ".unpacked"
    shutil.rmtree(unpacked, ignore_errors=True)
    archive.unpack(sorted(SUPPORT_LIBS), unpacked)
    os.makedirs(folder + ".tmp", exist_ok=True)
    for name in SUPPORT_LIBS.values():
        source = debian.find_library(unpacked, name)
        if source is None:
            raise BuildError(f"Debian {SUPPORT_RELEASE}'s arm64 packages did not provide {name}")
        shutil.copyfile(source, os.path.join(folder + ".tmp", name))
    shutil.rmtree(unpacked)
    os.replace(folder + ".tmp", folder)
    return folder


def finish(dist: str, arch: Arch, python, python_path: list[str], work: str) -> None:
    """Swap the host's extension modules and libraries in `dist` for aarch64 ones, then check every file."""
    wheels = os.path.join(work, "wheels-" + arch.lambda_name)
    support = support_libraries(cache_dir())
    target_dist.retarget(dist, arch, python, python_path, wheels, [support])
    target_dist.check_machine(dist, arch)
