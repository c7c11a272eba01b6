"""Raises an ordinary exception while being imported."""


def handler(event, context):
    return "unreachable"


raise ValueError("bad configuration at import")  # marker: import-raise
