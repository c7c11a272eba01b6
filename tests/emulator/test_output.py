"""Cutting the runtime's output into log lines, and reading it from a real pipe."""

from __future__ import annotations

import asyncio
import os

import pytest

from lambda_native.emulator.output import MAX_LINE_BYTES, LineSplitter, OutputCapture


@pytest.mark.parametrize("step", [1, 3, 1000])
def test_lines_split_anywhere_come_out_whole(step):
    data = "first\nsecond é\n\nlast".encode()
    splitter = LineSplitter()
    lines = []
    for start in range(0, len(data), step):
        lines += splitter.feed(data[start : start + step])
    assert lines == ["first", "second é", ""]
    assert splitter.flush() == ["last"]
    assert splitter.flush() == []


def test_a_line_without_end_is_cut_at_256_kb():
    splitter = LineSplitter()
    assert splitter.feed(b"x" * (2 * MAX_LINE_BYTES + 5)) == ["x" * MAX_LINE_BYTES] * 2
    assert splitter.flush() == ["xxxxx"]


def test_bad_utf8_is_replaced_not_refused():
    assert LineSplitter().feed(b"a\xffb\n") == ["a\ufffdb"]


def test_capture_reads_a_pipe_until_it_is_closed():
    async def capture() -> list[str]:
        loop = asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        lines: list[str] = []
        output = OutputCapture(loop, read_fd, lines.append)
        os.write(write_fd, b"one\ntw")
        await asyncio.sleep(0.05)  # the loop reads as data arrives
        assert lines == ["one"]
        os.write(write_fd, b"o\nthree")
        output.drain()  # and a direct drain reads what is there now
        assert lines == ["one", "two"]
        os.close(write_fd)
        output.close()
        return lines

    assert asyncio.run(capture()) == ["one", "two", "three"]
