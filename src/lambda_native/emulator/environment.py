"""One execution environment: a runtime process, its Runtime API server, and the invokes it serves in turn.

Lifecycle as in Lambda: the runtime is started lazily by the first invoke (a cold start), initialises,
asks `/next`, gets the event, posts a reply, asks `/next` again and waits there (warm). A timeout, a
memory limit breach or a crash kills the whole process tree; the next invoke starts a new one. An
`/init/error` is returned to the invoke that caused the init, and the next invoke initialises again.

Everything runs on one asyncio loop; `Function` (function.py) wraps it for synchronous callers.
"""

from __future__ import annotations

import asyncio
import collections
import os
import time

from lambda_native.emulator import http11, platform_errors, report
from lambda_native.emulator.invocation import (
    Invocation,
    InvokeResult,
    Outcome,
    ReplyBody,
    init_error_outcome,
    platform_error,
    runtime_headers_from_invoke,
)
from lambda_native.emulator.lambda_env import FunctionConfig, check_user_env, runtime_environment
from lambda_native.emulator.memory import TreeMemory
from lambda_native.emulator.package import Package
from lambda_native.emulator.process import RuntimeProcess, spawn
from lambda_native.emulator.runtime_api import Rejection, RuntimeAPIConnection

INIT_TIMEOUT_S = 10.0
"""Lambda's limit on the init phase; an init that is still running after this plus the function's
timeout (the init is retried inside the first invoke in Lambda) is killed as a timeout."""

INIT_ERROR_EXIT_GRACE_S = 2.0
"""How long a runtime that posted `/init/error` has to exit before it is killed."""

EXIT_SETTLE_S = 1.0
"""After the runtime exits, how long its last requests may still be read before the exit is judged."""

SAMPLE_INTERVAL_S = 0.01
"""How often the tree's peak memory is checked against the limit while init or an invoke runs."""

RESCAN_EVERY = 10
"""Look for new processes in the tree every this many samples (and at a cold start's reply)."""

MAX_LINE_BYTES = 256 * 1024
"""Longest runtime output line kept whole (CloudWatch's log event size)."""

_STOPPED, _INITIALIZING, _READY = "stopped", "initializing", "ready"


