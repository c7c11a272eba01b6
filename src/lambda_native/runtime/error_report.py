"""Failures as the official client reports them: the error document, the stack trace format, the X-Ray
cause header, the `[ERROR]` log line and the LAMBDA_WARNING init line.

Imported only on error paths (it needs `traceback`).
"""

from __future__ import annotations

import os
import sys
import time
import traceback

from lambda_native.runtime import codec, logs

LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
    "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
# The X-Ray cause header is left out from this size on, as the official client does.
MAX_XRAY_CAUSE = 1024 * 1024
_NBSP = "\u00a0"
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Fault(Exception):
    """A failure the runtime diagnosed itself, reported with a `Runtime.*` type instead of a class name."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace


class Failure:
    """An error document (errorMessage, errorType, requestId, stackTrace) and its X-Ray cause."""

    __slots__ = ("document", "xray_cause")

    def __init__(self, document: dict[str, object], xray_cause: str | None):
        self.document = document
        self.xray_cause = xray_cause

    @property
    def error_type(self) -> str:
        """The document's errorType (also sent as `Lambda-Runtime-Function-Error-Type`)."""
        return self.document["errorType"]

    def body(self) -> bytes:
        """The document as the official client encodes it (simplejson's separators, the same key order)."""
        return codec.dumps_spaced(self.document).encode()


def _document(message: str, error_type: str, request_id: str, stack_trace: list[str] | None) -> dict:
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": stack_trace or [],
    }


def _user_frames(tb) -> list[traceback.FrameSummary]:
    """The traceback's frames minus the leading ones of the runtime (or of asyncio running the handler)."""
    prefixes = [_RUNTIME_DIR]
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and getattr(asyncio, "__file__", None):
        prefixes.append(os.path.dirname(asyncio.__file__) + os.sep)
    frames = traceback.extract_tb(tb)
    start = 0
    while start < len(frames) and frames[start].filename.startswith(tuple(prefixes)):
        start += 1
    return frames[start:]


def _xray_cause(error_type: str, message: str, frames: list[traceback.FrameSummary]) -> str | None:
    """The X-Ray error cause header value (ASCII JSON), or None when it would be 1 MiB or more."""
    stack = [{"label": f.name, "path": f.filename, "line": f.lineno} for f in frames]
    cause = {
        "working_directory": os.getcwd(),
        "exceptions": [{"message": message, "type": error_type, "stack": stack}],
        "paths": list(dict.fromkeys(f.filename for f in frames)),
    }
    text = codec.dumps_spaced(cause)
    if not text.isascii():  # header values must stay ASCII: escape like json.dumps(ensure_ascii=True)
        text = "".join(ch if ch < "\x80" else _escape(ch) for ch in text)
    return text if len(text) < MAX_XRAY_CAUSE else None


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<exception str() failed: {type(exc).__name__}>"


def failure(exc: BaseException, request_id: str = "") -> Failure:
    """Describe an exception from the handler, marshalling or handler loading (`request_id` "" at init)."""
    if isinstance(exc, Fault):
        document = _document(exc.message, exc.error_type, request_id, exc.stack_trace)
        return Failure(document, _xray_cause("LambdaValidationError", exc.message, []))
    frames = _user_frames(exc.__traceback__)
    error_type, message = type(exc).__name__, _str(exc)
    # Plain tuples, as the official client formats them: no `^^^` position lines under the source.
    entries = traceback.format_list([(f.filename, f.lineno, f.name, f.line) for f in frames])
    document = _document(message, error_type, request_id, entries)
    return Failure(document, _xray_cause(error_type, message, frames))


def _text_lines(document: dict) -> list[str]:
    """The official TEXT error report: `[ERROR] Type: message`, the traceback header, NBSP-indented frames."""
    head = "[ERROR]"
    if document["errorType"]:
        head += " " + document["errorType"]
    if document["errorMessage"]:
        head += (":" if document["errorType"] else "") + " " + document["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in document["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(_NBSP * (len(line) - len(stripped)) + stripped)
    return lines


def log_failure(failed: Failure) -> None:
    """Write the runtime's error report for a failure to the function log, in the configured format."""
    config = logs.config()
    if config.format == logs.JSON:
        timestamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        lines = [codec.dumps_spaced({"timestamp": timestamp, "level": "ERROR", **failed.document})]
    else:
        lines = _text_lines(failed.document)
    logs.sink().write_error(lines, config.error_frame_type())


def log_warning(message: str) -> None:
    """Log a warning through the root logger (set up as Lambda's), as the official client does."""
    logs.configure_logging()
    import logging

    logging.warning(message)


def log_error(message: str) -> None:
    """Log an error through the root logger (set up as Lambda's)."""
    logs.configure_logging()
    import logging

    logging.error(message)
