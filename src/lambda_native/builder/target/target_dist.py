"""Turns Nuitka's standalone folder from a build against a target CPython into one whose every ELF file
is for the target.

Nuitka runs on the host Python, so beside `bootstrap` it collects the host's extension modules
(`_socket.so`, `orjson/orjson.so`) and the libraries they need. For another architecture (arm64 on x86_64)
each module is replaced by the same module built for the target: the standard library's from the target
CPython (target_python), a package's from that package's wheel for the target, of the version installed
for the host; the host's libraries are dropped. For the host's own architecture (x86_64 on a host with a
newer glibc) only the standard library's modules are replaced, with the libraries the target CPython
ships; packages were installed from wheels for the target's glibc already (requirements), and the host's
libraries only the replaced modules needed are dropped. The libraries the target's files need are added
from the target CPython or the wheels, beside `bootstrap` as Nuitka places them, found at run time
through `$ORIGIN` run paths.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.requirements import download_wheel
from lambda_native.builder.target.arch import Arch, host_arch
from lambda_native.builder.target.elf import ElfInfo, read_elf
from lambda_native.builder.target.glibc import elf_files
from lambda_native.builder.target.toolchain import tool_path

# Libraries never shipped, by name before ".so": the x86_64 build's rule (Nuitka's own list of what the
# target provides: glibc's libraries, libstdc++, zlib), with the aarch64 loader added.
SYSTEM_LIBS = frozenset(
    {
        "linux-vdso",
        "libc",
        "libpthread",
        "libm",
        "libdl",
        "libBrokenLocale",
        "libSegFault",
        "libanl",
        "libcidn",
        "libcrypt",
        "libmemusage",
        "libmvec",
        "libnsl",
        "libnss3",
        "libnssutil3",
        "libnss_compat",
        "libnss_db",
        "libnss_dns",
        "libnss_files",
        "libnss_hesiod",
        "libnss_nis",
        "libnss_nisplus",
        "libpcprofile",
        "libresolv",
        "librt",
        "libthread_db-1.0",
        "libthread_db",
        "libutil",
        "libstdc++",
        "libdrm",
        "libz",
        "ld-linux-x86-64",
        "ld-linux-aarch64",
    }
)


def is_system_library(name: str) -> bool:
    """True for `libc.so.6`, `libstdc++.so.6`...: provided by Lambda's OS, never shipped."""
    return name.split(".so", 1)[0] in SYSTEM_LIBS


class Retargeted:
    """What was swapped: modules from the target CPython, modules from wheels (name -> version), libraries
    added, and host libraries dropped."""

    __slots__ = ("dropped", "libraries", "stdlib_modules", "wheels")

    def __init__(self) -> None:
        self.stdlib_modules: list[str] = []
        self.wheels: dict[str, str] = {}
        self.libraries: list[str] = []
        self.dropped: list[str] = []


def module_name(dist: str, path: str) -> str:
    """`orjson/orjson.so` in the dist -> `orjson.orjson`, as Nuitka names extension modules there."""
    relative = os.path.relpath(path, dist)
    return relative[: -len(".so")].replace(os.sep, ".")


def is_extension_module(dist: str, path: str) -> bool:
    """Nuitka ships an extension module as `a/b/name.so`; libraries keep their `lib*.so[.N]` names."""
    name = os.path.basename(path)
    return name.endswith(".so") and not (os.path.dirname(path) == dist and name.startswith("lib"))


def owning_distribution(relative_dir: str, stem: str, search_path: list[str]) -> tuple[str, str] | None:
    """(distribution name, version) of the package file `relative_dir/stem.*.so` found on `search_path`,
    or None."""
    for site in search_path:
        pattern = os.path.join(site, relative_dir, stem + ".*so")
        for host_file in sorted(glob.glob(pattern)):
            wanted = os.path.relpath(host_file, site).replace(os.sep, "/")
            for dist in metadata.distributions(path=[site]):
                if any(str(entry) == wanted for entry in dist.files or ()):
                    return dist.metadata["Name"], dist.version
    return None


def target_file(unpacked: str, relative_dir: str, stem: str, machine: str) -> str | None:
    """The module `relative_dir/stem` for `machine` in an unpacked wheel (any extension-module suffix)."""
    for candidate in sorted(glob.glob(os.path.join(unpacked, relative_dir, stem + ".*so"))):
        if read_elf(candidate).machine == machine:
            return candidate
    return None


