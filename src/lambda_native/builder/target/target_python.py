"""A target CPython: this Python's exact version compiled once with zig for a Lambda architecture at the
target's glibc, and kept in the cache.

A build that uses one (every arm64 build on x86_64; an x86_64 build on a host with a newer glibc, see
x86_64) compiles Nuitka's C against its headers and links its static libpython; its extension modules
(lib-dynload) replace the host's in the standalone folder (target_dist). It is built from the same source
release as the running Python (cpython_source), with the same modules built in as the running Python has
(`sys.builtin_module_names`), because Nuitka decides from the running Python which modules it ships as
files. zig targets glibc 2.34, so nothing in it needs more than al2023 has; the libraries its modules link
(OpenSSL, zlib, libffi, ...) are Debian 12's packages for that architecture (debian). It is always
configured as a cross build, even for the host's own CPU, so nothing of the host's /usr is found and used.

Measured on a 2-core x86_64 host: about 3 minutes once, then reused (about 2 minutes with a warm ccache).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import time

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import cpython_source, debian
from lambda_native.builder.target.arch import Arch, host_arch
from lambda_native.builder.target.glibc import format_version, host_glibc
from lambda_native.builder.target.zigcache import zig_version

CACHE_ENV = "LAMBDA_NATIVE_CACHE"
# Bump when the recipe below changes, so cached builds made by an older recipe are not reused.
RECIPE = "2"
MANIFEST = "manifest.json"
TAIL_LINES = 30

# Debian packages: headers and libraries the extension modules are compiled against. zlib, xz and libffi
# link statically (Debian's archives of them are position-independent); OpenSSL, SQLite, libuuid and
# bzip2's are not (amd64's libbz2.a is not), so those modules load the shared library, shipped beside
# bootstrap as on x86_64.
DEB_PACKAGES = (
    "zlib1g-dev",
    "libbz2-dev",
    "libbz2-1.0",
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
    "liblzma.a": "liblzma.a",
    "libffi_pic.a": "libffi.a",
}
SHARED_LIBS = ("libssl.so.3", "libcrypto.so.3", "libsqlite3.so.0", "libuuid.so.1", "libbz2.so.1.0")

# Answers configure cannot find out by running a program when cross-compiling.
CONFIGURE_CACHE = ("ac_cv_file__dev_ptmx=yes", "ac_cv_file__dev_ptc=no", "ac_cv_buggy_getaddrinfo=no")


class TargetPython:
    """A finished target CPython in `root`: what Nuitka compiles against and what the dist ships."""

    __slots__ = ("include", "ldflags", "lib", "lib_dynload", "libpython", "root", "version")

    def __init__(self, root: str) -> None:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
        self.root = root
        self.version = manifest["version"]
        self.include = os.path.join(root, manifest["include"])
        self.libpython = os.path.join(root, manifest["libpython"])
        self.lib = os.path.join(root, "lib")  # libraries to link with and to ship
        self.lib_dynload = os.path.join(root, manifest["lib_dynload"])
        self.ldflags = [flag.replace("{lib}", self.lib) for flag in manifest["ldflags"]]


def cache_dir() -> str:
    """Where downloads and target CPythons are kept: $LAMBDA_NATIVE_CACHE, else the user's cache."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return os.path.abspath(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "lambda-native")


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


def require_patched(patched: str | None) -> None:
    """BuildError unless the patched Nuitka (which can link the target CPython's libpython) is in use."""
    if patched is None:
        raise BuildError(
            "builds against a target CPython need the patched copy of Nuitka that links its libpython; it "
            "could not be made (see the note above): install the pinned Nuitka, `pip install -e '.[build]'`"
        )


def cached_target_python(arch: Arch, cache: str) -> TargetPython | None:
    """The target CPython for this Python and `arch` if the cache has one, else None."""
    archive = debian.Archive(arch.debian, os.path.join(cache, "debian"))
    root = target_root(arch, archive, cache)
    return TargetPython(root) if os.path.isfile(os.path.join(root, MANIFEST)) else None


def target_root(arch: Arch, archive: debian.Archive, cache: str) -> str:
    """Where the target CPython for this Python and `arch` is kept."""
    versions = {name: archive.version(name) for name in DEB_PACKAGES}
    return os.path.join(cache, "python", cache_key(arch.triple_cpu, versions))


