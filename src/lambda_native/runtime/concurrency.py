"""Lambda Managed Instances: up to `AWS_LAMBDA_MAX_CONCURRENCY` invokes at once, sharing one init.

The official client starts N processes that each import the function again. Here the init runs once and
N slots share it: each slot is a thread with its own Runtime API connection looping `/next` -> handler ->
reply. `async def` handlers (and async streaming generators) all run as tasks of one event loop, on a
thread of their own, fed by the slots. With `LAMBDA_NATIVE_PROCESSES=P` (P > 1) the runtime forks P
worker processes after the init, so that their memory pages are shared copy-on-write (gunicorn's
`--preload`), and the N slots are spread over them: CPU-bound handlers then use P cores; a supervisor
keeps P workers alive. Unset, the choice is made after the init: a function whose init loaded native
code of its own (an extension module from outside the standard library), which can crash the process,
gets a worker per slot, so that a crash costs only its own invoke; any other gets one process (threads,
~0.3 MB a slot against ~2.5 MB a forked worker). docs/managed-instances.md has the measurements.

Per invoke, whatever the interleaving: the request id and tenant id in log lines, and
`os.environ["_X_AMZN_TRACE_ID"]` (and `os.getenv`), come from a context variable of the slot (or task).
The contract's rules (runtime-contract.md 1.16, 2.12): `/next` is retried with backoff (0.1 to 0.8 s),
failed replies are logged and the loop goes on, logs are JSON.
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
import time

from lambda_native.runtime import client as api
from lambda_native.runtime import logs, shutdown, wire

TRACE_ENV = "_X_AMZN_TRACE_ID"
NEXT_RETRY_DELAYS_S = (0.1, 0.2, 0.4, 0.8)
API_FAILED_STATUS = 76
"""A forked worker's exit status when the Runtime API failed it (sysexits' EX_PROTOCOL): unlike a crash,
its supervisor then ends the runtime, as the contract asks of a runtime the API has given up on."""

# (request id, tenant id, trace id) of the invoke the current slot or task is serving.
_invoke = contextvars.ContextVar("lambda_native_invoke", default=(None, None, None))


def max_concurrency(value: str) -> int:
    """`AWS_LAMBDA_MAX_CONCURRENCY` as a number of slots; ValueError unless a whole number >= 1."""
    if not (value.isdigit() and value.isascii()) or int(value) < 1:
        raise ValueError(f"AWS_LAMBDA_MAX_CONCURRENCY={value!r} is not a whole number of at least 1")
    return int(value)


def processes(value: str | None, slots: int) -> int | None:
    """Worker processes for `slots` slots from `LAMBDA_NATIVE_PROCESSES` (at most `slots`); None when
    unset: `contained_workers` decides after the init."""
    if not value:
        return None
    if value == "auto":
        return max(1, min(slots, len(os.sched_getaffinity(0))))
    if not (value.isdigit() and value.isascii()) or int(value) < 1:
        raise ValueError(f"LAMBDA_NATIVE_PROCESSES={value!r} is not 'auto' or a whole number of at least 1")
    return min(int(value), slots)


def contained_workers(slots: int, loaded_before_init: set[str]) -> int:
    """Worker processes when `LAMBDA_NATIVE_PROCESSES` is unset: one per slot if the init loaded an
    extension module from outside the standard library (a segfault there would end every slot of a
    shared process), else one. `loaded_before_init`: `sys.modules`' names before the function's import."""
    import _imp

    suffixes = tuple(_imp.extension_suffixes())
    for name, module in list(sys.modules.items()):
        if name in loaded_before_init or name.partition(".")[0] in sys.stdlib_module_names:
            continue
        if str(getattr(module, "__file__", None) or "").endswith(suffixes):
            return slots
    return 1


class InvokeContext:
    """`logs.current` while slots run: the request id and tenant id of the caller's own invoke."""

    __slots__ = ()

    @property
    def request_id(self) -> str | None:
        return _invoke.get()[0]

    @property
    def tenant_id(self) -> str | None:
        return _invoke.get()[1]


def _environ_class(base: type) -> type:
    class InvokeEnviron(base):
        """`os.environ` whose `_X_AMZN_TRACE_ID` is the current invoke's (other variables are shared)."""

        def __getitem__(self, key):
            if key == TRACE_ENV:
                value = _invoke.get()[2]
                if value is None:
                    raise KeyError(key)
                return value
            return super().__getitem__(key)

        def __setitem__(self, key, value):
            if key != TRACE_ENV:
                return super().__setitem__(key, value)
            request_id, tenant_id, _ = _invoke.get()
            _invoke.set((request_id, tenant_id, str(value)))

        def __delitem__(self, key):
            if key != TRACE_ENV:
                return super().__delitem__(key)
            request_id, tenant_id, trace_id = _invoke.get()
            if trace_id is None:
                raise KeyError(key)
            _invoke.set((request_id, tenant_id, None))

        def __iter__(self):
            yield from super().__iter__()
            if _invoke.get()[2] is not None:
                yield TRACE_ENV

        def __len__(self):
            return super().__len__() + (_invoke.get()[2] is not None)

        def copy(self):
            return dict(self)

    return InvokeEnviron


def _per_invoke_state() -> None:
    """Make the log filter and `os.environ` read the invoke of the slot or task asking; frames whole."""
    logs.current = InvokeContext()
    sink = logs.sink()
    if isinstance(sink, logs.FramedSink):
        sink.lock = threading.Lock()
    environ = os.environ
    environ.pop(TRACE_ENV, None)
    per_invoke = _environ_class(type(environ))(
        environ._data, environ.encodekey, environ.decodekey, environ.encodevalue, environ.decodevalue
    )
    os.environ = per_invoke  # noqa: B003 (the same variables, read per invoke; nothing is cleared)


