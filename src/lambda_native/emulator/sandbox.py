"""Lambda's sandbox around a runtime process: the task root read-only at /var/task, a private /tmp of a
fixed size, an unprivileged uid.

The runtime is started in new user and mount namespaces, set up in the child between fork and exec
(`Sandbox.enter`, a `preexec_fn`), so the process the emulator measures is the runtime itself and no
wrapper. Inside: the caller's uid is mapped to Lambda's 993 (`sbx_user1051`), so the host's files keep
their permissions and the runtime has no capability left after exec; `/var` is a read-only tmpfs holding
the host's `/var` entries (bound back in) and `task`, the task root bound read-only; `/tmp` is a tmpfs of
`ephemeral_mb` (past it a write fails with ENOSPC), empty but for the host's `/tmp` entries that hold the
runtime itself (a checkout, a venv or a PYTHONPATH folder under /tmp: `keep`), bound back in read-only,
since on Lambda the runtime lives in /var/runtime or /opt. Everything else is the host's, so a host
interpreter still runs. Mounts stay in the namespace: nothing is written into the caller's folders.

Where the kernel refuses the namespaces (no unprivileged user namespaces, a seccomp filter, a container
that forbids them) the emulator warns once and runs the function as before (`environment`).
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
import time

TASK_ROOT = "/var/task"
SANDBOX_UID = 993
"""Lambda's function user, `sbx_user1051`, and its group."""
DEFAULT_EPHEMERAL_MB = 512
MAX_EPHEMERAL_MB = 10240
"""Lambda's range for ephemeral storage (`/tmp`)."""

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_RDONLY = 0x1
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_NOEXEC = 0x8
_MS_REMOUNT = 0x20
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 0x40000
# A bind mount's remount must keep the flags its source mount was made with (the kernel locks them in a
# user namespace); statvfs reports them with the same bits.
_LOCKED_FLAGS = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC | _MS_RDONLY

STARTED = b"started "
"""What `Sandbox.enter` reports before the instant the runtime is exec'd, when the set-up succeeded."""
_warned = False


class SandboxUnavailable(OSError):
    """The kernel refused a step of the sandbox's set-up; the message names the step and the reason."""


def warn_unsandboxed(reason: str) -> None:
    """Say once per process, on stderr, that functions run outside Lambda's sandbox here, and why."""
    global _warned
    if not _warned:
        _warned = True
        print(
            f"lambda-native: warning: Lambda's sandbox is unavailable here ({reason}); the function runs "
            "unsandboxed (task root writable, the host's /tmp, PATH and uid); --no-sandbox silences this",
            file=sys.stderr,
        )


def check_ephemeral_storage(mb: int) -> int:
    """`mb` if Lambda accepts it as ephemeral storage, else ValueError saying the range."""
    if not DEFAULT_EPHEMERAL_MB <= mb <= MAX_EPHEMERAL_MB:
        raise ValueError(
            f"ephemeral storage must be between {DEFAULT_EPHEMERAL_MB} and {MAX_EPHEMERAL_MB} MB "
            f"(Lambda's range), got {mb}"
        )
    return mb


def sandboxed_path(path: str, task_root: str) -> str:
    """`path` as the sandboxed runtime sees it: below /var/task when it is below the task root."""
    if path == task_root:
        return TASK_ROOT
    if path.startswith(task_root.rstrip("/") + "/"):
        return TASK_ROOT + path[len(task_root.rstrip("/")) :]
    return path


def tmp_entries(paths: list[str], task_root: str) -> list[str]:
    """The top-level entries of the host's /tmp that hold `paths` (or their real paths), outside the task
    root (which the sandbox shows at /var/task): those the sandbox's own /tmp keeps."""
    names = set()
    for path in paths:
        if not os.path.isabs(path) or not os.path.exists(path):
            continue
        for candidate in (path, os.path.realpath(path)):
            if sandboxed_path(candidate, task_root) == candidate and candidate.startswith("/tmp/"):
                names.add(candidate.split("/")[2])
    return sorted(name for name in names if name)


