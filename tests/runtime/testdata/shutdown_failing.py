"""One shutdown callback fails; the one registered before it must still run."""

import os

from lambda_native.runtime.shutdown import on_shutdown


@on_shutdown
def survivor():
    with open(os.environ["SHUTDOWN_MARKER"], "a") as marker:
        marker.write("survivor\n")


@on_shutdown
def failing():
    raise RuntimeError("shutdown callback failed on purpose")


def handler(event, context):
    return "alive"
