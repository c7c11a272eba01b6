"""The Lambda root logging handler, its TEXT and JSON formatters and the request-id filter.

Imported only once the function (or an error path) uses `logging`; see `logs.configure_logging()`, which
hands it everything it needs (this module never imports `logs`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from lambda_native.runtime import codec

TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# LogRecord attributes that are not `extra=` fields, so never copied into a JSON line.
_RESERVED = frozenset(
    (
        *("name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info"),
        *("exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread"),
        *("threadName", "processName", "process", "taskName", "aws_request_id", "tenant_id", "_frame_type"),
    )
)


def level_bucket(record: logging.LogRecord) -> int:
    """The record's level rounded down to a standard one (0-50), as frame types and JSON lines use it."""
    return min(50, max(0, record.levelno)) // 10 * 10


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current invoke's request id (`""` between invokes) and tenant id;
    `current()` gives the object holding them (the runtime replaces it when slots run)."""

    def __init__(self, current: Callable[[], Any]):
        super().__init__()
        self.current = current

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `aws_request_id` and `tenant_id`; never drops a record."""
        invoke = self.current()
        record.aws_request_id = invoke.request_id or ""
        record.tenant_id = invoke.tenant_id
        return True


class LambdaHandler(logging.Handler):
    """Writes formatted records to the log sink; with `frame_types` (level bucket -> telemetry frame type of
    the TEXT format), each frame typed by level and format."""

    def __init__(self, sink, frame_types: dict[int, bytes] | None):
        super().__init__()
        self.log_sink = sink
        self.frame_types = frame_types

    def emit(self, record: logging.LogRecord) -> None:
        """Format the record and write it as one message (one frame on the telemetry fd)."""
        try:
            message = self.format(record)
            frame_type = None
            if self.frame_types:
                frame_type = getattr(record, "_frame_type", None)
                frame_type = frame_type or self.frame_types[level_bucket(record)]
            self.log_sink.write(message, frame_type)
        except Exception:
            self.handleError(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: keys in the official order, `extra=` fields after, None values dropped;
    `frame_types`: level bucket -> telemetry frame type of the JSON format."""

    def __init__(self, frame_types: dict[int, bytes]) -> None:
        super().__init__(datefmt=JSON_DATE_FORMAT)
        self.frame_types = frame_types

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line (records' levels are normalised to the standard ones, as officially)."""
        record.levelno = level_bucket(record)
        record.levelname = logging.getLevelName(record.levelno)
        record._frame_type = self.frame_types[record.levelno]
        exc_info = record.exc_info
        message = record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
        fields = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": message,
            "logger": record.name,
            "stackTrace": self._stack_trace(exc_info),
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
        }
        tenant_id = getattr(record, "tenant_id", None)
        if tenant_id is not None:
            fields["tenantId"] = tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in fields:
                fields[key] = value
        fields = {key: value for key, value in fields.items() if value is not None}
        return codec.dumps_spaced(fields, codec.dumps_log) + "\n"

    @staticmethod
    def _stack_trace(exc_info) -> list[str] | None:
        if not exc_info:
            return None
        import traceback

        return traceback.format_tb(exc_info[2])


def install(
    sink,
    *,
    json_format: bool,
    level: str | None,
    text_frame_types: dict[int, bytes],
    json_frame_types: dict[int, bytes],
    current: Callable[[], Any],
) -> None:
    """Add the Lambda handler to the root logger, in UTC, in the TEXT or JSON format, at `level` (None:
    the root logger's own); frames are typed when the format is JSON or a level is set."""
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    typed = json_format or level is not None
    handler = LambdaHandler(sink, frame_types=text_frame_types if typed else None)
    if json_format:
        handler.setFormatter(JsonFormatter(json_frame_types))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    if level is not None:
        root.setLevel(level)
    handler.addFilter(RequestIdFilter(current))
    root.addHandler(handler)
