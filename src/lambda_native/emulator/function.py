"""`Function`: the emulator as a synchronous Python object, for tests, the benchmark suite and scripts.

It owns an `Environment` running on a private event-loop thread; `invoke` blocks until the invoke is
done. See the package docstring (`lambda_native.emulator`) for the API in one place.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import Sequence

import orjson

from lambda_native.emulator.environment import Environment
from lambda_native.emulator.lambda_env import FunctionConfig, profile_credentials
from lambda_native.emulator.measure import InvokeResult
from lambda_native.emulator.sandbox import DEFAULT_EPHEMERAL_MB
from lambda_native.emulator.task_root import open_package


class Function:
    """A Lambda function run locally: `with Function("dist/function.zip") as fn: fn.invoke(b"{}")`.

    `source` is a function.zip, a folder holding `bootstrap`, or a command (a list, e.g.
    `[sys.executable, "-m", "awslambdaric", "app.handler"]`, run in the current folder). Pass both a
    path and `command=` to run a command in that task root. The runtime starts on the first `invoke`
    (cold start), stays warm between invokes, and is killed by `restart()`, `stop()` or leaving the
    `with` block. `cpu` pins the runtime to one CPU; `log` receives every output line as it happens.
    `max_concurrency=N` makes it a Lambda Managed Instances function: `invoke` may then be called from N
    threads at once, and the one runtime serves them together; as there, a timeout fails that invoke alone
    (its slot stays busy until the handler returns), and a runtime worker process that dies fails only the
    invokes it held. An invoke beyond N waits for a slot here (`serve` refuses it, as Lambda does).
    The function gets the credentials of AWS profile `profile`, else `credentials` (the variables), else
    the caller's, else fake ones. `sandbox=True` runs it in Lambda's sandbox (emulator.sandbox: the task
    root read-only at /var/task, a private /tmp of `ephemeral_storage` MB, uid 993), as `lambda-native
    invoke` and `serve` do by default; off here, where tests and benchmarks measure the runtime itself.
    """

    def __init__(
        self,
        source: str | os.PathLike | Sequence[str] | None = None,
        *,
        command: Sequence[str] | None = None,
        handler: str | None = None,
        timeout: float = 3.0,
        memory: int = 128,
        env: dict[str, str] | None = None,
        cpu: int | None = None,
        function_name: str = "test_function",
        function_version: str = "$LATEST",
        region: str = "us-east-1",
        log_format: str | None = None,
        log_level: str | None = None,
        max_concurrency: int | None = None,
        profile: str | None = None,
        credentials: dict[str, str] | None = None,
        log=None,
        sandbox: bool = False,
        ephemeral_storage: int = DEFAULT_EPHEMERAL_MB,
    ) -> None:
        if isinstance(source, (list, tuple)):
            source, command = None, list(source)
        command = list(command) if command else None
        if handler is None:
            # Like the RIE: with a command of several words the last one is the handler.
            handler = command[-1] if command and len(command) > 1 else None
        self.config = FunctionConfig(
            handler=handler,
            timeout=timeout,
            memory=memory,
            function_name=function_name,
            version=function_version,
            region=region,
            log_format=log_format,
            log_level=log_level,
            max_concurrency=max_concurrency,
            credentials=profile_credentials(profile) if profile is not None else credentials,
        )
        self.package = open_package(source, command)
        try:
            self.environment = Environment(
                self.package,
                self.config,
                env,
                cpu=cpu,
                log=log,
                sandbox=sandbox,
                ephemeral_storage=ephemeral_storage,
            )
        except BaseException:
            self.package.cleanup()
            raise
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="lambda-native-emulator", daemon=True
        )
        self._thread.start()
        self._closed = False
        # If the caller never stops it, the runtime is still killed and the zip removed at exit.
        self._finalizer = weakref.finalize(self, _abandon, self.environment, self.package)
        self._call(self.environment.open())

    @property
    def task_root(self) -> str:
        """Where the function's code is (the extracted zip, the folder, or the command's folder)."""
        return self.package.task_root

    @property
    def runtime_api(self) -> str:
        """`host:port` of this function's Runtime API server."""
        return self.environment.runtime_api

    @property
    def running(self) -> bool:
        """True while the runtime is alive (the next invoke is warm)."""
        return self.environment.running

    def invoke(
        self, event: bytes | str | dict | list = b"{}", headers: dict[str, str] | None = None, stream=None
    ) -> InvokeResult:
        """Invoke the function with `event` (bytes as-is; str UTF-8; dict/list as JSON) and wait for it.

        `headers` are invoke request headers: `X-Amz-Client-Context` (base64 JSON), `X-Amzn-Trace-Id`,
        `X-Amz-Tenant-Id`. `stream`, if given, receives a streamed response as it arrives, on the
        emulator's thread: `begin(content_type)`, `data(bytes)`, `end(trailers)`; the result's payload is
        then empty.
        """
        if self._closed:
            raise RuntimeError("this Function is stopped")
        if isinstance(event, str):
            event = event.encode()
        elif not isinstance(event, (bytes, bytearray)):
            event = orjson.dumps(event)
        return self._call(self.environment.invoke(bytes(event), headers, stream))

    def init(self) -> InitResult:
        """Start the runtime now, without an invoke, and wait for its init (as Lambda does for provisioned
        concurrency); the next invoke is then warm. A runtime already running is left as it is."""
        if self._closed:
            raise RuntimeError("this Function is stopped")
        outcome, logs, init_ms = self._call(self.environment.init())
        return InitResult(outcome, logs, init_ms)

    def restart(self) -> None:
        """Kill the runtime now; the next invoke is a cold start."""
        self._call(self.environment.stop())

    def stop(self) -> None:
        """Kill the runtime, close the Runtime API server and remove the extracted zip. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self._call(self.environment.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            self._finalizer.detach()
            self.package.cleanup()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> Function:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class InitResult:
    """How an init phase ended: `ok`, or `error_type` and `payload` (the error document the first invoke
    would get); `logs`, the runtime's lines meanwhile; `init_duration_ms` (None unless it got ready)."""

    __slots__ = ("error_type", "init_duration_ms", "logs", "payload")

    def __init__(self, outcome, logs: list[str], init_duration_ms: float | None) -> None:
        self.error_type = outcome.error_type if outcome is not None else None
        self.payload = outcome.payload if outcome is not None else b""
        self.logs = logs
        self.init_duration_ms = init_duration_ms

    @property
    def ok(self) -> bool:
        """True when the runtime initialised and asked for an event."""
        return self.error_type is None

    def json(self):
        """The error document, parsed."""
        return orjson.loads(self.payload)


def _abandon(environment: Environment, package) -> None:
    """Kill an unstopped Function's runtime tree and remove its extracted zip."""
    if environment.proc is not None:
        environment.proc.kill_tree()
    package.cleanup()
