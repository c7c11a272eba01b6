"""What the pipeline asks of the target: the four steps a build takes for the Lambda OS and CPU it runs on.

`choose` (before anything is compiled: the target, the architecture and the host's tools), `prepare`
(the toolchain Nuitka compiles with, and the target CPython when the host's will not do), `finish` (the
standalone folder made the target's throughout), `check_glibc` (nothing shipped needs a newer glibc than
the target has). `compiler` says how Nuitka runs the compiler; `stdlib_from` where the standard library
came from. The pipeline calls nothing else of this package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import arch as arches
from lambda_native.builder.target import arm64, glibc, newer_host, target_python, toolchain, zigcache
from lambda_native.builder.target.arch import Arch
from lambda_native.builder.target.target_python import TargetPython
from lambda_native.builder.target.toolchain import Target, Toolchain


@dataclass(frozen=True)
class Choice:
    """The target and architecture a build is for, and the host's toolchain for them (None for an arm64
    build on an x86_64 host: it needs the cross-built CPython, made by `prepare`)."""

    target: Target
    arch: Arch
    tools: Toolchain | None


@dataclass(frozen=True)
class Prepared:
    """The toolchain Nuitka compiles with, the target CPython (None: the host's files ship), what to do
    when the host's files fail the glibc check, and whether the build cross-compiles."""

    tools: Toolchain
    python: TargetPython | None
    advice: str | None
    cross: bool


@dataclass(frozen=True)
class Compiler:
    """How Nuitka runs the compiler: folders first on PATH, the toolchain's environment, settings the
    user's own environment may override, whether it is zig, and its description."""

    path_prefix: list[str]
    env: dict[str, str]
    defaults: dict[str, str]
    zig: bool
    description: str


def choose(target_name: str, arch_name: str | None) -> Choice:
    """The target and architecture (None: this machine's) and the host's tools for them; BuildError for a
    target, architecture or tool this host cannot build with."""
    if target_name not in toolchain.TARGETS:
        raise BuildError(f"--target {target_name!r} is unknown: choose one of {', '.join(toolchain.TARGETS)}")
    target = toolchain.TARGETS[target_name]
    host = arches.host_arch()
    arch = arches.check_arch(arch_name or host.lambda_name)
    toolchain.require_build_tools()
    if arch is host:
        return Choice(target, arch, toolchain.choose_toolchain(target, arch.triple_cpu))
    if arch.lambda_name == "arm64":
        arm64.check_target(target)
        toolchain.require_zig("arm64 builds cross-compile with zig")
        return Choice(target, arch, None)
    raise BuildError(
        f"--arch {arch.lambda_name} cannot be built on this {host.lambda_name} machine: build on an "
        f"{arch.lambda_name} machine, or in Docker with --platform linux/amd64"
    )


def prepare(choice: Choice, work: str, out, quiet: bool) -> Prepared:
    """The toolchain and target CPython for `choice`, made (once, then cached) when the host's will not do."""
    if choice.tools is None:
        tools, python = arm64.prepare(choice.target, work, out, quiet)
        return Prepared(tools, python, None, cross=True)
    if newer_host.applies(choice.tools):
        tools, python, advice = newer_host.prepare(choice.target, choice.arch, choice.tools, work, out, quiet)
        return Prepared(tools, python, advice, cross=False)
    return Prepared(choice.tools, None, None, cross=False)


def require_patched(prepared: Prepared, patched: str | None) -> None:
    """BuildError when the build links a target CPython and the patched Nuitka that can is missing."""
    if prepared.python is not None:
        target_python.require_patched(patched)


def compiler(prepared: Prepared, work: str) -> Compiler:
    """How Nuitka runs `prepared`'s compiler: through ccache in front of zig when there is ccache."""
    tools = prepared.tools
    zig = "--zig" in tools.nuitka_options
    shim = zigcache.ccache_shim(tools.compiler, os.path.join(work, "zig-ccache"), work) if zig else None
    return Compiler(
        path_prefix=([shim[0]] if shim else []) + tools.path_prefix,
        env=tools.env,
        defaults=dict(shim[1]) if shim else {},
        zig=zig,
        description=tools.description + (" via ccache" if shim else ""),
    )


def finish(choice: Choice, prepared: Prepared, dist: str, python_path: list[str], work: str) -> None:
    """Make the standalone folder `dist` the target's throughout: the target CPython's modules and
    libraries in place of the host's, every file checked for the architecture."""
    if prepared.cross:
        arm64.finish(dist, choice.arch, prepared.python, python_path, work)
    elif prepared.python is not None:
        newer_host.finish(dist, choice.arch, prepared.python, python_path, work)


def check_glibc(root: str, target: Target, advice: str | None = None) -> tuple[int, ...] | None:
    """The tree's glibc floor; BuildError naming each file and symbol that needs more than the target has,
    followed by `advice` when there is some."""
    needs = glibc.scan_tree(root)
    over = glibc.too_new(needs, target.glibc)
    if over:
        lines = "\n".join(f"  {os.path.relpath(need.path, root)}: {need.describe()}" for need in over)
        raise BuildError(
            f"the build needs a newer glibc than {target.name} has ({glibc.format_version(target.glibc)}), "
            f"so it would not start on {target.runtime}:\n{lines}" + (f"\n{advice}" if advice else "")
        )
    return glibc.floor_of(needs)


def stdlib_from(choice: Choice, prepared: Prepared) -> str:
    """Which CPython the shipped standard library comes from, for the build's summary."""
    return target_python.describe(prepared.python, glibc.format_version(choice.target.glibc), choice.arch)
