"""What `lambda-native watch` serves: a function's source folder, reloaded when its files change.

Before each invoke the folder's files are compared with those the running runtime started from (their
mtime, size and inode: one `stat` each, no file is read); on any change the runtime is stopped, so the
invoke cold-starts the new code interpreted (`python -m lambda_native`) with no build at all. With
`native`, every change also starts a native build (`builder.pipeline.build`) in a thread; when it is
done and the folder has not changed since it began, the next invoke runs it; a failed build is reported
and the interpreted runtime keeps serving. Hidden files and folders, `__pycache__`, `*.pyc` and the
watch's own work folder are not the function's code and are ignored.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time

from lambda_native.emulator.environment import Environment
from lambda_native.emulator.task_root import Package, PackageError, open_package

POLL_SECONDS = 0.25
"""How often the folder is looked at between invokes (to say what changed and start native builds)."""


def snapshot(src: str, ignore: tuple[str, ...] = ()) -> dict[str, tuple[int, int, int]]:
    """Every file of the function below `src`: relative path -> (mtime ns, size, inode)."""
    files: dict[str, tuple[int, int, int]] = {}
    pending = [(src, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # removed while being looked at: the next look sees it gone
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name == "__pycache__" or name.endswith(".pyc"):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in ignore:
                        pending.append((entry.path, prefix + name + os.sep))
                    continue
                info = entry.stat()
            except OSError:
                continue
            files[prefix + name] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return files


def changes(before: dict, after: dict) -> list[str]:
    """The paths that were added, removed or modified between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def describe(paths: list[str], shown: int = 3) -> str:
    """`app.py`, `app.py, lib/x.py` or `app.py, lib/x.py, ... (7 files)`."""
    listed = ", ".join(paths[:shown])
    return f"{listed}, ... ({len(paths)} files)" if len(paths) > shown else listed


class WatchedFunction:
    """The code one environment runs: the folder interpreted, or its newest native build once ready.

    `build_command`, when given, builds the folder natively into `built_zip` (`lambda-native build`,
    its output written to `build_log`); a build made out of date by a change is killed and restarted.
    """

    def __init__(
        self,
        src: str,
        interpreted: Package,
        log,
        *,
        work: str,
        build_command: list[str] | None = None,
        built_zip: str = "",
        build_log: str = "",
        pycache: str = "",
    ) -> None:
        self.src = os.path.abspath(src)
        self.interpreted = interpreted
        self.log = log
        self.build_command = build_command
        self.built_zip = built_zip
        self.build_log = build_log
        self.ignore = (os.path.abspath(work),)
        # The interpreted runtime's PYTHONPYCACHEPREFIX: its bytecode of the folder is removed on each
        # change, as CPython takes a .pyc whose source has the same size and mtime second as still valid.
        self.pycache = os.path.join(pycache, self.src.lstrip(os.sep)) if pycache else ""
        self.latest = snapshot(self.src, self.ignore)  # the folder as last looked at
        self.served = self.latest  # what the running runtime (or the next one) started from
        self.native: Package | None = None  # a build of `self.latest`, once one is done
        self.retired: list[Package] = []  # out-of-date builds, removed once no runtime runs them
        self.building: asyncio.Task | None = None

    def begin(self) -> None:
        """Start the first native build (with `build_command`), once the server is listening."""
        if self.build_command is not None:
            self._rebuild()

    async def watch(self) -> None:
        """Look at the folder every POLL_SECONDS until cancelled."""
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                self._look()
        finally:
            if self.building is not None:
                self.building.cancel()
            self._drop_native()
            self._remove_retired(keep=None)

    async def prepare(self, env: Environment) -> None:
        """Before an invoke: make `env` run the folder's current code (the newest native build if any)."""
        self._look()
        wanted = self.native or self.interpreted
        if self.served is not self.latest or env.package is not wanted:
            await env.stop()
            env.package = wanted
            self.served = self.latest
        self._remove_retired(keep=env.package)

    def _remove_retired(self, keep: Package | None) -> None:
        for package in self.retired:
            if package is not keep:
                package.cleanup()
        self.retired = [package for package in self.retired if package is keep]

    def _look(self) -> None:
        """Compare the folder with its last snapshot; on a change say what changed and rebuild."""
        now = snapshot(self.src, self.ignore)
        changed = changes(self.latest, now)
        if not changed:
            return
        self.latest = now
        if self.pycache:
            shutil.rmtree(self.pycache, ignore_errors=True)
        building = ", while it builds natively" if self.build_command is not None else ""
        self.log(
            f"lambda-native watch: {describe(changed)} changed: the next invoke runs it interpreted{building}"
        )
        self._drop_native()
        if self.build_command is not None:
            self._rebuild()

    def _drop_native(self) -> None:
        if self.native is not None:
            self.retired.append(self.native)  # a runtime may still run from it until `prepare`
            self.native = None

    def _rebuild(self) -> None:
        if self.building is not None:
            self.building.cancel()
        self.building = asyncio.ensure_future(self._build(self.latest))

    async def _build(self, source: dict) -> None:
        started = time.monotonic()
        self.log(f"lambda-native watch: building natively in the background (its output: {self.build_log})")
        with open(self.build_log, "wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *self.build_command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its group (Nuitka, the C compiler) is killed with it
            )
            try:
                await proc.wait()
            except asyncio.CancelledError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
                raise
        seconds = time.monotonic() - started
        if source is not self.latest:
            return
        if proc.returncode != 0:
            self.log(
                f"lambda-native watch: the native build failed after {seconds:.1f} s, so invokes keep "
                f"running the code interpreted: {build_error(self.build_log, proc.returncode)}"
            )
            return
        try:
            self.native = open_package(self.built_zip)
        except PackageError as exc:
            self.log(f"lambda-native watch: the native build cannot run here, staying interpreted: {exc}")
            return
        self.log(f"lambda-native watch: native build done in {seconds:.1f} s: the next invoke runs it")


def build_error(log_path: str, status: int) -> str:
    """What a failed build said (from its `build: error:` line on), or its exit status."""
    with open(log_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    marker = "build: error: "
    at = text.rfind(marker)
    return text[at + len(marker) :].strip() if at >= 0 else f"it exited with status {status}"