class Retargeter:
    """Swaps one dist's host files for the target's; see the module's docstring."""

    __slots__ = (
        "arch",
        "dist",
        "done",
        "installed",
        "libraries",
        "python",
        "search_path",
        "unpacked",
        "wheels",
    )

    def __init__(
        self, dist: str, arch: Arch, python, search_path: list[str], wheels: str, libraries: list[str]
    ) -> None:
        self.dist = dist
        self.libraries = libraries  # more folders of the target's libraries, after the target CPython's
        self.arch = arch
        self.python = python  # the TargetPython
        self.search_path = search_path
        self.wheels = wheels  # where wheels for the target are downloaded and unpacked
        self.unpacked: dict[str, str] = {}  # distribution name -> its unpacked wheel
        self.done = Retargeted()
        self.installed: list[str] = []  # the target's files put into the dist

    def run(self) -> Retargeted:
        """Swap the modules, drop the host's libraries, add the target's; returns what was done."""
        host = host_arch().elf_machine
        same_machine = self.arch.elf_machine == host
        replaced_needs: set[str] = set()  # libraries the host's replaced files needed
        for path in elf_files(self.dist):
            info = read_elf(path)
            if info.machine != host or os.path.basename(path) == "bootstrap":
                continue
            if not is_extension_module(self.dist, path):
                if not same_machine:
                    os.unlink(path)
                elif self.replace_library(path):
                    replaced_needs.update(info.needed)
            elif self.replace_stdlib_module(path):
                replaced_needs.update(info.needed)
            elif not same_machine:
                self.replace_package_module(path)
        if same_machine:
            # What Nuitka collected for the files it kept stays its choice (it leaves out what the OS has).
            self.drop_unneeded(replaced_needs)
            self.add_libraries(self.installed)
        else:
            self.add_libraries(elf_files(self.dist))
        return self.done

    def replace_stdlib_module(self, path: str) -> bool:
        """Put the target CPython's build of the standard-library module at `path` in its place; False
        when it is not one of the target CPython's modules."""
        relative_dir = os.path.dirname(os.path.relpath(path, self.dist))
        if relative_dir:
            return False
        stem = os.path.basename(path)[: -len(".so")]
        found = target_file(self.python.lib_dynload, "", stem, self.arch.elf_machine)
        if found is None:
            return False
        self.install(found, path)
        self.done.stdlib_modules.append(module_name(self.dist, path))
        return True

    def replace_library(self, path: str) -> bool:
        """Put the target CPython's library of the same name in place of the host's at `path`; False
        when it ships none of that name."""
        source = os.path.join(self.python.lib, os.path.basename(path))
        if not os.path.exists(source):
            return False
        self.install(os.path.realpath(source), path)
        self.done.libraries.append(os.path.basename(path))
        return True

    def drop_unneeded(self, candidates: set[str]) -> None:
        """Remove the host's libraries beside `bootstrap` that only replaced files needed."""
        while True:
            needed = {name for path in elf_files(self.dist) for name in read_elf(path).needed}
            unused = sorted(
                name
                for name in candidates
                if name not in needed and os.path.isfile(os.path.join(self.dist, name))
            )
            if not unused:
                return
            for name in unused:
                path = os.path.join(self.dist, name)
                candidates.update(read_elf(path).needed)
                os.unlink(path)
                self.done.dropped.append(name)

    def replace_package_module(self, path: str) -> None:
        """Put the target's build of the package's extension module at `path` in its place, from its
        wheel for the target."""
        name = module_name(self.dist, path)
        relative_dir = os.path.dirname(os.path.relpath(path, self.dist))
        stem = os.path.basename(path)[: -len(".so")]
        owner = owning_distribution(relative_dir, stem, self.search_path)
        if owner is None:
            raise BuildError(
                f"the extension module {name} in the build is compiled for this machine and no "
                f"{self.arch.lambda_name} build of it was found (not in the target CPython's standard "
                "library, and not part of an installed package whose wheel could be fetched)"
            )
        dist_name, version = owner
        unpacked = self.unpack_wheel(dist_name, version)
        found = target_file(unpacked, relative_dir, stem, self.arch.elf_machine)
        if found is None:
            raise BuildError(
                f"the {self.arch.lambda_name} wheel of {dist_name} {version} has no {name} extension module"
            )
        self.install(found, path)
        self.done.wheels[dist_name] = version

    def unpack_wheel(self, dist_name: str, version: str) -> str:
        """The target's wheel of `dist_name==version`, downloaded and unpacked once."""
        if dist_name not in self.unpacked:
            wheel = download_wheel(
                dist_name, version, self.arch.wheel_platforms, os.path.join(self.wheels, "files")
            )
            folder = os.path.join(self.wheels, "unpacked", os.path.basename(wheel)[: -len(".whl")])
            if not os.path.isdir(folder):
                with zipfile.ZipFile(wheel) as archive:
                    archive.extractall(folder + ".tmp")
                os.replace(folder + ".tmp", folder)
            self.unpacked[dist_name] = folder
        return self.unpacked[dist_name]

    def install(self, source: str, dest: str) -> None:
        """Copy `source` to `dest` with a run path that finds libraries beside `bootstrap`."""
        shutil.copyfile(source, dest)
        os.chmod(dest, 0o755)
        self.installed.append(dest)
        depth = os.path.relpath(self.dist, os.path.dirname(dest))
        rpath = "$ORIGIN" if depth == "." else "$ORIGIN/" + depth.replace(os.sep, "/")
        patchelf = shutil.which("patchelf", path=tool_path()) or "patchelf"
        result = subprocess.run(
            [patchelf, "--set-rpath", rpath, dest], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BuildError(f"patchelf could not set the run path of {dest}: {result.stderr.strip()}")

    def library_folders(self) -> list[str]:
        """Where the target's libraries are looked for: the target CPython's, then the wheels' own
        (auditwheel keeps them in `<package>.libs` folders)."""
        folders = [self.python.lib, *self.libraries]
        for unpacked in self.unpacked.values():
            folders += sorted(glob.glob(os.path.join(unpacked, "*.libs")))
        return folders

    def add_libraries(self, paths: list[str]) -> None:
        """Ship every library the files `paths` need that Lambda's OS does not provide, transitively."""
        pending: list[ElfInfo] = [read_elf(path) for path in paths if os.path.exists(path)]
        while pending:
            info = pending.pop()
            for needed in info.needed:
                if is_system_library(needed) or os.path.exists(os.path.join(self.dist, needed)):
                    continue
                source = next(
                    (
                        os.path.join(folder, needed)
                        for folder in self.library_folders()
                        if os.path.exists(os.path.join(folder, needed))
                    ),
                    None,
                )
                if source is None:
                    raise BuildError(
                        f"{os.path.relpath(info.path, self.dist)} needs {needed}, which Lambda's OS does not "
                        f"provide and no {self.arch.lambda_name} build of it was found to ship"
                    )
                dest = os.path.join(self.dist, needed)
                self.install(os.path.realpath(source), dest)
                self.done.libraries.append(needed)
                pending.append(read_elf(dest))


def retarget(
    dist: str, arch: Arch, python, python_path: list[str], wheels: str, libraries: list[str] | None = None
) -> Retargeted:
    """Make every ELF file in `dist` one for `arch` from the target CPython `python`, shipping libraries
    also from the folders `libraries`; see the module's docstring."""
    return Retargeter(dist, arch, python, [*python_path, *sys.path], wheels, list(libraries or [])).run()


def check_machine(dist: str, arch: Arch) -> None:
    """BuildError unless every ELF file in `dist` is for `arch` and `bootstrap` names Lambda's loader."""
    wrong = [
        info for info in (read_elf(path) for path in elf_files(dist)) if info.machine != arch.elf_machine
    ]
    if wrong:
        listed = "\n".join(f"  {os.path.relpath(info.path, dist)}: {info.machine}" for info in wrong)
        raise BuildError(
            f"the build is for {arch.lambda_name} ({arch.elf_machine}) but these files are not:\n{listed}"
        )
    interpreter = read_elf(os.path.join(dist, "bootstrap")).interpreter
    if interpreter != arch.interpreter:
        raise BuildError(
            f"bootstrap asks for the dynamic loader {interpreter}, "
            f"but {arch.lambda_name} Lambda has {arch.interpreter}"
        )
