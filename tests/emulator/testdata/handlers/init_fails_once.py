"""Fails at import the first time (creating the marker file `INIT_MARKER`), works afterwards."""

import os

MARKER = os.environ["INIT_MARKER"]
if not os.path.exists(MARKER):
    with open(MARKER, "w") as f:
        f.write("failed once")
    raise RuntimeError("first init fails")


def handler(event, context):
    """Say that init worked."""
    return "initialised"
