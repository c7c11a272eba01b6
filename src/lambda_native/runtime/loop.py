"""The runtime loop: connect to the Runtime API, load the handler, then `/next` -> `invoke.handle`, forever.

This is what `python -m lambda_native` and a compiled `bootstrap` run. The path to the first `/next`
imports only what it needs; JSON, logging, error reporting and asyncio come in when first used.
"""

from __future__ import annotations

import os
import sys

from lambda_native import __version__
from lambda_native.runtime import client as api
from lambda_native.runtime import handler_loading, init_gc, logs, shutdown, wire
from lambda_native.runtime.shutdown import api_failed, fatal

USER_AGENT = f"lambda-native/{__version__} (python/{'.'.join(map(str, sys.version_info[:3]))})"


def _fail_init(client: api.RuntimeClient, exc: BaseException, concurrent: bool = False) -> None:
    """The official init-error flow: warning line, error report, `POST /init/error`, exit 1.

    `concurrent` (Managed Instances): a 403 means another runtime process already reported; ignored.
    """
    from lambda_native.runtime import error_report

    failed = error_report.failure(exc)
    error_report.log_warning(error_report.LAMBDA_WARNING)
    error_report.log_failure(failed)
    try:
        client.post_init_error(failed.body(), failed.error_type)
    except api.RuntimeApiError as error:
        if not (concurrent and error.status == 403):
            api_failed(error)
    except (OSError, wire.ProtocolError) as error:
        fatal(f"lost the Runtime API connection while reporting the init error: {error}")
    sys.exit(1)


TRACE_ID = "_X_AMZN_TRACE_ID"


def _set_trace_id(value: str | None) -> None:
    """Put the invoke's X-Ray header in `os.environ` (what the X-Ray SDK, Powertools and OpenTelemetry read).

    Only Python's mapping is written, not the C environment: glibc's setenv keeps every string it was ever
    given, so setting a new trace id per invoke grows the process ~150 bytes an invoke (15 MB per 100,000,
    as the official client does). A subprocess that needs it: pass `env=os.environ`.
    """
    data = os.environ._data  # os._Environ's own dict, what os.environ reads (CPython 3.2 and later)
    if value is None:
        data.pop(os.environ.encodekey(TRACE_ID), None)
    else:
        data[os.environ.encodekey(TRACE_ID)] = os.environ.encodevalue(value)


def main(argv: list[str] | None = None, *, built_handler: str | None = None) -> None:
    """Run the runtime until the process is told to stop; never returns.

    `argv[1]`, else `_HANDLER`, else `built_handler` (what a compiled bootstrap was built with) names the
    handler. Exits 1 after an init error, 0 on SIGTERM, 1 (2 for a bad configuration) if the Runtime API is
    missing, unreachable or broken.
    """
    argv = sys.argv if argv is None else argv
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        fatal(
            "AWS_LAMBDA_RUNTIME_API is not set: it must name the Runtime API as host:port "
            "(Lambda sets it; locally, use `lambda-native invoke` or the Runtime Interface Emulator)",
            2,
        )
    try:
        client = api.RuntimeClient(address, USER_AGENT)
    except ValueError as exc:
        fatal(f"AWS_LAMBDA_RUNTIME_API={address!r} is not a Runtime API address: {exc}", 2)
    slots = os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")
    if slots is not None:
        from lambda_native.runtime import concurrency

        try:
            slots = concurrency.max_concurrency(slots)
            workers = concurrency.processes(os.environ.get("LAMBDA_NATIVE_PROCESSES"), slots)
        except ValueError as exc:
            fatal(str(exc), 2)
    logs.setup(logs.JSON if slots is not None else None)  # Managed Instances take JSON logs only
    shutdown.install()
    try:
        client.connect()
    except OSError as exc:
        reason = exc.strerror or exc
        fatal(f"cannot connect to the Runtime API at {address} (AWS_LAMBDA_RUNTIME_API): {reason}")

    handler_loading.prepare_sys_path()
    name = handler_loading.handler_name(argv, built_handler)
    runtime_modules = set(sys.modules) if slots is not None and workers is None else None
    held = init_gc.hold_old_generations()
    try:
        if name is None:
            from lambda_native.runtime.error_report import Fault

            raise Fault(
                "Runtime.MalformedHandlerName",
                "No handler given: set _HANDLER (e.g. _HANDLER=app.handler) or pass it as the first argument",
            )
        function = handler_loading.load(name, built_handler)
    except Exception as exc:
        _fail_init(client, exc, concurrent=slots is not None)
    init_gc.release(held)
    if "logging" in sys.modules:
        logs.configure_logging()
    if slots is not None:
        if runtime_modules is not None:
            workers = concurrency.contained_workers(slots, runtime_modules)
        client.close()  # each slot opens its own connection
        concurrency.serve(lambda: api.RuntimeClient(address, USER_AGENT), function, slots, workers)

    current = logs.current
    os.environ.pop(TRACE_ID, None)  # a value from the start-up environment is no invoke's
    while True:
        try:
            invocation = client.next()
        except api.RuntimeApiError as error:
            api_failed(error)
        except (OSError, wire.ProtocolError) as error:
            fatal(f"Runtime API connection failed: {error}")
        current.request_id, current.tenant_id = invocation.request_id, invocation.tenant_id
        _set_trace_id(invocation.trace_id)
        from lambda_native.runtime.invoke import handle  # after the first /next: not on the init's path

        payload = handle(client, function, invocation)
        # Free the event before waiting for the next: an idle runtime holds none of a large one's memory.
        del invocation
        from lambda_native.runtime.allocator import after_invoke  # not needed before the first /next

        after_invoke(payload)
