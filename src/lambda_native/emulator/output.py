"""The runtime's output, as CloudWatch receives it: read from its pipe and cut into log lines.

`LineSplitter` is the rule, bytes in and lines out (no I/O): a line ends at `\\n`, and one longer than
256 KB is cut, as CloudWatch splits log events. `OutputCapture` reads the runtime's pipe on the event
loop and gives each complete line to a function; the environment decides which invocation it belongs to.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

MAX_LINE_BYTES = 256 * 1024
"""Longest runtime output line kept whole (CloudWatch's log event size)."""

READ_BYTES = 65536


class LineSplitter:
    """Cuts a byte stream into lines: `feed` returns the lines it completed, `flush` the unfinished one."""

    __slots__ = ("_partial",)

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, data: bytes) -> list[str]:
        """The lines that `data` completes (without their `\\n`), decoded as UTF-8 (bad bytes replaced)."""
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        while len(self._partial) > MAX_LINE_BYTES:
            # CloudWatch splits log events at 256 KB; a line without end is cut the same way.
            lines.append(self._partial[:MAX_LINE_BYTES])
            self._partial = self._partial[MAX_LINE_BYTES:]
        return [line.decode("utf-8", "replace") for line in lines]

    def flush(self) -> list[str]:
        """The last line, if the stream ended without a `\\n`."""
        partial, self._partial = self._partial, b""
        return [partial.decode("utf-8", "replace")] if partial else []


class OutputCapture:
    """Reads a runtime's output pipe (non-blocking) as data arrives and passes on each complete line."""

    __slots__ = ("_fd", "_loop", "_on_line", "_reading", "_splitter")

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, on_line: Callable[[str], None]) -> None:
        self._loop = loop
        self._fd = fd
        self._on_line = on_line
        self._splitter = LineSplitter()
        self._reading = True
        loop.add_reader(fd, self.drain)

    def drain(self) -> None:
        """Read whatever the runtime has written so far and pass on its complete lines.

        Also called directly, so that what the runtime printed before a Runtime API call is counted
        before the call is acted on (the pipe and the socket are read by the same loop, in any order).
        """
        while self._reading:
            try:
                data = os.read(self._fd, READ_BYTES)
            except BlockingIOError:
                return
            if not data:
                self._stop_reading()
                return
            for line in self._splitter.feed(data):
                self._on_line(line)

    def close(self) -> None:
        """Read what is left, pass on an unfinished last line, and close the pipe (the runtime is gone)."""
        self.drain()
        self._stop_reading()
        os.close(self._fd)
        for line in self._splitter.flush():
            self._on_line(line)

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)
