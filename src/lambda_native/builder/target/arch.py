"""The CPU architectures a build can target: Lambda's `--architectures` names and what each means here.

A build for the host's own architecture compiles natively (an arm64 host, or Docker's --platform
linux/arm64, builds arm64 natively). On an x86_64 host, arm64 cross-compiles with zig against an aarch64
CPython of the host Python's exact version (target_python), and its executables need qemu to run there.
An x86_64 build on a host with a newer glibc than the target's compiles against an x86_64 one (x86_64).
"""

from __future__ import annotations

import platform

from lambda_native.builder.build_error import BuildError


class Arch:
    """One Lambda architecture: its names in the toolchains and formats that must agree on it."""

    __slots__ = (
        "debian",
        "elf_machine",
        "interpreter",
        "lambda_name",
        "triple_cpu",
        "wheel_platforms",
        "zig_cpu",
    )

    def __init__(
        self,
        lambda_name: str,
        triple_cpu: str,
        elf_machine: str,
        interpreter: str,
        debian: str,
        wheel_platforms: tuple[str, ...],
        zig_cpu: str | None = None,
    ) -> None:
        self.lambda_name = lambda_name  # `--architectures` and SAM's Architectures
        self.triple_cpu = triple_cpu  # the CPU part of zig's target triple and of Python's multiarch name
        self.elf_machine = elf_machine  # e_machine as pyelftools names it
        self.interpreter = interpreter  # the dynamic loader executables on Lambda name (PT_INTERP)
        self.debian = debian  # Debian's architecture name
        # pip `--platform` tags, newest first: Lambda's glibc 2.34 runs manylinux_2_34 and older wheels.
        self.wheel_platforms = wheel_platforms
        # The oldest CPU Lambda runs this architecture on, as zig names it (Nuitka's --target-arch), or
        # None for the compiler's baseline.
        self.zig_cpu = zig_cpu


def _manylinux(cpu: str) -> tuple[str, ...]:
    return (*(f"manylinux_2_{minor}_{cpu}" for minor in range(34, 16, -1)), f"manylinux2014_{cpu}")


ARCHES = {
    "x86_64": Arch(
        "x86_64", "x86_64", "EM_X86_64", "/lib64/ld-linux-x86-64.so.2", "amd64", _manylinux("x86_64")
    ),
    "arm64": Arch(
        "arm64",
        "aarch64",
        "EM_AARCH64",
        "/lib/ld-linux-aarch64.so.1",
        "arm64",
        _manylinux("aarch64"),
        "neoverse_n1",  # Graviton2
    ),
}

# `uname -m` -> Lambda's name.
MACHINES = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def check_arch(name: str) -> Arch:
    """The Arch called `name`, or a BuildError listing the choices."""
    if name not in ARCHES:
        raise BuildError(f"--arch {name!r} is unknown: choose one of {', '.join(ARCHES)} (Lambda's names)")
    return ARCHES[name]


def host_arch() -> Arch:
    """This machine's architecture, or a BuildError when builds cannot run on it."""
    name = MACHINES.get(platform.machine())
    if name is None:
        raise BuildError(f"builds run on x86_64 or arm64 Linux hosts only (this one is {platform.machine()})")
    return ARCHES[name]
