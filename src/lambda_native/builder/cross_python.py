"""An aarch64 CPython of this Python's exact version, cross-compiled once with zig and kept in the cache.

An arm64 build compiles Nuitka's C against this CPython's headers and links its static libpython; its
extension modules (lib-dynload) replace the host's in the standalone folder (cross_dist). It is built from
the same source release as the running Python (cpython_source), with the same modules built in as the
running Python has (`sys.builtin_module_names`), because Nuitka decides from the running Python which
modules it ships as files. zig targets glibc 2.34, so nothing in it needs more than al2023 has; the
libraries its modules link (OpenSSL, zlib, libffi, ...) are Debian 12's arm64 packages (debian).

Measured on a 2-core x86_64 host: about 3 minutes once, then reused (about 2 minutes with a warm ccache).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from lambda_native.builder import cpython_source, debian
from lambda_native.builder.errors import BuildError
from lambda_native.builder.zigcache import zig_version

# Bump when the recipe below changes, so cached builds made by an older recipe are not reused.
RECIPE = "1"
MANIFEST = "manifest.json"
TAIL_LINES = 30

# Debian packages: headers and libraries the extension modules are compiled against. zlib, bzip2, xz and
# libffi link statically (Debian's archives of them are position-independent); OpenSSL, SQLite and
# libuuid's are not, so those modules load the shared library, shipped beside bootstrap as on x86_64.
DEB_PACKAGES = (
    "zlib1g-dev",
    "libbz2-dev",
    "liblzma-dev",
    "libffi-dev",
    "libssl-dev",
    "libssl3",
    "libsqlite3-dev",
    "libsqlite3-0",
    "uuid-dev",
    "libuuid1",
)
STATIC_LIBS = {
    "libz.a": "libz.a",
    "libbz2.a": "libbz2.a",
    "liblzma.a": "liblzma.a",
    "libffi_pic.a": "libffi.a",
}
SHARED_LIBS = ("libssl.so.3", "libcrypto.so.3", "libsqlite3.so.0", "libuuid.so.1")

# Answers configure cannot find out by running a program when cross-compiling.
CONFIGURE_CACHE = ("ac_cv_file__dev_ptmx=yes", "ac_cv_file__dev_ptc=no", "ac_cv_buggy_getaddrinfo=no")


class CrossPython:
    """A finished aarch64 CPython in `root`: what Nuitka compiles against and what the dist ships."""

    __slots__ = ("include", "ldflags", "lib", "lib_dynload", "libpython")

    def __init__(self, root: str) -> None:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
        self.include = os.path.join(root, manifest["include"])
        self.libpython = os.path.join(root, manifest["libpython"])
        self.lib = os.path.join(root, "lib")  # libraries to link with and to ship
        self.lib_dynload = os.path.join(root, manifest["lib_dynload"])
        self.ldflags = [flag.replace("{lib}", self.lib) for flag in manifest["ldflags"]]


def cache_key(arch_cpu: str, archive_versions: dict[str, str]) -> str:
    """Names a build by everything that changes its output: Python, its built-in modules, zig, the Debian
    packages and this recipe."""
    digest = hashlib.sha256()
    for part in (
        platform.python_version(),
        ",".join(sorted(sys.builtin_module_names)),
        zig_version(),
        json.dumps(archive_versions, sort_keys=True),
        RECIPE,
    ):
        digest.update(part.encode() + b"\0")
    return f"cpython-{platform.python_version()}-{arch_cpu}-{digest.hexdigest()[:12]}"


def ensure_cross_python(zig: str, glibc: str, cache: str, work: str, out, quiet: bool) -> CrossPython:
    """The aarch64 CPython for this Python, from the cache or built now (saying so, and how long)."""
    archive = debian.Archive("arm64", os.path.join(cache, "debian"))
    versions = {name: archive.version(name) for name in DEB_PACKAGES}
    root = os.path.join(cache, "python", cache_key("aarch64", versions))
    if os.path.isfile(os.path.join(root, MANIFEST)):
        return CrossPython(root)
    if not quiet:
        print(
            f"building CPython {platform.python_version()} for aarch64 (once; about 3 minutes on 2 cores), "
            f"kept in {root}",
            file=out,
            flush=True,
        )
    started = time.monotonic()
    build_dir = os.path.join(work, "cpython-aarch64")
    shutil.rmtree(build_dir, ignore_errors=True)
    os.makedirs(build_dir)
    staging = root + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    deps = os.path.join(build_dir, "deps")
    archive.unpack(list(DEB_PACKAGES), os.path.join(deps, "root"))
    lib = os.path.join(staging, "lib")
    include = os.path.join(deps, "include")
    gather_deps(os.path.join(deps, "root"), include, lib)
    source = cpython_source.find_source(build_dir, os.path.join(cache, "sources"), None if quiet else out)
    tools = write_wrappers(os.path.join(build_dir, "bin"), zig, glibc)
    prefix = os.path.join(build_dir, "prefix")
    log_path = os.path.join(build_dir, "build.log")
    with open(log_path, "w", encoding="utf-8") as log:
        env = build_env(tools, build_dir)
        run(configure_command(source, prefix, tools, include, lib), source, env, log, log_path)
        static = write_setup_local(source)
        jobs = str(os.cpu_count() or 1)
        run(["make", "-j" + jobs], source, env, log, log_path)
        run(["make", "inclinstall", "libainstall", "sharedinstall"], source, env, log, log_path)
    check_built_in(source)
    finish(source, prefix, staging, static)
    if os.path.exists(root):  # another build finished first: keep its copy
        shutil.rmtree(staging)
    else:
        os.replace(staging, root)
    if not quiet:
        print(f"  CPython for aarch64 built in {time.monotonic() - started:.0f} s", file=out, flush=True)
    return CrossPython(root)


def gather_deps(root: str, include: str, lib: str) -> None:
    """Headers into `include` (the architecture-specific ones merged in) and the libraries to link into
    `lib`: only these, so nothing of Debian's own glibc is linked in place of zig's."""
    usr = os.path.join(root, "usr", "include")
    shutil.copytree(usr, include, symlinks=True, ignore=shutil.ignore_patterns("aarch64-linux-gnu"))
    shutil.copytree(os.path.join(usr, "aarch64-linux-gnu"), include, symlinks=True, dirs_exist_ok=True)
    os.makedirs(lib, exist_ok=True)

    def find(name: str) -> str:
        path = debian.find_library(root, name)
        if path is None:
            raise BuildError(f"Debian's arm64 packages did not provide {name}")
        return path

    for name, as_name in STATIC_LIBS.items():
        shutil.copyfile(find(name), os.path.join(lib, as_name))
    for name in SHARED_LIBS:
        shutil.copyfile(find(name), os.path.join(lib, name))
        link = os.path.join(lib, name.split(".so")[0] + ".so")
        if not os.path.lexists(link):
            os.symlink(name, link)


def write_wrappers(folder: str, zig: str, glibc: str) -> dict[str, str]:
    """`cc`, `ar` and `ranlib` scripts for configure: zig for aarch64 at the target glibc, through ccache
    when there is one. CPython embeds the build date, which zig refuses unless told."""
    os.makedirs(folder, exist_ok=True)
    ccache = shutil.which("ccache")
    scripts = {
        "cc": f'exec {ccache + " " if ccache else ""}"{zig}" cc -target aarch64-linux-gnu.{glibc} '
        '-Wno-date-time "$@"',
        "ar": f'exec "{zig}" ar "$@"',
        "ranlib": f'exec "{zig}" ranlib "$@"',
        # Configure looks for the build Python by name on PATH in 3.10; later versions are told.
        f"python{sys.version_info[0]}.{sys.version_info[1]}": f'exec "{build_python()}" "$@"',
    }
    paths = {}
    for name, body in scripts.items():
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)
        paths[name] = path
    return paths


def build_python() -> str:
    """The interpreter behind this one (not a venv's), which CPython's build runs to generate files."""
    return getattr(sys, "_base_executable", None) or sys.executable


def build_env(tools: dict[str, str], build_dir: str) -> dict[str, str]:
    """The environment configure and make run in: the wrappers first on PATH, no stray Python settings,
    ccache told to hash paths below `build_dir` relative to it (so a build in another folder hits)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k not in ("CC", "CFLAGS")}
    env["PATH"] = os.pathsep.join([os.path.dirname(tools["cc"]), env.get("PATH", "")])
    env.setdefault("CCACHE_BASEDIR", build_dir)
    env.setdefault("CCACHE_NOHASHDIR", "1")
    return env