class Environment:
    """A Lambda execution environment for one function, driven from an asyncio loop.

    `log`, if given, receives every line as it happens: the runtime's output and the platform's
    START / END / REPORT lines.
    """

    def __init__(
        self,
        package: Package,
        config: FunctionConfig,
        user_env: dict[str, str] | None = None,
        *,
        cpu: int | None = None,
        log=None,
    ) -> None:
        self.package = package
        self.config = config
        self.user_env = dict(user_env or {})
        check_user_env(self.user_env)
        self.cpu = cpu
        self.log = log
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: asyncio.Server | None = None
        self.runtime_api = ""
        self.proc: RuntimeProcess | None = None
        self.state = _STOPPED
        self.current: Invocation | None = None
        self.parked: list[RuntimeAPIConnection] = []
        self.connections: set[RuntimeAPIConnection] = set()
        self.memory: TreeMemory | None = None
        self.init_error: Outcome | None = None
        self.t_spawn_ns = 0
        self.t_first_next_ns: int | None = None
        self._exited: asyncio.Future | None = None
        self._finished_ids: collections.deque[str] = collections.deque(maxlen=256)
        self._lock = asyncio.Lock()
        self._closed = False
        self._sampler: asyncio.TimerHandle | None = None
        self._init_timer: asyncio.TimerHandle | None = None
        self._ticks = 0
        self._partial = b""
        self._idle_logs: list[str] = []

    # ---- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Start listening for the runtime on 127.0.0.1 (ephemeral port)."""
        self.loop = asyncio.get_running_loop()
        self.server = await self.loop.create_server(lambda: RuntimeAPIConnection(self), "127.0.0.1", 0)
        self.runtime_api = f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        """Kill the runtime (if running) and wait until it is gone; the next invoke is a cold start."""
        if self.proc is not None and self._exited is not None:
            self.proc.kill_tree()
            await self._exited

    async def close(self) -> None:
        """Stop the runtime and the server for good."""
        self._closed = True
        await self.stop()
        if self.server is not None:
            self.server.close()
            self.server = None

    @property
    def running(self) -> bool:
        """True while a runtime process is alive (the next invoke would be warm)."""
        return self.proc is not None

    # ---- invoking --------------------------------------------------------------------------------

    async def invoke(self, event: bytes, headers: dict[str, str] | None = None, stream=None) -> InvokeResult:
        """Run one invoke (queued behind any other on this environment) and return its result.

        `headers` are the invoke request's (`X-Amz-Client-Context`, `X-Amzn-Trace-Id`,
        `X-Amz-Tenant-Id`). `stream`, if given, receives a streamed response as it arrives
        (`begin(content_type)`, `data(bytes)`, `end(trailers)`).
        """
        if len(event) > platform_errors.MAX_RESPONSE_BYTES:
            raise platform_errors.EventTooLarge(
                f"the event is {len(event)} bytes; Lambda accepts at most "
                f"{platform_errors.MAX_RESPONSE_BYTES} bytes for a synchronous invoke"
            )
        runtime_headers = runtime_headers_from_invoke(headers)
        async with self._lock:
            inv = Invocation(event, runtime_headers, self.loop.create_future(), stream)
            inv.logs.extend(self._idle_logs)
            self._idle_logs.clear()
            self.current = inv
            try:
                if self.proc is None:
                    self._start(inv)
                elif self.parked:
                    self._hand_out(self.parked.pop(), inv)
                outcome = await inv.future
                outcome = await self._check_memory_after(inv, outcome)
                return self._result(inv, outcome, inv.cold)
            finally:
                self.current = None
                self._finished_ids.append(inv.request_id)

    def _start(self, inv: Invocation) -> None:
        env = runtime_environment(
            self.config,
            runtime_api=self.runtime_api,
            task_root=self.package.task_root,
            user_env=self.user_env,
            inherit_path=self.package.inherit_path,
        )
        self.init_error = None
        self.t_first_next_ns = None
        inv.cold = True
        self.t_spawn_ns = time.perf_counter_ns()
        try:
            proc = spawn(self.package.argv, env, self.package.task_root, self.cpu)
        except OSError as exc:
            message = f"RequestId: {inv.request_id} Error: fork/exec {self.package.argv[0]}: {exc.strerror}"
            self._finish(inv, platform_error("Runtime.InvalidEntrypoint", message))
            return
        self.proc = proc
        self.state = _INITIALIZING
        self.memory = TreeMemory(proc.pid)
        self._exited = self.loop.create_future()
        self.loop.add_reader(proc.pidfd, self._on_exit)
        self.loop.add_reader(proc.log_fd, self._on_output)
        self._init_timer = self.loop.call_later(INIT_TIMEOUT_S + self.config.timeout, self._on_init_timeout)
        self._start_sampler()

    def _hand_out(self, conn: RuntimeAPIConnection, inv: Invocation) -> None:
        inv.handed_out = True
        inv.deadline_ms = int(time.time() * 1000 + self.config.timeout * 1000)
        reply = http11.response(200, inv.event, inv.next_response_headers(self.config.function_arn))
        inv.t_handout_ns = time.perf_counter_ns()
        conn.send(reply)
        # START goes after the event is on its way, and after what the runtime printed before asking.
        self._drain_output()
        self._platform_line(
            report.start_json(inv.request_id, self.config.version)
            if self._json_logs
            else report.start_line(inv.request_id, self.config.version)
        )
        inv.timer = self.loop.call_later(self.config.timeout, self._on_timeout, inv)
        self._start_sampler()

    def _finish(self, inv: Invocation, outcome: Outcome) -> None:
        if inv.future.done():
            return
        if inv.timer is not None:
            inv.timer.cancel()
        inv.future.set_result(outcome)

    async def _check_memory_after(self, inv: Invocation, outcome: Outcome) -> Outcome:
        """Take the tree's peak after a reply; a runtime found above its memory limit is killed."""
        if self.proc is None or self.memory is None:
            return outcome
        if inv.cold:
            # Walking /proc costs ~0.3 ms: once per runtime here, then every RESCAN_EVERY samples.
            self.memory.rescan()
        if self.memory.sample() > self.config.memory * 1024:
            inv.kill_reason = "memory"
            self.proc.kill_tree()
            returncode = await self._exited
            message = platform_errors.exit_error_message(inv.request_id, returncode)
            self._platform_line(message)
            self._platform_line("Runtime.ExitError")
            return platform_error("Runtime.ExitError", message)
        return outcome

    def _result(self, inv: Invocation, outcome: Outcome, cold: bool) -> InvokeResult:
        timeout_ms = self.config.timeout * 1000
        if outcome.status == "timeout":
            duration = timeout_ms
        elif inv.handed_out:
            duration = min((outcome.t_ns - inv.t_handout_ns) / 1e6, timeout_ms)
        else:
            duration = 0.0
        peak_kb = self.memory.peak_kb if self.memory is not None else 0
        max_used = min(report.memory_mb(peak_kb), self.config.memory)
        init_ms = spawn_next = spawn_response = None
        if cold:
            t_ready = self.t_first_next_ns if self.t_first_next_ns is not None else outcome.t_ns
            spawn_next = self.t_first_next_ns - self.t_spawn_ns if self.t_first_next_ns is not None else None
            init_ms = (t_ready - self.t_spawn_ns) / 1e6
            spawn_response = outcome.t_ns - self.t_spawn_ns if inv.handed_out else None
        report_text = report.report_line(inv.request_id, duration, self.config.memory, max_used, init_ms)
        if self._json_logs:
            self._platform_line(report.runtime_done_json(inv.request_id, outcome.status, outcome.error_type))
            self._platform_line(
                report.report_json(
                    inv.request_id,
                    outcome.status,
                    duration,
                    self.config.memory,
                    max_used,
                    init_ms,
                    outcome.error_type,
                )
            )
        else:
            self._platform_line(report.end_line(inv.request_id))
            self._platform_line(report_text)
        return InvokeResult(
            request_id=inv.request_id,
            payload=outcome.payload,
            content_type=outcome.content_type,
            error_type=outcome.error_type,
            status=outcome.status,
            cold=cold,
            init_duration_ms=init_ms,
            duration_ms=duration,
            billed_duration_ms=report.billed_ms(duration),
            memory_size_mb=self.config.memory,
            max_memory_used_mb=max_used,
            peak_rss_kb=peak_kb,
            spawn_to_first_next_ns=spawn_next,
            spawn_to_response_ns=spawn_response,
            logs=inv.logs,
            report=report_text,
            trailers=outcome.trailers,
            streamed=outcome.streamed,
        )

    @property
    def _json_logs(self) -> bool:
        return self.config.log_format == "JSON"

    # ---- Runtime API callbacks (from RuntimeAPIConnection) -----------------------------------------

    def on_next(self, conn: RuntimeAPIConnection, head: http11.RequestHead) -> None:
        """`GET /next`: hand out the pending event, re-deliver the current one, or wait for the next."""
        if self.proc is None:
            # A process outliving its reset runtime (e.g. one that left the session): RAPID's 500.
            conn.send(
                http11.response(
                    500,
                    platform_errors.api_error(
                        "ServerError", "Container error. Non-recoverable state. Runtime should exit promptly."
                    ),
                )
            )
            return
        if self.state == _INITIALIZING:
            self.t_first_next_ns = head.t_ns
            self.state = _READY
            if self._init_timer is not None:
                self._init_timer.cancel()
                self._init_timer = None
        inv = self.current
        if inv is not None and not inv.future.done():
            if not inv.handed_out:
                self._hand_out(conn, inv)
                return
            if not inv.replied:
                # A second /next during an invoke re-delivers the current event, as RAPID does.
                conn.send(
                    http11.response(200, inv.event, inv.next_response_headers(self.config.function_arn))
                )
                return
        self.parked.append(conn)

    def on_post(
        self, kind: str, request_id: str | None, head: http11.RequestHead, conn: RuntimeAPIConnection
    ):
        """`POST /response`, `/error` or `/init/error`: return the object that takes the body."""
        if kind == "init_error":
            if self.state != _INITIALIZING:
                return Rejection(conn, 403, _transition_error("Ready", "InitError"))
            return _InitErrorBody(self, conn, head.headers)
        inv = self.current
        if inv is None or inv.request_id != request_id or not inv.handed_out:
            if request_id in self._finished_ids:
                return Rejection(conn, 403, _transition_error("ResponseSent", "ResponseSent"))
            return Rejection(conn, 400, platform_errors.api_error("InvalidRequestID", "Invalid request ID"))
        if inv.replied or inv.future.done():
            return Rejection(conn, 403, _transition_error("ResponseSent", "ResponseSent"))
        inv.replied = True
        mode = head.headers.get("lambda-runtime-function-response-mode")
        if kind == "response" and mode is not None and mode.lower() != "streaming":
            message = f"Invalid response mode header value: {mode}"
            self._finish(inv, platform_error("Runtime.InvalidResponseModeHeader", message))
            return Rejection(conn, 400, platform_errors.api_error("InvalidFunctionResponseMode", message))
        if kind == "response" and mode is None and head.content_length > platform_errors.MAX_RESPONSE_BYTES:
            size = head.content_length
            message = platform_errors.response_too_large_message(size)
            self._finish(inv, platform_error("Function.ResponseSizeTooLarge", message))
            return Rejection(
                conn,
                413,
                platform_errors.api_error(
                    "RequestEntityTooLarge",
                    f"Exceeded maximum allowed payload size ({platform_errors.MAX_RESPONSE_BYTES} bytes).",
                ),
            )
        return _ReplyBody(self, conn, inv, ReplyBody(kind, head.headers, inv.stream))

    def on_connection_made(self, conn: RuntimeAPIConnection) -> None:
        """Track a new runtime connection."""
        self.connections.add(conn)

    def on_connection_lost(self, conn: RuntimeAPIConnection) -> None:
        """Forget a connection (and its parked `/next`)."""
        self.connections.discard(conn)
        if conn in self.parked:
            self.parked.remove(conn)

    def on_init_error(self, outcome: Outcome) -> None:
        """The runtime reported an init error; it must now exit (or is killed after a grace period)."""
        self.init_error = outcome
        self.loop.call_later(INIT_ERROR_EXIT_GRACE_S, self._kill_if, self.proc)

    def on_reply(self, inv: Invocation, outcome: Outcome) -> None:
        """The runtime finished posting its response or error for `inv`."""
        self._drain_output()
        self._finish(inv, outcome)

    # ---- process events --------------------------------------------------------------------------

    def _on_exit(self) -> None:
        proc = self.proc
        was_ready = self.state == _READY
        self.loop.remove_reader(proc.pidfd)
        os.close(proc.pidfd)
        returncode = proc.reap()
        proc.kill_tree()
        self._drain_output()
        self.loop.remove_reader(proc.log_fd)
        os.close(proc.log_fd)
        if self._partial:
            self._runtime_line(self._partial.decode("utf-8", "replace"))
            self._partial = b""
        self.proc = None
        self.state = _STOPPED
        for handle in (self._sampler, self._init_timer):
            if handle is not None:
                handle.cancel()
        self._sampler = self._init_timer = None
        for conn in self.parked:
            conn.close()
        self.parked.clear()
        inv = self.current
        self._exited.set_result(returncode)
        if inv is not None and not inv.future.done():
            self._settle_exit(inv, returncode, was_ready, time.monotonic() + EXIT_SETTLE_S, 0)

    def _settle_exit(self, inv: Invocation, returncode: int, was_ready: bool, deadline: float, rounds: int):
        """Judge an exit once what the runtime sent before dying has been read (its connections ended).

        A runtime may post `/init/error` or its response and exit at once: the exit can be seen before the
        request is. So the verdict waits a few loop rounds and until the dead runtime's connections close.
        """
        if inv.future.done():
            return
        if (rounds < 3 or self.connections) and time.monotonic() < deadline:
            self.loop.call_later(0.001, self._settle_exit, inv, returncode, was_ready, deadline, rounds + 1)
            return
        if was_ready and not inv.handed_out and inv.kill_reason is None and not self._closed:
            # The runtime died between invokes, before taking this one: Lambda resets the environment
            # and the invoke gets a fresh one (a cold start).
            self._start(inv)
            return
        if inv.kill_reason == "timeout":
            message = platform_errors.timeout_message(self.config.timeout)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
            self._platform_line(f"{stamp} {inv.request_id} {message}")
            outcome = Outcome(
                message.encode(), "Sandbox.Timedout", content_type="text/plain", status="timeout"
            )
        elif self.init_error is not None and not inv.handed_out:
            outcome = self.init_error
        else:
            message = platform_errors.exit_error_message(inv.request_id, returncode)
            self._platform_line(message)
            self._platform_line("Runtime.ExitError")
            outcome = platform_error("Runtime.ExitError", message)
        self._finish(inv, outcome)

    def _on_timeout(self, inv: Invocation) -> None:
        if not inv.future.done() and self.proc is not None:
            inv.kill_reason = "timeout"
            self.proc.kill_tree()

    def _on_init_timeout(self) -> None:
        self._init_timer = None
        inv = self.current
        if inv is not None and self.proc is not None:
            inv.kill_reason = "timeout"
            self.proc.kill_tree()

    def _kill_if(self, proc: RuntimeProcess | None) -> None:
        if proc is not None and proc is self.proc:
            proc.kill_tree()

    def _start_sampler(self) -> None:
        if self._sampler is None and self.proc is not None:
            self._sampler = self.loop.call_later(SAMPLE_INTERVAL_S, self._sample)

    def _sample(self) -> None:
        self._sampler = None
        if self.proc is None:
            return
        self._ticks += 1
        if self._ticks % RESCAN_EVERY == 0:
            self.memory.rescan()
        if self.memory.sample() > self.config.memory * 1024:
            if self.current is not None:
                self.current.kill_reason = "memory"
            self.proc.kill_tree()
            return
        inv = self.current
        if self.state == _INITIALIZING or (inv is not None and inv.handed_out and not inv.future.done()):
            self._start_sampler()

    # ---- output ----------------------------------------------------------------------------------

    def _on_output(self) -> None:
        self._drain_output()

    def _drain_output(self) -> None:
        """Read whatever the runtime has written so far and emit its complete lines."""
        if self.proc is None:
            return
        while True:
            try:
                data = os.read(self.proc.log_fd, 65536)
            except BlockingIOError:
                return
            if not data:
                self.loop.remove_reader(self.proc.log_fd)
                return
            lines = (self._partial + data).split(b"\n")
            self._partial = lines.pop()
            while len(self._partial) > MAX_LINE_BYTES:
                # CloudWatch splits log events at 256 KB; a line without end is cut the same way.
                lines.append(self._partial[:MAX_LINE_BYTES])
                self._partial = self._partial[MAX_LINE_BYTES:]
            for line in lines:
                self._runtime_line(line.decode("utf-8", "replace"))

    def _runtime_line(self, line: str) -> None:
        inv = self.current
        (inv.logs if inv is not None and not inv.future.done() else self._idle_logs).append(line)
        if self.log is not None:
            self.log(line)

    def _platform_line(self, line: str) -> None:
        if self.log is not None:
            self.log(line)


