"""One invoke: context, unmarshal, call the handler, marshal, and post the result or the error, applying the
Runtime API's status policy to the reply. The one-slot loop (`loop`) and the concurrent slots
(`concurrency`) both serve their invokes through `handle` and `post`.

Imported once the init is done (by the loop, after its first `/next`), so it costs the init nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from lambda_native.runtime import client as api
from lambda_native.runtime import wire
from lambda_native.runtime.shutdown import api_failed, fatal

_JSON = "application/json"
# `streaming.MARK`, spelled here so that handlers that do not stream never import `streaming`.
_STREAMING_MARK = "_lambda_native_streaming"


def post(send: Callable[[], object], request_id: str, tolerant: bool = False, stream: bool = False) -> None:
    """Run one reply POST, applying the status policy: 410/413 logged and survived, anything else fatal.

    `tolerant` (Managed Instances): every failure but a 500 is logged and survived, as the contract asks.
    `stream`: the end of a response stream, whose lost connection only loses that response.
    """
    try:
        send()
    except api.RuntimeApiError as error:
        if error.status == 410:
            from lambda_native.runtime import error_report

            error_report.log_warning(
                f"LAMBDA_RUNTIME Invoke {request_id} had already timed out when its reply was posted "
                "(HTTP 410); the reply was discarded"
            )
        elif error.status == 413 and error.path.endswith("/response"):
            from lambda_native.runtime import error_report

            error_report.log_error(
                f"LAMBDA_RUNTIME Response of invoke {request_id} is too large for Lambda (HTTP 413): "
                f"{error.body.decode('utf-8', 'replace')}"
            )
        elif tolerant and error.status != 500:
            _survived(request_id, error)
        else:
            api_failed(error)
    except (OSError, wire.ProtocolError) as error:
        if stream:
            _stream_broke(request_id, error)
        elif not tolerant:
            fatal(f"Runtime API connection failed: {error}")
        else:
            _survived(request_id, error)


def _survived(request_id: str, error: Exception) -> None:
    """Log a reply that could not be delivered, and carry on with the next invoke."""
    from lambda_native.runtime import error_report

    error_report.log_warning(
        f"LAMBDA_RUNTIME Failed to post the reply of invoke {request_id}: {error}. "
        "This won't kill the Runtime loop"
    )


def _stream_broke(request_id: str, error: BaseException) -> None:
    """The Runtime API closed a response stream: nothing more can be sent for this invoke, but the
    environment is still good for the next one (`/next` reconnects)."""
    from lambda_native.runtime import error_report

    error_report.log_warning(f"LAMBDA_RUNTIME Response stream of invoke {request_id} broke: {error}")


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
        from lambda_native.runtime import error_report

        failed = error_report.failure(exc, request_id)
        error_report.log_failure(failed)
        post(lambda: stream.fail(failed.error_type, failed.body()), request_id, tolerant, stream=True)
        return
    post(stream.finish, request_id, tolerant, stream=True)


def handle(
    client: api.RuntimeClient, function: Callable, invocation: api.Invocation, tolerant: bool = False
) -> int:
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
                from lambda_native.runtime.error_report import Fault

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
                from lambda_native.runtime.error_report import Fault

                raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None
    except Exception as exc:
        from lambda_native.runtime import error_report

        failed = error_report.failure(exc, request_id)
        error_report.log_failure(failed)
        body, error_type, cause = failed.body(), failed.error_type, failed.xray_cause
        post(
            lambda: client.post_error(request_id, body, error_type, cause, invocation_id),
            request_id,
            tolerant,
        )
    else:
        post(
            lambda: client.post_response(request_id, body, content_type, invocation_id), request_id, tolerant
        )
    return max(len(invocation.body), len(body))