def configure_command(source: str, prefix: str, tools: dict[str, str], include: str, lib: str) -> list[str]:
    """CPython's configure for aarch64 Linux: a static libpython, nothing installed but what is asked."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise BuildError(
            "cross-compiling CPython needs readelf: install binutils (`apt-get install binutils`)"
        )
    command = [
        os.path.join(source, "configure"),
        "--host=aarch64-linux-gnu",
        "--build=x86_64-linux-gnu",
        "--prefix=" + prefix,
        "--disable-shared",
        "--without-ensurepip",
        "CC=" + tools["cc"],
        "AR=" + tools["ar"],
        "RANLIB=" + tools["ranlib"],
        "READELF=" + readelf,
        "CPPFLAGS=-I" + include,
        "LDFLAGS=-L" + lib,
        *CONFIGURE_CACHE,
    ]
    if sys.version_info >= (3, 11):
        command.insert(4, "--with-build-python=" + build_python())
    return command


def run(command: list[str], cwd: str, env: dict[str, str], log, log_path: str) -> None:
    """Run one step of CPython's build with its output in the log; BuildError with the log's end."""
    log.write("$ " + " ".join(command) + "\n")
    log.flush()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False
    )
    if result.returncode != 0:
        log.flush()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            tail = "\n".join("  " + line for line in f.read().splitlines()[-TAIL_LINES:])
        raise BuildError(
            f"cross-compiling CPython failed at `{os.path.basename(command[0])}` "
            f"(exit status {result.returncode}):\n{tail}\nfull log: {log_path}"
        )


def setup_modules(path: str) -> dict[str, str]:
    """Module name -> its line, for the enabled (uncommented) module lines of a Modules/Setup* file."""
    modules = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                if words and not words[0].startswith(("#", "*")) and "=" not in words[0]:
                    modules.setdefault(words[0], line.strip())
    except OSError:
        pass
    return modules


def write_setup_local(source: str) -> list[str]:
    """Build in every module the running Python has built in (Modules/Setup.local), so the cross build
    ships the same modules as files as Nuitka expects; returns the modules moved in."""
    always = setup_modules(os.path.join(source, "Modules", "Setup.bootstrap"))
    stdlib = setup_modules(os.path.join(source, "Modules", "Setup.stdlib"))
    static = sorted(name for name in sys.builtin_module_names if name not in always and name in stdlib)
    with open(os.path.join(source, "Modules", "Setup.local"), "w", encoding="utf-8") as f:
        f.write("# Written by lambda-native: the modules the build's Python has built in.\n*static*\n")
        f.writelines(stdlib[name] + "\n" for name in static)
    return static


def check_built_in(source: str) -> None:
    """BuildError unless every module built into the running Python is built into the cross build."""
    with open(os.path.join(source, "Modules", "config.c"), encoding="utf-8") as f:
        text = f.read()
    missing = [
        name
        for name in sys.builtin_module_names
        if f'{{"{name}",' not in text and name not in ("builtins", "sys", "_imp", "marshal")
    ]
    if missing:
        raise BuildError(
            f"this Python has modules built in that CPython's source cannot build in for aarch64: "
            f"{', '.join(missing)}; build with a Python that has them as extension modules"
        )


def sysconfig_vars(source: str) -> dict:
    """The build's `_sysconfigdata_*` variables."""
    with open(os.path.join(source, "pybuilddir.txt"), encoding="utf-8") as f:
        folder = os.path.join(source, f.read().strip())
    name = next(n for n in os.listdir(folder) if n.startswith("_sysconfigdata_") and n.endswith(".py"))
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        text = f.read()
    return ast.literal_eval(text[text.index("{") :])