def _next(client: api.RuntimeClient) -> api.Invocation:
    """`GET /next`, retried after 0.1, 0.2, 0.4 and 0.8 s (a 500 or a fifth failure ends the process)."""
    for delay in (*NEXT_RETRY_DELAYS_S, None):
        try:
            return client.next()
        except api.RuntimeApiError as error:
            if error.status == 500 or delay is None:
                shutdown.api_failed(error)
            failure: Exception = error
        except (OSError, wire.ProtocolError) as error:
            if delay is None:
                shutdown.fatal(f"Runtime API connection failed: {error}")
            failure = error
            client.close()
        from lambda_native.runtime import error_report

        error_report.log_warning(
            f"LAMBDA_RUNTIME Failed to get the next invoke: {failure}; retrying in {delay} s"
        )
        time.sleep(delay)
    raise AssertionError("unreachable")


def _serve_slot(make_client, function) -> None:
    """One slot: `/next` -> handler -> reply, forever, on a connection of its own."""
    from lambda_native.runtime import invoke

    client = make_client()
    while True:
        invocation = _next(client)
        _invoke.set((invocation.request_id, invocation.tenant_id, invocation.trace_id))
        try:
            payload = invoke.handle(client, function, invocation, tolerant=True)
        except BaseException as exc:  # SystemExit or KeyboardInterrupt from the handler: only its invoke
            from lambda_native.runtime import error_report

            failed = error_report.failure(exc, invocation.request_id)
            error_report.log_failure(failed)
            body, error_type, cause = failed.body(), failed.error_type, failed.xray_cause
            request_id, invocation_id = invocation.request_id, invocation.invocation_id
            invoke.post(
                lambda: client.post_error(request_id, body, error_type, cause, invocation_id),  # noqa: B023
                request_id,
                tolerant=True,
            )
        else:
            # As the one-slot loop: the event is freed, and a large one's memory handed back, before the
            # next `/next` (a slot of a shared process counts the runs of large invokes of all slots).
            del invocation
            from lambda_native.runtime.allocator import after_invoke

            after_invoke(payload)


def _run_slots(make_client, function, slots: int, forked: bool = False) -> None:
    """Serve `slots` slots on threads of this process; the calling thread only waits (for signals)."""
    from lambda_native.runtime import aio

    # The function's code may have made an event loop at init: then async handlers run on that one. A
    # forked worker makes its own (an inherited loop's selector is still the parent's).
    aio.share(adopt_current=not forked and "asyncio" in sys.modules)
    if forked and slots == 1:
        # On the main thread: its malloc arena is the one `malloc_trim` hands back after a large event (a
        # thread's own arena kept ~20 MB a worker after 1-3 MB events, measured by the N-slot soak).
        import _signal

        _signal.signal(_signal.SIGTERM, _end_worker)
        _serve_slot(make_client, function)
    for number in range(slots):
        thread = threading.Thread(
            target=_serve_slot, args=(make_client, function), name=f"lambda-slot-{number}", daemon=True
        )
        thread.start()
    while True:
        time.sleep(3600)


def _end_worker(signum, frame) -> None:
    """SIGTERM in a worker serving its slot on the main thread: the shutdown callbacks, then exit 0 (a
    `SystemExit` raised there would be taken for the handler's own)."""
    shutdown.run_callbacks()
    os._exit(0)


def _shares(slots: int, workers: int) -> list[int]:
    """`slots` spread as evenly as possible over `workers`."""
    return [slots // workers + (1 if n < slots % workers else 0) for n in range(workers)]


def _fork_worker(make_client, function, slots: int) -> int:
    pid = os.fork()
    if pid == 0:
        shutdown.FATAL_STATUS = API_FAILED_STATUS
        try:
            _run_slots(make_client, function, slots, forked=True)
        finally:
            os._exit(1)
    return pid


def _supervise(make_client, function, slots: int, workers: int) -> None:
    """Fork the workers after the init (pages shared copy-on-write), and replace any that dies."""
    import _signal
    import contextlib
    import gc

    # What every invoke needs is loaded before the fork, so that the workers share it rather than each
    # loading a copy; then the collector is kept off the objects made so far, which it would otherwise
    # touch, and so copy, in every worker.
    from lambda_native.runtime import codec, context, error_report  # noqa: F401

    codec.loads(codec.dumps({"warm": [1.5, "up"]}))
    gc.freeze()
    children: dict[int, int] = {}

    def stop_workers():
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, _signal.SIGTERM)
        for pid in list(children):
            os.waitpid(pid, 0)

    def stop(signum, frame):
        stop_workers()
        os._exit(0)

    for share in _shares(slots, workers):
        children[_fork_worker(make_client, function, share)] = share
    _signal.signal(_signal.SIGTERM, stop)
    while True:
        pid, status = os.wait()
        share = children.pop(pid, None)
        if share is None:
            continue
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == API_FAILED_STATUS:
            sys.stderr.write(f"lambda-native: worker {pid} lost the Runtime API; the runtime exits\n")
            stop_workers()
            os._exit(1)
        sys.stderr.write(
            f"lambda-native: worker {pid} ended ({_exit_reason(status)}); starting another for its "
            f"{share} slot{'s' if share > 1 else ''}\n"
        )
        children[_fork_worker(make_client, function, share)] = share


def _exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def serve(make_client, function, slots: int, workers: int = 1) -> None:
    """Serve up to `slots` invokes at once with `function` until the process is told to stop.

    `make_client()` gives each slot its own Runtime API client; `workers` > 1 forks that many processes.
    """
    _per_invoke_state()
    if workers > 1:
        _supervise(make_client, function, slots, workers)
    _run_slots(make_client, function, slots)
