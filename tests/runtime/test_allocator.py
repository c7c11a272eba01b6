"""When the runtime hands a large event's memory back (`runtime.allocator`), and that it does so for real."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lambda_native.runtime import allocator

LARGE, SMALL = allocator.LARGE_PAYLOAD, 100


@pytest.fixture
def trims(monkeypatch):
    """The invokes (1-based) after which the allocator trims, for a sequence of payload sizes."""
    monkeypatch.setattr(allocator, "_run", 0)

    def run(sizes: list[int]) -> list[int]:
        done: list[int] = []
        for count, size in enumerate(sizes, start=1):
            monkeypatch.setattr(allocator, "trim", lambda count=count: done.append(count) or True)
            allocator.after_invoke(size)
        return done

    return run


def test_small_invokes_never_trim(trims):
    assert trims([SMALL] * 10) == []


def test_an_isolated_large_invoke_is_trimmed_after(trims):
    assert trims([SMALL, LARGE, SMALL, SMALL, LARGE - 1, LARGE, SMALL]) == [2, 6]


def test_a_run_of_large_invokes_keeps_its_memory_until_it_ends(trims):
    # The first RUN - 1 large invokes are trimmed; from then on the run keeps its heap, until a small one.
    sizes = [LARGE] * 6 + [SMALL, SMALL]
    assert trims(sizes) == [*range(1, allocator.RUN), 7]


# Frees eight 1 MB blocks after glibc has raised its mmap threshold (so they sit in the heap), then prints
# the RSS in kB before and after `allocator.trim()` and whether ctypes was imported before the trim.
HEAP = """
import sys
from lambda_native.runtime import allocator

def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

block = bytearray(3 << 20)
del block  # glibc raises its mmap threshold past 3 MB on this free
blocks = [bytearray(1 << 20) for _ in range(8)]
for block in blocks:
    block[::4096] = b"x" * len(block[::4096])
small = [bytearray(200) for _ in range(100)]  # keeps the heap's top in use
del blocks
before = rss_kb(), "ctypes" in sys.modules
assert allocator.trim()
print(*before, rss_kb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_trim_hands_the_freed_heap_back_and_imports_ctypes_only_then():
    result = subprocess.run([sys.executable, "-c", HEAP], capture_output=True, text=True, check=True)
    before, ctypes_loaded, after = result.stdout.split()
    assert ctypes_loaded == "False"
    assert int(before) - int(after) > 6 * 1024  # most of the 8 MB the blocks had held