def ensure_target_python(
    arch: Arch, zig: str, glibc: str, cache: str, work: str, out, quiet: bool, source: str | None = None
) -> TargetPython:
    """The target CPython for this Python and `arch`, from the cache or built now (saying so, and how
    long) from `source` (an unpacked tree; else cpython_source finds one)."""
    cpu = arch.triple_cpu
    archive = debian.Archive(arch.debian, os.path.join(cache, "debian"))
    root = target_root(arch, archive, cache)
    if os.path.isfile(os.path.join(root, MANIFEST)):
        return TargetPython(root)
    if not quiet:
        print(
            f"building CPython {platform.python_version()} for {cpu}-linux-gnu.{glibc} (once; about "
            f"3 minutes on 2 cores), kept in {root}",
            file=out,
            flush=True,
        )
    started = time.monotonic()
    build_dir = os.path.join(work, "cpython-" + cpu)
    shutil.rmtree(build_dir, ignore_errors=True)
    os.makedirs(build_dir)
    staging = root + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    deps = os.path.join(build_dir, "deps")
    archive.unpack(list(DEB_PACKAGES), os.path.join(deps, "root"))
    lib = os.path.join(staging, "lib")
    include = os.path.join(deps, "include")
    gather_deps(os.path.join(deps, "root"), include, lib, cpu)
    triple = f"{cpu}-linux-gnu.{glibc}"
    if source is None:
        source = cpython_source.find_source(build_dir, sources_dir(cache), None if quiet else out, triple)
    tools = write_wrappers(os.path.join(build_dir, "bin"), zig, triple)
    prefix = os.path.join(build_dir, "prefix")
    log_path = os.path.join(build_dir, "build.log")
    with open(log_path, "w", encoding="utf-8") as log:
        env = build_env(tools, build_dir)
        run(configure_command(source, prefix, tools, include, lib, cpu), source, env, log, log_path)
        static = write_setup_local(source)
        jobs = str(os.cpu_count() or 1)
        run(["make", "-j" + jobs], source, env, log, log_path)
        run(["make", "inclinstall", "libainstall", "sharedinstall"], source, env, log, log_path)
    check_built_in(source, cpu)
    finish(source, prefix, staging, static)
    check_extension_modules(os.path.join(staging, "lib-dynload"), log_path)
    if os.path.exists(root):  # another build finished first: keep its copy
        shutil.rmtree(staging)
    else:
        os.replace(staging, root)
    if not quiet:
        print(f"  CPython for {cpu} built in {time.monotonic() - started:.0f} s", file=out, flush=True)
    return TargetPython(root)


def sources_dir(cache: str) -> str:
    """Where downloaded CPython source tarballs are kept."""
    return os.path.join(cache, "sources")


def gather_deps(root: str, include: str, lib: str, cpu: str) -> None:
    """Headers into `include` (the architecture-specific ones merged in) and the libraries to link into
    `lib`: only these, so nothing of Debian's own glibc is linked in place of zig's."""
    usr = os.path.join(root, "usr", "include")
    multiarch = f"{cpu}-linux-gnu"
    shutil.copytree(usr, include, symlinks=True, ignore=shutil.ignore_patterns(multiarch))
    shutil.copytree(os.path.join(usr, multiarch), include, symlinks=True, dirs_exist_ok=True)
    os.makedirs(lib, exist_ok=True)

    def find(name: str) -> str:
        path = debian.find_library(root, name, multiarch)
        if path is None:
            raise BuildError(f"Debian's {multiarch} packages did not provide {name}")
        return path

    for name, as_name in STATIC_LIBS.items():
        shutil.copyfile(find(name), os.path.join(lib, as_name))
    for name in SHARED_LIBS:
        shutil.copyfile(find(name), os.path.join(lib, name))
        link = os.path.join(lib, name.split(".so")[0] + ".so")
        if not os.path.lexists(link):
            os.symlink(name, link)


# `cc` drops the host's header and library folders from its arguments: setup.py (3.10, 3.11) adds
# /usr/include/<multiarch> and /usr/lib/<multiarch>, whose glibc headers clash with zig's.
HOST_FOLDERS_DROPPED = """for arg do
  shift
  case "$arg" in
    -I/usr/include*|-I/usr/local/include*|-L/usr/lib*|-L/usr/local/lib*|-L/lib*) ;;
    *) set -- "$@" "$arg" ;;
  esac
done
"""


