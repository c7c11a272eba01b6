"""Spawning a runtime (ours, interpreted or native, or the official awslambdaric) as a real process against
a fake Runtime API."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.fake_api import FakeRuntimeAPI

TESTDATA = Path(__file__).resolve().parent / "testdata"

# The implementations under test: ours, the official client as the reference, and ours compiled by
# `build.py` (native.py), whose tests are marked `native` (one Nuitka build per session).
OURS = "ours"
OFFICIAL = "awslambdaric"
NATIVE = "native"
NATIVE_PARAM = pytest.param(NATIVE, marks=pytest.mark.native)
IMPLS = (OURS, OFFICIAL, NATIVE_PARAM)
# For our own behaviour: deliberate differences from the official client and features it lacks.
OURS_AND_NATIVE = (OURS, NATIVE_PARAM)

BASE_ENV = {
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "AWS_LAMBDA_FUNCTION_NAME": "test_function",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/test_function",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]0123456789abcdef",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class LaunchedRuntime:
    """One runtime process launched by a test, with its stdout/stderr collected as it runs."""

    def __init__(
        self,
        impl: str,
        handler: str | None,
        api: FakeRuntimeAPI | None,
        *,
        env: dict | None = None,
        handler_in_argv: bool | None = None,
        task_root: Path = TESTDATA,
        cwd: Path | None = None,
        pass_fds: tuple = (),
        bootstrap: Path | None = None,
    ):
        self.impl = impl
        # Where tracebacks place the handler modules: compiled ones sit beside the bootstrap (on Lambda,
        # the task root /var/task, as with the managed runtime).
        self.code_dir = bootstrap.parent if impl == NATIVE else task_root
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **BASE_ENV}
        full_env["LAMBDA_TASK_ROOT"] = str(task_root)
        if api is not None:
            full_env["AWS_LAMBDA_RUNTIME_API"] = api.address
        if impl == OFFICIAL:
            # awslambdaric only takes the handler from argv and only finds modules through its cwd.
            argv = [sys.executable, "-m", "awslambdaric", handler]
        else:
            argv = [str(bootstrap)] if impl == NATIVE else [sys.executable, "-m", "lambda_native"]
            if handler_in_argv:
                argv.append(handler)
            elif handler is not None:
                full_env["_HANDLER"] = handler
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        self._cond = threading.Condition()
        self._out = bytearray()
        self._err = bytearray()
        self.proc = subprocess.Popen(
            argv,
            env=full_env,
            cwd=str(cwd or task_root),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
        )
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream, buffer):
        while True:
            data = stream.read1(65536)
            if not data:
                break
            with self._cond:
                buffer += data
                self._cond.notify_all()
        stream.close()

    @property
    def stdout(self) -> str:
        with self._cond:
            return self._out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        with self._cond:
            return self._err.decode("utf-8", "replace")

    @property
    def stdout_bytes(self) -> bytes:
        with self._cond:
            return bytes(self._out)

    def wait_stdout(self, pattern: str, timeout: float = 20) -> re.Match:
        """Wait until stdout matches the regular expression `pattern`; return the match."""
        return self._wait_output(self._out, "stdout", pattern, timeout)

    def wait_stderr(self, pattern: str, timeout: float = 20) -> re.Match:
        """Wait until stderr matches the regular expression `pattern`; return the match."""
        return self._wait_output(self._err, "stderr", pattern, timeout)

    def wait_output(self, pattern: str, timeout: float = 20) -> re.Match:
        """Wait until stdout or stderr matches `pattern` (the runtime may log to either)."""
        deadline = time.monotonic() + timeout
        while True:
            for buffer in (self._out, self._err):
                with self._cond:
                    match = re.search(pattern, buffer.decode("utf-8", "replace"))
                if match:
                    return match
            if time.monotonic() > deadline:
                raise TimeoutError(f"no output matched {pattern!r}:\n{self.describe()}")
            with self._cond:
                self._cond.wait(0.1)

    def _wait_output(self, buffer, name, pattern, timeout):
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                match = regex.search(buffer.decode("utf-8", "replace"))
                if match:
                    return match
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{name} never matched {pattern!r}:\n{self.describe()}")
                self._cond.wait(min(left, 0.2))

    def wait(self, timeout: float = 20) -> int:
        """Wait for the process to exit and its output to be fully read; return the exit code."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"runtime did not exit within {timeout} s:\n{self.describe()}") from None
        for reader in self._readers:
            reader.join(timeout)
        return code

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(10)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def describe(self) -> str:
        return (
            f"[{self.impl}] exit={self.proc.poll()}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


class Launcher:
    """Starts fakes and runtimes, and tears every one of them down afterwards."""

    def __init__(self, native_bootstrap: Callable[[], Path]):
        """`native_bootstrap()` gives the native build's bootstrap; called only when one is launched."""
        self._native_bootstrap = native_bootstrap
        self._procs: list[LaunchedRuntime] = []
        self._apis: list[FakeRuntimeAPI] = []

    def api(self) -> FakeRuntimeAPI:
        api = FakeRuntimeAPI().start()
        self._apis.append(api)
        return api

    def __call__(self, impl: str, handler: str | None, **kwargs) -> tuple[FakeRuntimeAPI, LaunchedRuntime]:
        """Start a fresh fake API and a runtime of `impl` on it running `handler`."""
        api = kwargs.pop("api", None) or self.api()
        return api, self.process(impl, handler, api, **kwargs)

    def process(
        self, impl: str, handler: str | None, api: FakeRuntimeAPI | None, **kwargs
    ) -> LaunchedRuntime:
        if impl == NATIVE:
            kwargs["bootstrap"] = self._native_bootstrap()
        proc = LaunchedRuntime(impl, handler, api, **kwargs)
        if api is not None:
            api.process = proc
        self._procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self._procs:
            proc.kill()
        for api in self._apis:
            api.close()
