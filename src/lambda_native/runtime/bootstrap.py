"""The runtime loop: connect to the Runtime API, load the handler, then `/next` -> handler -> reply, forever.

This is what `python -m lambda_native` and a compiled `bootstrap` run. The path to the first `/next`
imports only what it needs; JSON, logging, error reporting and asyncio come in when first used.
"""

from __future__ import annotations

import os
import sys

from lambda_native import __version__
from lambda_native.runtime import client as api
from lambda_native.runtime import handler, init_gc, logs, shutdown, wire

USER_AGENT = f"lambda-native/{__version__} (python/{'.'.join(map(str, sys.version_info[:3]))})"
_JSON = "application/json"
# `streaming.MARK`, spelled here so that handlers that do not stream never import `streaming`.
_STREAMING_MARK = "_lambda_native_streaming"


FATAL_STATUS = 1
"""What `_fatal` exits with by default. A forked worker (Managed Instances) sets its own, by which its
supervisor tells a broken Runtime API (the whole runtime must exit) from a worker's crash."""


def _fatal(message: str, code: int | None = None):
    """Leave at once: the Runtime API is gone or broken, so nothing else can be reported."""
    import contextlib

    sys.stderr.write(f"lambda-native: {message}\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(FATAL_STATUS if code is None else code)


def _api_failed(error: api.RuntimeApiError):
    """Exit after an unexpected Runtime API status, saying why (500 means the sandbox is beyond repair)."""
    if error.status == 500:
        _fatal(f"{error} (a non-recoverable state: the runtime must exit)")
    _fatal(str(error))


def _fail_init(client: api.RuntimeClient, exc: BaseException, concurrent: bool = False) -> None:
    """The official init-error flow: warning line, error report, `POST /init/error`, exit 1.

    `concurrent` (Managed Instances): a 403 means another runtime process already reported; ignored.
    """
    from lambda_native.runtime import errors

    failed = errors.failure(exc)
    errors.log_warning(errors.LAMBDA_WARNING)
    errors.log_failure(failed)
    try:
        client.post_init_error(failed.body(), failed.error_type)
    except api.RuntimeApiError as error:
        if not (concurrent and error.status == 403):
            _api_failed(error)
    except (OSError, wire.ProtocolError) as error:
        _fatal(f"lost the Runtime API connection while reporting the init error: {error}")
    sys.exit(1)


def _posted(send, request_id: str, tolerant: bool = False, stream: bool = False) -> None:
    """Run one reply POST, applying the status policy: 410/413 logged and survived, anything else fatal.

    `tolerant` (Managed Instances): every failure but a 500 is logged and survived, as the contract asks.
    `stream`: the end of a response stream, whose lost connection only loses that response.
    """
    try:
        send()
    except api.RuntimeApiError as error:
        if error.status == 410:
            from lambda_native.runtime import errors

            errors.log_warning(
                f"LAMBDA_RUNTIME Invoke {request_id} had already timed out when its reply was posted "
                "(HTTP 410); the reply was discarded"
            )
        elif error.status == 413 and error.path.endswith("/response"):
            from lambda_native.runtime import errors

            errors.log_error(
                f"LAMBDA_RUNTIME Response of invoke {request_id} is too large for Lambda (HTTP 413): "
                f"{error.body.decode('utf-8', 'replace')}"
            )
        elif tolerant and error.status != 500:
            _survived(request_id, error)
        else:
            _api_failed(error)
    except (OSError, wire.ProtocolError) as error:
        if stream:
            _stream_broke(request_id, error)
        elif not tolerant:
            _fatal(f"Runtime API connection failed: {error}")
        else:
            _survived(request_id, error)


def _survived(request_id: str, error: Exception) -> None:
    """Log a reply that could not be delivered, and carry on with the next invoke."""
    from lambda_native.runtime import errors

    errors.log_warning(
        f"LAMBDA_RUNTIME Failed to post the reply of invoke {request_id}: {error}. "
        "This won't kill the Runtime loop"
    )


def _stream_broke(request_id: str, error: BaseException) -> None:
    """The Runtime API closed a response stream: nothing more can be sent for this invoke, but the
    environment is still good for the next one (`/next` reconnects)."""
    from lambda_native.runtime import errors

    errors.log_warning(f"LAMBDA_RUNTIME Response stream of invoke {request_id} broke: {error}")


def _stream(client: api.RuntimeClient, function, kind_and_type, event, ctx, invocation, tolerant: bool):
    """Run a streaming handler (see `streaming`): failures before the first chunk raise, as any handler's."""
    from lambda_native.runtime import streaming

    kind, content_type = kind_and_type
    request_id = invocation.request_id
    stream = streaming.ResponseStream(client, request_id, invocation.invocation_id, content_type)
    try:
        streaming.run(function, kind, event, ctx, stream)
    except Exception as exc:
        if stream.broken is None and not stream.started:
            raise
        if stream.broken is not None:
            _stream_broke(request_id, stream.broken)
            return
        from lambda_native.runtime import errors

        failed = errors.failure(exc, request_id)
        errors.log_failure(failed)
        _posted(lambda: stream.fail(failed.error_type, failed.body()), request_id, tolerant, stream=True)
        return
    _posted(stream.finish, request_id, tolerant, stream=True)


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


def _invoke(client: api.RuntimeClient, function, invocation: api.Invocation, tolerant: bool = False) -> int:
    """Handle one event: context, unmarshal, call, marshal, and post the result or the error.

    `tolerant`: reply failures are logged and survived (Managed Instances) instead of ending the process.
    Returns the larger of the event's and the reply's sizes (see `allocator.after_invoke`).
    """
    from lambda_native.runtime import context  # the first import comes after the first /next

    request_id, invocation_id = invocation.request_id, invocation.invocation_id
    try:
        ctx = context.from_invocation(invocation)
        event = invocation.body
        if invocation.content_type != _JSON:
            event = bytes(event)  # the body as received is a bytearray
        else:
            from lambda_native.runtime import codec

            try:
                event = codec.loads(event)
            except codec.DecodeError as exc:
                from lambda_native.runtime.errors import Fault

                raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from None
        streamed = getattr(function, _STREAMING_MARK, None)
        if streamed is not None:
            _stream(client, function, streamed, event, ctx, invocation, tolerant)
            return len(invocation.body)
        result = function(event, ctx)
        if hasattr(type(result), "__await__"):  # an `async def` handler
            from lambda_native.runtime import aio

            result = aio.run(result)
        if isinstance(result, bytes):
            body, content_type = result, "application/unknown"
        else:
            from lambda_native.runtime import codec

            try:
                body, content_type = codec.dumps(result), _JSON
            except codec.EncodeError as exc:
                from lambda_native.runtime.errors import Fault

                raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
    except Exception as exc:
        from lambda_native.runtime import errors

        failed = errors.failure(exc, request_id)
        errors.log_failure(failed)
        body, error_type, cause = failed.body(), failed.error_type, failed.xray_cause
        _posted(
            lambda: client.post_error(request_id, body, error_type, cause, invocation_id),
            request_id,
            tolerant,
        )
    else:
        _posted(
            lambda: client.post_response(request_id, body, content_type, invocation_id), request_id, tolerant
        )
    return max(len(invocation.body), len(body))


def main(argv: list[str] | None = None, *, built_handler: str | None = None) -> None:
    """Run the runtime until the process is told to stop; never returns.

    `argv[1]`, else `_HANDLER`, else `built_handler` (what a compiled bootstrap was built with) names the
    handler. Exits 1 after an init error, 0 on SIGTERM, 1 (2 for a bad configuration) if the Runtime API is
    missing, unreachable or broken.
    """
    argv = sys.argv if argv is None else argv
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        _fatal(
            "AWS_LAMBDA_RUNTIME_API is not set: it must name the Runtime API as host:port "
            "(Lambda sets it; locally, use `lambda-native invoke` or the Runtime Interface Emulator)",
            2,
        )
    try:
        client = api.RuntimeClient(address, USER_AGENT)
    except ValueError as exc:
        _fatal(f"AWS_LAMBDA_RUNTIME_API={address!r} is not a Runtime API address: {exc}", 2)
    slots = os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")
    if slots is not None:
        from lambda_native.runtime import concurrency

        try:
            slots = concurrency.max_concurrency(slots)
            workers = concurrency.processes(os.environ.get("LAMBDA_NATIVE_PROCESSES"), slots)
        except ValueError as exc:
            _fatal(str(exc), 2)
    logs.setup(logs.JSON if slots is not None else None)  # Managed Instances take JSON logs only
    shutdown.install()
    try:
        client.connect()
    except OSError as exc:
        reason = exc.strerror or exc
        _fatal(f"cannot connect to the Runtime API at {address} (AWS_LAMBDA_RUNTIME_API): {reason}")

    handler.prepare_sys_path()
    name = handler.handler_name(argv, built_handler)
    runtime_modules = set(sys.modules) if slots is not None and workers is None else None
    held = init_gc.hold_old_generations()
    try:
        if name is None:
            from lambda_native.runtime.errors import Fault

            raise Fault(
                "Runtime.MalformedHandlerName",
                "No handler given: set _HANDLER (e.g. _HANDLER=app.handler) or pass it as the first argument",
            )
        function = handler.load(name, built_handler)
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
            _api_failed(error)
        except (OSError, wire.ProtocolError) as error:
            _fatal(f"Runtime API connection failed: {error}")
        current.request_id, current.tenant_id = invocation.request_id, invocation.tenant_id
        _set_trace_id(invocation.trace_id)
        payload = _invoke(client, function, invocation)
        # Free the event before waiting for the next: an idle runtime holds none of a large one's memory.
        del invocation
        from lambda_native.runtime.allocator import after_invoke  # not needed before the first /next

        after_invoke(payload)
