"""Registers SIGTERM shutdown callbacks both ways: as a decorator and as a call."""

import os

from lambda_native.runtime.shutdown import on_shutdown


@on_shutdown
def decorated():
    with open(os.environ["SHUTDOWN_MARKER"] + ".decorated", "w") as marker:
        marker.write("decorated")


def called():
    with open(os.environ["SHUTDOWN_MARKER"] + ".called", "w") as marker:
        marker.write("called")


on_shutdown(called)


def handler(event, context):
    return "alive"