def finish(source: str, prefix: str, staging: str, static: list[str]) -> None:
    """Move what arm64 builds use from the installed prefix into `staging`, with its manifest."""
    variables = sysconfig_vars(source)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    abiflags = variables.get("ABIFLAGS", "")
    lib = os.path.join(staging, "lib")
    shutil.copytree(os.path.join(prefix, "include"), os.path.join(staging, "include"))
    shutil.copytree(
        os.path.join(prefix, "lib", f"python{version}", "lib-dynload"), os.path.join(staging, "lib-dynload")
    )
    libpython = f"libpython{version}{abiflags}.a"
    shutil.copyfile(os.path.join(source, libpython), os.path.join(lib, libpython))
    # The built-in modules' own link flags; archives built inside CPython's tree are copied beside it.
    ldflags: list[str] = []
    for name in static:
        for flag in variables.get(f"MODULE_{name.upper()}_LDFLAGS", "").split():
            if flag.endswith(".a"):
                shutil.copyfile(os.path.join(source, flag), os.path.join(lib, os.path.basename(flag)))
                flag = "{lib}/" + os.path.basename(flag)
            if flag not in ldflags:
                ldflags.append(flag)
    manifest = {
        "version": platform.python_version(),
        "include": os.path.join("include", f"python{version}{abiflags}"),
        "libpython": os.path.join("lib", libpython),
        "lib_dynload": "lib-dynload",
        "ldflags": ldflags,
        "built_in": static,
    }
    with open(os.path.join(staging, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
