"""The `json` workload: a ~1 MB SQS batch parsed by the runtime, looked at, and returned whole."""


def handler(event, context):
    """Return the batch with a count of its records, so the runtime serialises ~1 MB back."""
    event["count"] = len(event["Records"])
    return event
