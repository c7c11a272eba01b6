"""What to run: a `function.zip` (extracted safely), a folder holding `bootstrap`, or a command.

Lambda unpacks a function's zip into `/var/task` and runs `/var/task/bootstrap` for `provided.al2023`.
Here the zip goes to a private temporary folder instead (mounted at /var/task in the sandbox); entries
that would escape it, links, special files and a missing or non-executable `bootstrap` are refused with a
message that says what to fix. Entries without unix modes (Windows' zip) are regular files, mode 644.
A `bootstrap` built for another CPU (an arm64 build on x86_64) runs under qemu (emulator.qemu).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from lambda_native.emulator.qemu import EmulatorMissing, emulation_argv

MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
"""Lambda's limit on a function's unzipped size (code and layers)."""


class PackageError(ValueError):
    """The function's code cannot be run as Lambda would run it; the message says why."""


class Package:
    """A function ready to start: its task root, the command that starts its runtime, and what to clean up."""

    __slots__ = ("argv", "emulator", "inherit_path", "task_root", "temp_dir")

    def __init__(
        self,
        task_root: str,
        argv: list[str],
        temp_dir: str | None,
        inherit_path: bool,
        emulator: str | None = None,
    ) -> None:
        self.task_root = task_root
        self.argv = argv
        self.temp_dir = temp_dir
        self.inherit_path = inherit_path
        self.emulator = emulator  # e.g. "qemu-aarch64" when `bootstrap` is for another CPU, else None

    def cleanup(self) -> None:
        """Remove the folder a zip was extracted into (nothing for a folder or a command)."""
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


def open_package(source: str | os.PathLike | None, command: list[str] | None = None) -> Package:
    """Resolve a zip, a folder or a command (run in `source`, or in the current folder) into a `Package`.

    With a command, `bootstrap` is not needed: the command is the runtime (e.g. `python -m awslambdaric
    app.handler`) and `source`, if given, is only its task root.
    """
    temp_dir = None
    if source is None:
        if not command:
            raise PackageError(
                "nothing to run: give a function.zip, a folder holding 'bootstrap', or a command"
            )
        task_root = os.getcwd()
    else:
        path = os.fspath(source)
        if os.path.isdir(path):
            task_root = os.path.abspath(path)
        elif os.path.isfile(path):
            temp_dir = tempfile.mkdtemp(prefix="lambda-native-task-")
            try:
                extract_zip(path, temp_dir, need_bootstrap=not command)
            except BaseException:
                shutil.rmtree(temp_dir, ignore_errors=True)
                raise
            task_root = temp_dir
        else:
            raise PackageError(f"{path}: no such file or folder")
    if command:
        return Package(task_root, _resolve_command(command), temp_dir, inherit_path=True)
    bootstrap = os.path.join(task_root, "bootstrap")
    if temp_dir is None:
        _check_bootstrap_file(bootstrap, os.fspath(source))
    try:
        emulated = emulation_argv(bootstrap)
    except EmulatorMissing as exc:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise PackageError(str(exc)) from None
    if emulated:
        return Package(task_root, emulated[0], temp_dir, inherit_path=False, emulator=emulated[1])
    return Package(task_root, [bootstrap], temp_dir, inherit_path=False)


def _resolve_command(command: list[str]) -> list[str]:
    """The command with its program found on the caller's PATH (the runtime gets Lambda's PATH)."""
    program = command[0]
    found = shutil.which(program) if os.sep not in program else os.path.abspath(program)
    if not found or not os.access(found, os.X_OK):
        raise PackageError(f"command not found or not executable: {program}")
    return [found, *command[1:]]


def _check_bootstrap_file(bootstrap: str, folder: str) -> None:
    if not os.path.lexists(bootstrap):
        found = ", ".join(sorted(os.listdir(folder))[:20]) or "nothing"
        raise PackageError(f"{folder} has no 'bootstrap' (found: {found})")
    if not os.path.isfile(bootstrap):
        raise PackageError(f"{bootstrap} is not a regular file")
    if not os.access(bootstrap, os.X_OK):
        raise PackageError(
            f"{bootstrap} is not executable (Lambda would fail with Runtime.InvalidEntrypoint): "
            f"chmod +x {bootstrap}"
        )


