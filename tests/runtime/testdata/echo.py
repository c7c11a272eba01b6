"""Echo handlers: the event back, or a description of a raw (non-JSON) event."""


def handler(event, context):
    return event


def describe(event, context):
    if isinstance(event, bytes):
        return {"type": "bytes", "hex": event.hex()}
    return {"type": type(event).__name__, "value": event}
