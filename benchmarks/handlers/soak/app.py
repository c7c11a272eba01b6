"""The `soak` workload: the event back, so every answer can be checked against the event it answers."""


def handler(event, context):
    """Return the event whole."""
    return event