def extract_zip(
    zip_path: str | os.PathLike, target: str | os.PathLike, *, need_bootstrap: bool = True
) -> None:
    """Extract `zip_path` into `target` as Lambda unpacks a function, keeping each entry's unix permissions
    and leaving no page of it in the page cache (`drop_from_page_cache`).

    `zipfile` alone drops the modes (and with them `bootstrap`'s execute bit). Anything unsafe is refused
    with a `PackageError`: entries escaping `target`, links, special files, more than Lambda's unzipped
    limit, and (with `need_bootstrap`) a missing or non-executable `bootstrap`. The one extraction helper
    of the project: the emulator, the benchmark suite and the tests all use it.
    """
    name = os.path.basename(zip_path)
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{name} is not a zip file ({exc})") from None
    with archive:
        entries = archive.infolist()
        _check_entries(name, entries)
        if need_bootstrap:
            _check_zip_bootstrap(name, entries)
        root = os.path.realpath(target)
        for info in entries:
            dest = os.path.join(root, *info.filename.split("/"))
            if info.is_dir():
                os.makedirs(dest, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with archive.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            mode = _unix_mode(info)
            os.chmod(dest, stat.S_IMODE(mode) if mode else 0o644)
    drop_from_page_cache(root)


def drop_from_page_cache(folder: str | os.PathLike) -> None:
    """Write out every file under `folder` and drop its pages from the page cache, so the next start reads
    it from disk, as a Lambda sandbox reads its code (no process there wrote `bootstrap`).

    How a file was last written decides how the kernel caches it: unpacking writes large folios, a fault on
    a mapped file maps more of a large folio, and the same native hello `bootstrap` peaked at 11.8 MB right
    after unzipping against 10.6 MB read back from disk. Dropped, every start's files come back through the
    same readahead. Costs ~10 ms for a hello function's 33 files.
    """
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink()):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _unix_mode(info: zipfile.ZipInfo) -> int:
    return info.external_attr >> 16 if info.create_system == 3 else 0


def _check_entries(name: str, entries: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in entries:
        entry = info.filename
        parts = entry.replace("\\", "/").split("/")
        if entry.startswith("/") or "\\" in entry or (parts and ":" in parts[0]):
            raise PackageError(f"{name}: entry {entry!r} has an absolute or non-portable path; refusing it")
        if ".." in parts:
            raise PackageError(f"{name}: entry {entry!r} would be written outside the task root; refusing it")
        mode = _unix_mode(info)
        if stat.S_ISLNK(mode):
            raise PackageError(f"{name}: entry {entry!r} is a symbolic link; links are refused")
        # Only permission bits (Python's `zipfile.writestr`, `external_attr = 0o755 << 16`): a regular file.
        if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise PackageError(f"{name}: entry {entry!r} is not a regular file or folder; refusing it")
        total += info.file_size
        if total > MAX_UNZIPPED_BYTES:
            raise PackageError(f"{name} unzips to more than {MAX_UNZIPPED_BYTES} bytes, Lambda's limit")


def _check_zip_bootstrap(name: str, entries: list[zipfile.ZipInfo]) -> None:
    info = next((e for e in entries if e.filename == "bootstrap"), None)
    if info is None:
        top = sorted({e.filename.split("/")[0] + ("/" if "/" in e.filename else "") for e in entries})
        found = ", ".join(top[:20]) or "nothing"
        raise PackageError(f"{name} has no 'bootstrap' at its root (found: {found})")
    mode = _unix_mode(info)
    if not mode & 0o111:
        shown = f"mode {stat.S_IMODE(mode):04o}" if mode else "no unix permissions recorded"
        raise PackageError(
            f"'bootstrap' in {name} is not executable ({shown}): on Lambda its init fails with "
            "Runtime.InvalidEntrypoint (fork/exec /var/task/bootstrap: permission denied). Zip it with its "
            "execute bit: chmod 755 bootstrap, then `zip`, or in Python set "
            "ZipInfo.external_attr = 0o100755 << 16 (Windows' zip records no modes: zip in WSL instead)"
        )
