"""Echo handlers: the event back, or a description of a raw (non-JSON) event."""


def handler(event, context):
    return event


def describe(event, context):
    if isinstance(event, bytes):
        return {"type": "bytes", "hex": event.hex()}
    return {"type": type(event).__name__, "value": event}


def with_context(event, context):
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "tenant_id": context.tenant_id,
        "has_time_left": context.get_remaining_time_in_millis() > 0,
    }


def with_checks(event, context):
    """The event back, a NaN, and what checks the codec's values once orjson took over: C natively."""
    from lambda_native.runtime import codec

    checks = codec._inexact
    return {"event": event, "nan": float("nan"), "checks": None if checks is None else checks.__module__}