class Sandbox:
    """The set-up of one sandboxed start: everything is read in the parent, so the child only makes system
    calls. `enter` runs in the child and writes to `report_fd` either `STARTED` and the `perf_counter_ns`
    just before exec (where the runtime's own Init Duration begins), or why it failed (and raises)."""

    __slots__ = ("_kept", "_libc", "_var_entries", "ephemeral_mb", "report_fd", "task_root")

    def __init__(
        self, task_root: str, ephemeral_mb: int = DEFAULT_EPHEMERAL_MB, keep: list[str] | tuple[str, ...] = ()
    ) -> None:
        self.task_root = os.path.realpath(task_root)
        self.ephemeral_mb = check_ephemeral_storage(ephemeral_mb)
        self.report_fd: int | None = None
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.mount.argtypes = (ctypes.c_char_p,) * 3 + (ctypes.c_ulong, ctypes.c_char_p)
        self._libc.unshare.argtypes = (ctypes.c_int,)
        self._var_entries = _entries("/var")
        # (name, whether a folder, its mount's locked flags) of each /tmp entry the runtime needs.
        self._kept = [
            (name, os.path.isdir(f"/tmp/{name}"), os.statvfs(f"/tmp/{name}").f_flag & _LOCKED_FLAGS)
            for name in tmp_entries(list(keep), self.task_root)
        ]

    def enter(self) -> None:
        """Make this (forked, not yet exec'd) process's namespaces Lambda's sandbox and go to /var/task."""
        try:
            self._enter()
        except OSError as exc:
            os.write(self.report_fd, str(exc).encode(errors="replace"))
            raise
        os.write(self.report_fd, STARTED + str(time.perf_counter_ns()).encode())

    def _enter(self) -> None:
        uid, gid = os.getuid(), os.getgid()
        self._call("unshare(CLONE_NEWUSER | CLONE_NEWNS)", self._libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS))
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{SANDBOX_UID} {uid} 1"),
            ("gid_map", f"{SANDBOX_UID} {gid} 1"),
        ):
            try:
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
            except OSError as exc:
                raise SandboxUnavailable(f"writing /proc/self/{name}: {exc.strerror}") from None
        self._mount(None, "/", None, _MS_REC | _MS_PRIVATE)
        # Held open: the originals stay reachable through /proc/self/fd after /var is covered.
        var_fd = os.open("/var", os.O_PATH | os.O_DIRECTORY)
        task_fd = os.open(self.task_root, os.O_PATH | os.O_DIRECTORY)
        task_flags = os.statvfs(self.task_root).f_flag & _LOCKED_FLAGS
        self._mount(b"tmpfs", "/var", b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=64k")
        for name, kind, target in self._var_entries:
            path = f"/var/{name}"
            if kind == "link":
                os.symlink(target, path)
                continue
            if kind == "dir":
                os.mkdir(path)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
            self._mount(f"/proc/self/fd/{var_fd}/{name}".encode(), path, None, _MS_BIND | _MS_REC)
        os.mkdir(TASK_ROOT)
        self._mount(f"/proc/self/fd/{task_fd}".encode(), TASK_ROOT, None, _MS_BIND | _MS_REC)
        self._mount(None, TASK_ROOT, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | task_flags)
        self._mount(None, "/var", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        os.close(var_fd)
        os.close(task_fd)
        kept_fds = [os.open(f"/tmp/{name}", os.O_PATH) for name, _, _ in self._kept]
        size = f"mode=1777,size={self.ephemeral_mb}m".encode()
        self._mount(b"tmpfs", "/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, size)
        for (name, is_dir, flags), fd in zip(self._kept, kept_fds, strict=True):
            path = f"/tmp/{name}"
            if is_dir:
                os.mkdir(path)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
            self._mount(f"/proc/self/fd/{fd}".encode(), path, None, _MS_BIND | _MS_REC)
            self._mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)
            os.close(fd)
        os.chdir(TASK_ROOT)

    def _mount(self, source: bytes | None, target: str, fstype: bytes | None, flags: int, data=None) -> None:
        self._call(f"mount {target}", self._libc.mount(source, target.encode(), fstype, flags, data))

    @staticmethod
    def _call(step: str, result: int) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise SandboxUnavailable(f"{step}: {os.strerror(errno)}")


def _entries(folder: str) -> list[tuple[str, str, str | None]]:
    """(name, "dir" / "file" / "link", link target) of each entry of `folder` that can be bound back in
    (sockets, fifos and devices are left out, and `task`, which the sandbox provides)."""
    entries = []
    for name in sorted(os.listdir(folder)):
        if name == os.path.basename(TASK_ROOT):
            continue
        path = os.path.join(folder, name)
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            entries.append((name, "link", os.readlink(path)))
        elif stat.S_ISDIR(mode):
            entries.append((name, "dir", None))
        elif stat.S_ISREG(mode):
            entries.append((name, "file", None))
    return entries
