"""Turns Nuitka's standalone folder from a cross build into one whose every ELF file is for the target.

Nuitka runs on the host Python, so beside the cross-compiled `bootstrap` it collects the host's extension
modules (`_socket.so`, `orjson/orjson.so`) and the libraries they need. Each module is replaced by the same
module built for the target: the standard library's from the cross-built CPython (cross_python), a
package's from that package's wheel for the target, of the version installed for the host. The host's
libraries are dropped, and the libraries the target's files need are added from the cross build or the
wheel, beside `bootstrap` as Nuitka places them, found at run time through `$ORIGIN` run paths.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata

from lambda_native.builder.arch import ARCHES, Arch
from lambda_native.builder.elf import ElfInfo, read_elf
from lambda_native.builder.errors import BuildError
from lambda_native.builder.glibc import elf_files
from lambda_native.builder.requirements import download_wheel
from lambda_native.builder.toolchain import tool_path

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
    """What was swapped: modules from the cross build, modules from wheels (name -> version), libraries."""

    __slots__ = ("libraries", "stdlib_modules", "wheels")

    def __init__(self) -> None:
        self.stdlib_modules: list[str] = []
        self.wheels: dict[str, str] = {}
        self.libraries: list[str] = []


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

    __slots__ = ("arch", "cross", "dist", "done", "libraries", "search_path", "unpacked", "wheels")

    def __init__(
        self, dist: str, arch: Arch, cross, search_path: list[str], wheels: str, libraries: list[str]
    ) -> None:
        self.dist = dist
        self.libraries = libraries  # more folders of the target's libraries, after the cross build's
        self.arch = arch
        self.cross = cross
        self.search_path = search_path
        self.wheels = wheels  # where wheels for the target are downloaded and unpacked
        self.unpacked: dict[str, str] = {}  # distribution name -> its unpacked wheel
        self.done = Retargeted()

    def run(self) -> Retargeted:
        """Swap every module, drop the host's libraries, add the target's; returns what was done."""
        host = ARCHES["x86_64"].elf_machine
        for path in elf_files(self.dist):
            info = read_elf(path)
            if info.machine != host or os.path.basename(path) == "bootstrap":
                continue
            if is_extension_module(self.dist, path):
                self.replace_module(path)
            else:
                os.unlink(path)
        self.add_libraries()
        return self.done

    def replace_module(self, path: str) -> None:
        """Put the target's build of the extension module at `path` in its place."""
        name = module_name(self.dist, path)
        relative_dir = os.path.dirname(os.path.relpath(path, self.dist))
        stem = os.path.basename(path)[: -len(".so")]
        if not relative_dir:
            found = target_file(self.cross.lib_dynload, "", stem, self.arch.elf_machine)
            if found:
                self.install(found, path)
                self.done.stdlib_modules.append(name)
                return
        owner = owning_distribution(relative_dir, stem, self.search_path)
        if owner is None:
            raise BuildError(
                f"the extension module {name} in the build is compiled for x86_64 and no "
                f"{self.arch.lambda_name} build of it was found (not in the cross-built standard library, "
                "and not part of an installed package whose wheel could be fetched)"
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
        depth = os.path.relpath(self.dist, os.path.dirname(dest))
        rpath = "$ORIGIN" if depth == "." else "$ORIGIN/" + depth.replace(os.sep, "/")
        patchelf = shutil.which("patchelf", path=tool_path()) or "patchelf"
        result = subprocess.run(
            [patchelf, "--set-rpath", rpath, dest], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BuildError(f"patchelf could not set the run path of {dest}: {result.stderr.strip()}")

    def library_folders(self) -> list[str]:
        """Where the target's libraries are looked for: the cross build's, then the wheels' own
        (auditwheel keeps them in `<package>.libs` folders)."""
        folders = [self.cross.lib, *self.libraries]
        for unpacked in self.unpacked.values():
            folders += sorted(glob.glob(os.path.join(unpacked, "*.libs")))
        return folders

    def add_libraries(self) -> None:
        """Ship every library the target's files need that Lambda's OS does not provide, transitively."""
        pending: list[ElfInfo] = [read_elf(path) for path in elf_files(self.dist)]
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
    dist: str, arch: Arch, cross, python_path: list[str], wheels: str, libraries: list[str] | None = None
) -> Retargeted:
    """Make every ELF file in `dist` one for `arch`, shipping libraries also from the folders
    `libraries`; see the module's docstring."""
    return Retargeter(dist, arch, cross, [*python_path, *sys.path], wheels, list(libraries or [])).run()


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
