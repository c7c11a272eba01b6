"""Starting and killing a runtime process: its own session, one pipe for its output, an optional CPU.

The runtime is started with `setsid`, so it and everything it starts can be killed as one group, as
Lambda does when it resets an environment. Its stdout and stderr share one pipe, which keeps their lines
in the order they were written (Lambda merges both into one log stream). A sandboxed start
(emulator.sandbox) sets up its namespaces in the child before exec.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

from lambda_native.emulator.sandbox import STARTED, Sandbox, SandboxUnavailable

_affinity_lock = threading.Lock()


class RuntimeProcess:
    """A started runtime: the `Popen`, a pidfd that becomes readable when it exits, its output pipe, and
    (sandboxed) the `perf_counter_ns` at which the sandbox was set up and the runtime exec'd."""

    __slots__ = ("log_fd", "pidfd", "popen", "t_exec_ns")

    def __init__(self, popen: subprocess.Popen, pidfd: int, log_fd: int) -> None:
        self.popen = popen
        self.pidfd = pidfd
        self.log_fd = log_fd
        self.t_exec_ns: int | None = None

    @property
    def pid(self) -> int:
        """The runtime's pid (also its session and process group id)."""
        return self.popen.pid

    def kill_tree(self) -> None:
        """SIGKILL the runtime and everything in its process group."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def reap(self) -> int:
        """The exit status once the pidfd said the process ended (negative signal number if killed)."""
        return self.popen.wait()


def spawn(
    argv: list[str], env: dict[str, str], cwd: str, cpu: int | None = None, sandbox: Sandbox | None = None
) -> RuntimeProcess:
    """Start `argv` in `cwd` with exactly `env`, its output on a non-blocking pipe, pinned to `cpu` if given.

    The CPU pin is inherited from the spawning thread (set around the fork, then restored), so the
    runtime is pinned from its first instruction without a `preexec_fn`, which would rule out vfork.
    With `sandbox`, `cwd` is its /var/task and the set-up is the `preexec_fn`; SandboxUnavailable when
    the kernel refuses it.
    """
    if sandbox is not None:
        return _spawn_sandboxed(argv, env, cpu, sandbox)
    return _spawn(argv, env, cpu, cwd=cwd)


def _spawn_sandboxed(
    argv: list[str], env: dict[str, str], cpu: int | None, sandbox: Sandbox
) -> RuntimeProcess:
    read_end, sandbox.report_fd = os.pipe()
    try:
        try:
            proc = _spawn(argv, env, cpu, preexec_fn=sandbox.enter)
        finally:
            os.close(sandbox.report_fd)
            sandbox.report_fd = None
        report = os.read(read_end, 4096)
    except subprocess.SubprocessError:
        reason = os.read(read_end, 4096).decode(errors="replace") or "its set-up failed"
        raise SandboxUnavailable(reason) from None
    finally:
        os.close(read_end)
    proc.t_exec_ns = int(report.removeprefix(STARTED))
    return proc


def _spawn(argv: list[str], env: dict[str, str], cpu: int | None, **popen_options) -> RuntimeProcess:
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    try:
        with _affinity_lock:
            saved = os.sched_getaffinity(0) if cpu is not None else None
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
            try:
                popen = subprocess.Popen(
                    argv,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=write_fd,
                    stderr=write_fd,
                    start_new_session=True,
                    **popen_options,
                )
            finally:
                if saved is not None:
                    os.sched_setaffinity(0, saved)
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return RuntimeProcess(popen, os.pidfd_open(popen.pid), read_fd)