def write_wrappers(folder: str, zig: str, triple: str) -> dict[str, str]:
    """`cc`, `ar` and `ranlib` scripts for configure: zig for `triple` (CPU, OS and glibc), through ccache
    when there is one, never searching the host's /usr. CPython embeds the build date, which zig refuses
    unless told."""
    os.makedirs(folder, exist_ok=True)
    ccache = shutil.which("ccache")
    scripts = {
        "cc": HOST_FOLDERS_DROPPED
        + f'exec {ccache + " " if ccache else ""}"{zig}" cc -target {triple} -Wno-date-time "$@"',
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
    pkg-config finding nothing (the host's packages' flags are the host's; configure then checks headers
    and libraries itself), ccache told to hash paths below `build_dir` relative to it (so a build in
    another folder hits)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "PKG_CONFIG")) and k not in ("CC", "CFLAGS")
    }
    env["PATH"] = os.pathsep.join([os.path.dirname(tools["cc"]), env.get("PATH", "")])
    env["PKG_CONFIG_LIBDIR"] = os.path.join(build_dir, "no-pkgconfig")
    env.setdefault("CCACHE_BASEDIR", build_dir)
    env.setdefault("CCACHE_NOHASHDIR", "1")
    return env


def configure_command(
    source: str, prefix: str, tools: dict[str, str], include: str, lib: str, cpu: str
) -> list[str]:
    """CPython's configure for `cpu` Linux: a static libpython, nothing installed but what is asked."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise BuildError(
            "cross-compiling CPython needs readelf: install binutils (`apt-get install binutils`)"
        )
    command = [
        os.path.join(source, "configure"),
        f"--host={cpu}-linux-gnu",
        # The vendor part differs from the target's `CPU-linux-gnu`, so configure cross-compiles for
        # the host's own CPU too.
        f"--build={host_arch().triple_cpu}-pc-linux-gnu",
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
    """Build in every module the running Python has built in (Modules/Setup.local), so the target CPython
    ships the same modules as files as Nuitka expects; returns the modules moved in."""
    always = setup_modules(os.path.join(source, "Modules", "Setup.bootstrap"))
    stdlib = setup_modules(os.path.join(source, "Modules", "Setup.stdlib"))
    static = sorted(name for name in sys.builtin_module_names if name not in always and name in stdlib)
    with open(os.path.join(source, "Modules", "Setup.local"), "w", encoding="utf-8") as f:
        f.write("# Written by lambda-native: the modules the build's Python has built in.\n*static*\n")
        f.writelines(stdlib[name] + "\n" for name in static)
    return static


def check_built_in(source: str, cpu: str) -> None:
    """BuildError unless every module built into the running Python is built into the target CPython."""
    with open(os.path.join(source, "Modules", "config.c"), encoding="utf-8") as f:
        text = f.read()
    missing = [
        name
        for name in sys.builtin_module_names
        if f'{{"{name}",' not in text and name not in ("builtins", "sys", "_imp", "marshal")
    ]
    if missing:
        raise BuildError(
            f"this Python has modules built in that CPython's source cannot build in for {cpu}: "
            f"{', '.join(missing)}; build with a Python that has them as extension modules"
        )


# Modules the recipe gives no libraries for (Tk, readline, curses, gdbm, libcrypt, NIS) or that only
# CPython's own tests use: a target CPython may lack them.
NOT_BUILT = re.compile(
    r"_tkinter|readline|_curses(_panel)?|_dbm|_gdbm|_crypt|nis|_test\w*|_ctypes_test|_?xx\w*"
)


def extension_names(folder: str) -> set[str]:
    """The names of the extension modules in `folder` (`_ssl` for `_ssl.cpython-311-x86_64-linux-gnu.so`)."""
    try:
        return {name.split(".", 1)[0] for name in os.listdir(folder) if name.endswith(".so")}
    except OSError:
        return set()


def check_extension_modules(lib_dynload: str, log_path: str) -> None:
    """BuildError unless the target CPython has every extension module the running Python has (but
    NOT_BUILT), so none of the host's is shipped for want of one."""
    host = extension_names(sysconfig.get_config_var("DESTSHARED") or "")
    missing = sorted(name for name in host - extension_names(lib_dynload) if not NOT_BUILT.fullmatch(name))
    if missing:
        raise BuildError(
            f"compiling CPython for the target left out extension modules this Python has: "
            f"{', '.join(missing)}; see `Failed to build these modules` in {log_path}"
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
    """Move what builds use from the installed prefix into `staging`, with its manifest."""
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


def describe(python: TargetPython | None, glibc: str, arch: Arch) -> str:
    """Which CPython the shipped standard library comes from, for the build's summary."""
    if python is not None:
        return f"CPython {python.version} built for {arch.triple_cpu}-linux-gnu.{glibc} ({python.root})"
    host = host_glibc()
    built_for = f", built for glibc {format_version(host)}" if host else ""
    return f"this host's CPython {platform.python_version()} ({sys.base_prefix}{built_for})"