class _ReplyBody:
    """Feeds a `/response` or `/error` body to a `ReplyBody`, then replies and finishes the invoke."""

    __slots__ = ("conn", "env", "inv", "reply")

    def __init__(
        self, env: Environment, conn: RuntimeAPIConnection, inv: Invocation, reply: ReplyBody
    ) -> None:
        self.env = env
        self.conn = conn
        self.inv = inv
        self.reply = reply

    def data(self, data: bytes) -> None:
        self.reply.data(data)

    def end(self, trailers: dict[str, str], t_ns: int) -> None:
        status, body, outcome = self.reply.finish(trailers, t_ns)
        self.conn.send(http11.response(status, body))
        self.env.on_reply(self.inv, outcome)


class _InitErrorBody:
    """Collects an `/init/error` body, accepts it, and records the init error."""

    __slots__ = ("chunks", "conn", "env", "headers")

    def __init__(self, env: Environment, conn: RuntimeAPIConnection, headers: dict[str, str]) -> None:
        self.env = env
        self.conn = conn
        self.headers = headers
        self.chunks: list[bytes] = []

    def data(self, data: bytes) -> None:
        self.chunks.append(data)

    def end(self, trailers: dict[str, str], t_ns: int) -> None:
        self.conn.send(http11.response(202, platform_errors.ACCEPTED))
        self.env.on_init_error(init_error_outcome(self.headers, b"".join(self.chunks)))


def _transition_error(source: str, target: str) -> bytes:
    return platform_errors.api_error(
        "InvalidStateTransition",
        f"State transition from {source} to {target} failed for runtime. "
        "Error: State transition is not allowed",
    )
