"""One execution environment: a runtime process, its Runtime API server, and the invokes it serves in turn.

Lifecycle as in Lambda: the runtime is started lazily by the first invoke (a cold start), initialises,
asks `/next`, gets the event, posts a reply, asks `/next` again and waits there (warm). A timeout, a
memory limit breach or a crash kills the whole process tree; the next invoke starts a new one. An
`/init/error` is returned to the invoke that caused the init, and the next invoke initialises again.
With Managed Instances' concurrency (`max_concurrency`) a timeout fails that invoke alone and the runtime
goes on, its slot busy until the late reply (answered 410), and a worker process that dies fails only
the invokes it held (`workers`).

`Environment` wires the parts and owns what spans them: the runtime's lifetime, the timers, memory
sampling and the invocations (keyed by request id). The parts, one job each: `runtime_api` (the server
and its connections), `runtime_state` (what each Runtime API call does in each state), `process`
(spawning and killing), `output` (the runtime's log lines), `memory` (peak RSS), `measure` and
`platform_log` (the result, START / END / REPORT). Everything runs on one asyncio loop; `Function`
(function.py) wraps it for synchronous callers.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from lambda_native.emulator import http11, platform_errors, platform_log, runtime_state, workers
from lambda_native.emulator.invocation import (
    Invocation,
    Outcome,
    Reply,
    platform_error,
    runtime_headers_from_invoke,
    string_field,
)
from lambda_native.emulator.lambda_env import FunctionConfig, check_user_env, runtime_environment
from lambda_native.emulator.measure import InvokeResult, measure
from lambda_native.emulator.memory import TreeMemory
from lambda_native.emulator.output import OutputCapture
from lambda_native.emulator.process import RuntimeProcess, spawn
from lambda_native.emulator.runtime_api import (
    BodyReader,
    InitErrorReader,
    Rejection,
    ReplyReader,
    RuntimeAPIConnection,
    RuntimeAPIServer,
)
from lambda_native.emulator.runtime_state import RuntimeAPIState
from lambda_native.emulator.sandbox import (
    DEFAULT_EPHEMERAL_MB,
    TASK_ROOT,
    Sandbox,
    SandboxUnavailable,
    sandboxed_path,
    warn_unsandboxed,
)
from lambda_native.emulator.task_root import Package

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


class Environment:
    """A Lambda execution environment for one function, driven from an asyncio loop.

    `log`, if given, receives every line as it happens: the runtime's output and the platform's
    START / END / REPORT lines. `sandbox` starts the runtime in Lambda's sandbox (emulator.sandbox), with
    a /tmp of `ephemeral_storage` MB.
    """

    def __init__(
        self,
        package: Package,
        config: FunctionConfig,
        user_env: dict[str, str] | None = None,
        *,
        cpu: int | None = None,
        log=None,
        sandbox: bool = False,
        ephemeral_storage: int = DEFAULT_EPHEMERAL_MB,
    ) -> None:
        self.package = package
        self.config = config
        self.user_env = dict(user_env or {})
        check_user_env(self.user_env)
        self.cpu = cpu
        self.log = log
        # Lambda's sandbox (emulator.sandbox) around each start; None when off or unavailable here.
        self.sandbox = None
        if sandbox:
            # What the runtime runs from, if it lies in the host's /tmp, stays visible (read-only).
            pythonpath = self.user_env.get("PYTHONPATH", "").split(os.pathsep)
            self.sandbox = Sandbox(package.task_root, ephemeral_storage, keep=[*package.argv, *pythonpath])
        self.loop: asyncio.AbstractEventLoop | None = None
        self.api = RuntimeAPIServer(self._answer, self._on_connection_lost)
        self.state = RuntimeAPIState(concurrent=config.max_concurrency is not None)
        self.invocations: dict[str, Invocation] = {}
        # Timed-out invokes whose handler still runs (Managed Instances): each keeps its slot busy.
        self.overrun: dict[str, Invocation] = {}
        # The runtime now running (all None while stopped), and what was measured of it.
        self.proc: RuntimeProcess | None = None
        self.output: OutputCapture | None = None
        self.memory: TreeMemory | None = None
        self.init_error: Outcome | None = None
        # The runtime exited during its init: an `/init/error` it sent just before may still be read.
        self._died_initializing = False
        self.t_spawn_ns = 0
        self.t_first_next_ns: int | None = None
        self._exited: asyncio.Future | None = None
        self._init_timer: asyncio.TimerHandle | None = None
        self._sampler: asyncio.TimerHandle | None = None
        self._samples = 0
        self._idle_logs: list[str] = []
        # Invokes at once: one, as in Lambda, or the Managed Instances' maximum concurrency.
        self._slots = asyncio.Semaphore(config.max_concurrency or 1)
        self._busy_slots = 0
        # Set by `init()` while it waits: resolved with None when the runtime is ready, else the outcome.
        self._init_waiter: asyncio.Future | None = None
        self._closed = False

    # ---- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Start listening for the runtime on 127.0.0.1 (ephemeral port)."""
        self.loop = asyncio.get_running_loop()
        await self.api.open()

    async def stop(self) -> None:
        """Kill the runtime (if running) and wait until it is gone; the next invoke is a cold start."""
        if self.proc is not None and self._exited is not None:
            self.proc.kill_tree()
            await self._exited

    async def close(self) -> None:
        """Stop the runtime and the server for good."""
        self._closed = True
        await self.stop()
        self.api.close()

    @property
    def runtime_api(self) -> str:
        """`host:port` of the Runtime API server (the runtime's `AWS_LAMBDA_RUNTIME_API`)."""
        return self.api.address

    @property
    def running(self) -> bool:
        """True while a runtime process is alive (the next invoke would be warm)."""
        return self.proc is not None

    @property
    def free_slots(self) -> int:
        """Invokes that could start now: slots neither serving an invoke nor held by one that timed out."""
        return (self.config.max_concurrency or 1) - self._busy_slots

    # ---- invoking --------------------------------------------------------------------------------

    async def invoke(self, event: bytes, headers: dict[str, str] | None = None, stream=None) -> InvokeResult:
        """Run one invoke (queued behind others when all slots are busy) and return its result.

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
        await self._slots.acquire()
        self._busy_slots += 1
        inv = Invocation(event, runtime_headers, self.loop.create_future(), stream)
        inv.logs.extend(self._idle_logs)
        self._idle_logs.clear()
        self.invocations[inv.request_id] = inv
        self.state.queued(inv.request_id)
        try:
            if self.proc is None:
                self._start(inv)
            elif self.api.parked:
                # The runtime is waiting on `/next`: that call is answered now.
                self._answer_next(self.api.parked.pop())
            outcome = await inv.future
            outcome = await self._check_memory_after(inv, outcome)
            result = measure(
                inv,
                outcome,
                self.config,
                peak_kb=self.memory.peak_kb if self.memory is not None else 0,
                invoke_peak_kb=self.memory.invoke_peak_kb if self.memory is not None else 0,
                t_spawn_ns=self.t_spawn_ns,
                t_first_next_ns=self.t_first_next_ns,
                emulator=self.package.emulator,
            )
            for line in platform_log.platform_end(result, self._json_logs):
                self._platform_line(line)
            return result
        finally:
            del self.invocations[inv.request_id]
            self.state.finish(inv.request_id)
            self.state.forget(inv.request_id)
            if inv.request_id not in self.overrun:
                self._free_slot()

    def _free_slot(self) -> None:
        self._busy_slots -= 1
        self._slots.release()

    async def init(self) -> tuple[Outcome | None, list[str], float | None]:
        """Run the init phase alone, as Lambda does before any invoke for provisioned concurrency: start the
        runtime (unless it runs) and wait until it asks for an event. Returns (None, or the init error or
        exit as the first invoke would get it; the lines it printed; the init duration in ms)."""
        async with self._slots:
            if self.proc is not None:
                return None, [], None
            request_id = str(uuid.uuid4())  # what a platform error names, as for the invoke to come
            self._init_waiter = self.loop.create_future()
            try:
                outcome = self._spawn(request_id)
                if outcome is None:
                    outcome = await self._init_waiter
            finally:
                self._init_waiter = None
            if isinstance(outcome, int):  # it exited without an init error
                message = platform_errors.exit_error_message(request_id, outcome)
                outcome = platform_error("Runtime.ExitError", message)
            self._drain_output()  # what it printed before asking for an event
            init_ms = None
            if outcome is None and self.t_first_next_ns is not None:
                init_ms = (self.t_first_next_ns - self.t_spawn_ns) / 1e6
            logs = list(self._idle_logs)
            self._idle_logs.clear()  # the init's lines are this result's, not the next invoke's
            return outcome, logs, init_ms

    def _init_over(self, outcome: Outcome | int | None) -> None:
        """The init phase `init()` waits for is over: ready (None), failed, or exited (its status)."""
        if self._init_waiter is not None and not self._init_waiter.done():
            self._init_waiter.set_result(outcome)

    def _start(self, inv: Invocation) -> None:
        inv.cold = True
        failure = self._spawn(inv.request_id)
        if failure is not None:
            self._finish(inv, failure)

    def _spawn(self, request_id: str) -> Outcome | None:
        """Start the runtime process; the platform error when it cannot be started."""
        sandbox = self.sandbox
        task_root = self.package.task_root
        argv = self.package.argv
        if sandbox is not None:
            argv = [sandboxed_path(arg, task_root) for arg in argv]
            task_root = TASK_ROOT
        env = runtime_environment(
            self.config,
            runtime_api=self.runtime_api,
            task_root=task_root,
            user_env=self.user_env,
            inherit_path=self.package.inherit_path,
            caller_path=sandbox is None,
        )
        self.init_error = None
        self._died_initializing = False
        self.t_first_next_ns = None
        self.t_spawn_ns = time.perf_counter_ns()
        try:
            proc = spawn(argv, env, task_root, self.cpu, sandbox)
        except SandboxUnavailable as exc:
            warn_unsandboxed(str(exc))
            self.sandbox = None
            return self._spawn(request_id)
        except OSError as exc:
            message = f"RequestId: {request_id} Error: fork/exec {argv[0]}: {exc.strerror}"
            return platform_error("Runtime.InvalidEntrypoint", message)
        if proc.t_exec_ns is not None:
            # Lambda's Init Duration is the runtime's own: it begins after the sandbox's set-up.
            self.t_spawn_ns = proc.t_exec_ns
        self.proc = proc
        self.state.spawned()
        self.memory = TreeMemory(proc.pid)
        self._exited = self.loop.create_future()
        self.loop.add_reader(proc.pidfd, self._on_exit)
        self.output = OutputCapture(self.loop, proc.log_fd, self._runtime_line)
        self._init_timer = self.loop.call_later(INIT_TIMEOUT_S + self.config.timeout, self._on_init_timeout)
        self._start_sampler()
        return None

    def _hand_out(self, conn: RuntimeAPIConnection, inv: Invocation) -> None:
        if not inv.cold and self.memory is not None and len(self.invocations) == 1:
            self.memory.start_invoke()  # its own peak, beside Max Memory Used (which never falls)
        if self.state.concurrent:
            # Before the event goes: a handler may end its process at once, closing its sockets with it.
            inv.worker = self._connection_owner(conn)
        inv.deadline_ms = int(time.time() * 1000 + self.config.timeout * 1000)
        reply = http11.response(200, inv.event, inv.next_response_headers(self.config.function_arn))
        inv.t_handout_ns = time.perf_counter_ns()
        conn.send(reply)
        # START goes after the event is on its way, and after what the runtime printed before asking.
        self._drain_output()
        self._platform_line(platform_log.platform_start(inv.request_id, self.config.version, self._json_logs))
        inv.timer = self.loop.call_later(self.config.timeout, self._on_timeout, inv)
        self._start_sampler()

    def _connection_owner(self, conn: RuntimeAPIConnection) -> int | None:
        """The pid of the runtime process on the other end of `conn` (looked up once per connection)."""
        if conn.owner is None and self.memory is not None:
            self.memory.rescan()  # a worker forked since the last scan is found too
            conn.owner = workers.connection_owner(*conn.ports, self.memory.members)
            if conn.owner is not None:
                conn.owner_fd = workers.watch(conn.owner)
        return conn.owner

    def _finish(self, inv: Invocation, outcome: Outcome) -> None:
        if inv.future.done():
            return
        if inv.timer is not None:
            inv.timer.cancel()
        self.state.finish(inv.request_id)
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

    @property
    def _json_logs(self) -> bool:
        return self.config.log_format == "JSON"

    # ---- the Runtime API's calls (from RuntimeAPIServer) ------------------------------------------

    def _answer(
        self, conn: RuntimeAPIConnection, kind: str, request_id: str | None, head: http11.RequestHead
    ) -> BodyReader | None:
        """Act on one Runtime API call as `runtime_state` says; for a POST, return its body's reader."""
        if kind == runtime_state.NEXT:
            self._answer_next(conn, head.t_ns)
            return None
        if kind == runtime_state.INIT_ERROR:
            if self.proc is None and self._died_initializing:
                # Sent before the runtime exited, read after: its init error all the same.
                return InitErrorReader(conn, head.headers, self._on_init_error)
            refusal = self.state.init_error()
            if refusal is not None:
                return Rejection(conn, refusal.status, refusal.body())
            return InitErrorReader(conn, head.headers, self._on_init_error)
        if self.overrun.pop(request_id, None) is not None:
            # The late reply of a timed-out invoke (Managed Instances): RAPID's 410, and its slot is free.
            self._free_slot()
            return Rejection(conn, 410, platform_errors.api_error("InvokeTimeout", "Invoke timeout"))
        refusal = self.state.reply(request_id)
        if refusal is not None:
            return Rejection(conn, refusal.status, refusal.body())
        inv = self.invocations[request_id]
        mode = head.headers.get("lambda-runtime-function-response-mode")
        if kind == runtime_state.RESPONSE and mode is not None and mode.lower() != "streaming":
            message = f"Invalid response mode header value: {mode}"
            self._finish(inv, platform_error("Runtime.InvalidResponseModeHeader", message))
            return Rejection(conn, 400, platform_errors.api_error("InvalidFunctionResponseMode", message))
        if (
            kind == runtime_state.RESPONSE
            and mode is None
            and head.content_length > platform_errors.MAX_RESPONSE_BYTES
        ):
            message = platform_errors.response_too_large_message(head.content_length)
            self._finish(inv, platform_error("Function.ResponseSizeTooLarge", message))
            return Rejection(
                conn,
                413,
                platform_errors.api_error(
                    "RequestEntityTooLarge",
                    f"Exceeded maximum allowed payload size ({platform_errors.MAX_RESPONSE_BYTES} bytes).",
                ),
            )
        return ReplyReader(
            conn, Reply(kind, head.headers, inv.stream), lambda outcome: self._on_reply(inv, outcome)
        )

    def _answer_next(self, conn: RuntimeAPIConnection, t_ns: int | None = None) -> None:
        """`GET /next` (or a parked one, when an invoke arrives): hand out, re-deliver, park or refuse."""
        initializing = self.state.runtime == runtime_state.INITIALIZING
        action, request_id = self.state.next()
        if action == runtime_state.REFUSE:
            # A process outliving its reset runtime (e.g. one that left the session): RAPID's 500.
            message = "Container error. Non-recoverable state. Runtime should exit promptly."
            conn.send(http11.response(500, platform_errors.api_error("ServerError", message)))
            return
        if initializing:
            # The runtime's first `/next`: its init is over.
            self.t_first_next_ns = t_ns
            if self._init_timer is not None:
                self._init_timer.cancel()
                self._init_timer = None
            self._init_over(None)
        if action == runtime_state.HAND_OUT:
            self._hand_out(conn, self.invocations[request_id])
        elif action == runtime_state.REDELIVER:
            inv = self.invocations[request_id]
            conn.send(http11.response(200, inv.event, inv.next_response_headers(self.config.function_arn)))
        else:
            self.api.parked.append(conn)

    def _on_reply(self, inv: Invocation, outcome: Outcome) -> None:
        """The runtime finished posting its response or error for `inv`."""
        self._drain_output()
        if self.state.concurrent and inv.timer is not None and inv.timer.when() <= self.loop.time():
            # Read after its deadline, in the same loop round as the timer (a busy machine): too late.
            outcome = self._timed_out(inv)
        self._finish(inv, outcome)

    def _on_init_error(self, outcome: Outcome) -> None:
        """The runtime reported an init error; it must now exit (or is killed after a grace period)."""
        self.init_error = outcome
        self.loop.call_later(INIT_ERROR_EXIT_GRACE_S, self._kill_if, self.proc)

    # ---- process events --------------------------------------------------------------------------

    def _on_exit(self) -> None:
        proc = self.proc
        was_ready = self.state.runtime == runtime_state.READY
        self._died_initializing = self.state.runtime == runtime_state.INITIALIZING
        self.loop.remove_reader(proc.pidfd)
        os.close(proc.pidfd)
        returncode = proc.reap()
        proc.kill_tree()
        self.output.close()
        self.output = None
        self.proc = None
        self.state.exited()
        for handle in (self._sampler, self._init_timer):
            if handle is not None:
                handle.cancel()
        self._sampler = self._init_timer = None
        self.api.close_parked()
        for _ in range(len(self.overrun)):
            self._free_slot()
        self.overrun.clear()
        self._exited.set_result(returncode)
        deadline = time.monotonic() + EXIT_SETTLE_S
        self._settle_init(returncode, deadline, 0)
        for inv in list(self.invocations.values()):
            if not inv.future.done():
                self._settle_exit(inv, returncode, was_ready, deadline, 0)

    def _settling(self, deadline: float, rounds: int) -> bool:
        """Whether the verdict on an exit must wait for what the runtime sent before dying to be read.

        A runtime may post `/init/error` or its response and exit at once: the exit can be seen before the
        request is. So a verdict waits a few loop rounds and until the dead runtime's connections close.
        """
        return (rounds < 3 or bool(self.api.connections)) and time.monotonic() < deadline

    def _settle_init(self, returncode: int, deadline: float, rounds: int) -> None:
        """Give a waiting `init()` its verdict on an exit: the init error posted before it, else the exit."""
        if self._init_waiter is None or self._init_waiter.done():
            return
        if self._settling(deadline, rounds):
            self.loop.call_later(0.001, self._settle_init, returncode, deadline, rounds + 1)
            return
        self._init_over(self.init_error or returncode)

    def _settle_exit(self, inv: Invocation, returncode: int, was_ready: bool, deadline: float, rounds: int):
        """Judge an exit for `inv` once what the runtime sent before dying has been read (`_settling`)."""
        if inv.future.done():
            return
        if self._settling(deadline, rounds):
            self.loop.call_later(0.001, self._settle_exit, inv, returncode, was_ready, deadline, rounds + 1)
            return
        queued = self.state.state_of(inv.request_id) == runtime_state.QUEUED
        if was_ready and queued and inv.kill_reason is None and not self._closed:
            # The runtime died between invokes, before taking this one: Lambda resets the environment
            # and the invoke gets a fresh one (a cold start).
            self._start(inv)
            return
        if inv.kill_reason == "timeout":
            outcome = self._timed_out(inv)
        elif self.init_error is not None and queued:
            outcome = self.init_error
        else:
            outcome = self._exit_error(inv, returncode)
        self._finish(inv, outcome)

    def _exit_error(self, inv: Invocation, returncode: int) -> Outcome:
        """`Runtime.ExitError` for an invoke whose runtime (or runtime worker) died, logged as Lambda does."""
        message = platform_errors.exit_error_message(inv.request_id, returncode)
        self._platform_line(message)
        self._platform_line("Runtime.ExitError")
        return platform_error("Runtime.ExitError", message)

    def _timed_out(self, inv: Invocation) -> Outcome:
        """The timeout outcome (`Task timed out after N.NN seconds`), logged as Lambda does."""
        message = platform_errors.timeout_message(self.config.timeout)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
        self._platform_line(f"{stamp} {inv.request_id} {message}")
        return Outcome(message.encode(), "Sandbox.Timedout", content_type="text/plain", status="timeout")

    def _on_timeout(self, inv: Invocation) -> None:
        if inv.future.done() or self.proc is None:
            return
        if self.state.concurrent:
            # Managed Instances: the invoke fails alone; its handler runs on and keeps its slot busy.
            self.overrun[inv.request_id] = inv
            self._finish(inv, self._timed_out(inv))
            return
        inv.kill_reason = "timeout"
        self.proc.kill_tree()

    def _on_connection_lost(self, conn: RuntimeAPIConnection) -> None:
        """A runtime connection ended: if the worker process at its other end crashed (ended with a failure
        status or a signal), the invokes it held fail (`Runtime.ExitError`) and the other workers go on.
        The whole runtime's exit is `_on_exit`'s."""
        if conn.owner is None:
            return
        if self.proc is None or conn.owner == self.proc.pid:
            self._forget_owner(conn)
            return
        self._judge_worker(conn, time.monotonic() + EXIT_SETTLE_S)

    def _judge_worker(self, conn: RuntimeAPIConnection, deadline: float) -> None:
        pid = conn.owner
        ended, returncode = workers.exit_status(pid, conn.owner_fd)
        if ended and returncode is None and time.monotonic() < deadline:
            self.loop.call_later(0.005, self._judge_worker, conn, deadline)  # exiting: its code comes
            return
        self._forget_owner(conn)
        if not returncode:
            # Alive: closed on purpose (a response stream goes on a connection of its own). Exited 0: a
            # helper that made one request and ended (`curl` in a shell bootstrap), no crash.
            return
        for inv in list(self.invocations.values()):
            if inv.worker == pid and not inv.future.done():
                self._finish(inv, self._exit_error(inv, returncode))
        for request_id, inv in list(self.overrun.items()):
            if inv.worker == pid:
                del self.overrun[request_id]
                self._free_slot()

    @staticmethod
    def _forget_owner(conn: RuntimeAPIConnection) -> None:
        if conn.owner_fd is not None:
            os.close(conn.owner_fd)
            conn.owner_fd = None

    def _on_init_timeout(self) -> None:
        self._init_timer = None
        if self.proc is None or (self._init_waiter is None and not self.invocations):
            return
        for inv in self.invocations.values():
            inv.kill_reason = "timeout"
        self.proc.kill_tree()  # `init()` and the invokes waiting on it then report the exit

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
        self._samples += 1
        if self._samples % RESCAN_EVERY == 0:
            self.memory.rescan()
        if self.memory.sample() > self.config.memory * 1024:
            for inv in self.invocations.values():
                inv.kill_reason = "memory"
            self.proc.kill_tree()
            return
        if self.state.busy:
            self._start_sampler()

    # ---- output ----------------------------------------------------------------------------------

    def _drain_output(self) -> None:
        if self.output is not None:
            self.output.drain()

    def _runtime_line(self, line: str) -> None:
        """A line of the runtime's output: it belongs to the invocation in flight, else to the next one.

        With several in flight, a JSON line goes to the invocation its `requestId` names.
        """
        owner = None
        if self.state.concurrent and line.startswith("{"):
            owner = self.invocations.get(string_field(line, "requestId"))
        if owner is None:
            owner = next((inv for inv in self.invocations.values() if not inv.future.done()), None)
        (owner.logs if owner is not None else self._idle_logs).append(line)
        if self.log is not None:
            self.log(line)

    def _platform_line(self, line: str) -> None:
        if self.log is not None:
            self.log(line)
