"""Handlers that report what a function sees of its sandbox: its task root, /tmp, user and environment."""

import errno
import os

FILL_LIMIT_MB = 2048  # never fill more than this, even where /tmp is the host's


def _errno_of(action) -> str:
    """ "ok", or the errno name of the OSError `action()` raised."""
    try:
        action()
    except OSError as exc:
        return errno.errorcode[exc.errno]
    return "ok"


def _write(path: str) -> None:
    with open(path, "w") as f:
        f.write("written by the function")


def report(event, context):
    """Where the code is, whether it may write there, and who and where it runs."""
    here = os.path.dirname(os.path.abspath(__file__))
    return {
        "here": here,
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "cwd": os.getcwd(),
        "write_task_root": _errno_of(lambda: _write(os.path.join(here, "written.txt"))),
        "write_tmp": _errno_of(lambda: _write("/tmp/written.txt")),
        "uid": os.getuid(),
        "home": os.environ.get("HOME"),
        "path": os.environ["PATH"],
        "ld_library_path": os.environ["LD_LIBRARY_PATH"],
    }


def fill_tmp(event, context):
    """Write /tmp full, a MB at a time; how many MB went in and the error that stopped it."""
    chunk = b"\0" * (1 << 20)
    written = 0
    outcome = "ok"
    try:
        with open("/tmp/fill", "wb", buffering=0) as f:
            while written < FILL_LIMIT_MB << 20:
                written += f.write(chunk)
    except OSError as exc:
        outcome = errno.errorcode[exc.errno]
    finally:
        os.remove("/tmp/fill")
    return {"mb": written >> 20, "error": outcome}


def fail(event, context):
    """Raise, so the error document's stack names this file where the runtime found it."""
    raise ValueError("raised in the task root")
