"""Memory a large event leaves behind, handed back to the system unless large events keep coming.

glibc serves a block of 128 KiB or more with its own mmap until the first such block is freed; then it raises
that threshold to the block's size, so the blocks of the next 1-3 MB events come from the heap and are kept
there when freed (up to twice the block size at the heap's top, and any free hole below it). That is what
makes a run of large events fast: the next one reuses those pages instead of faulting in fresh zeroed ones,
~1,100 page faults for a 1 MB event through orjson, about as long as orjson's own work. But a function
whose large events are rare then carries them on every small invoke after (+8 MB of RSS for 3 MB events).

So after an invoke that moved a large payload, the runtime returns the heap's free pages (`malloc_trim`),
and the interpreter's arenas that only its free lists held, unless it is in a run of `RUN` or more large
invokes; and when such a run ends, after the first small invoke.
A 3 MB event costs the next small invoke nothing, a stream of 1 MB events runs at heap speed. ctypes (~3 ms
to import) is imported on the first trim, never by a function whose payloads are all small.
"""

from __future__ import annotations

LARGE_PAYLOAD = 128 * 1024
"""An event or response this large is served from mmap or the heap's large blocks (glibc's threshold)."""

RUN = 3
"""Large invokes in a row from which their memory is kept for the next (a workload of large events)."""

_run = 0
_malloc_trim = None


def after_invoke(payload: int) -> None:
    """Called between invokes with the larger of the last event's and response's sizes, in bytes."""
    global _run
    ended = _run >= RUN and payload < LARGE_PAYLOAD
    _run = _run + 1 if payload >= LARGE_PAYLOAD else 0
    if 0 < _run < RUN or ended:
        trim()


def trim() -> bool:
    """Hand the heap's free pages back to the system (glibc's `malloc_trim`); False without glibc.

    A full collection first: it empties the interpreter's free lists (floats, tuples, lists, dicts), whose
    objects from a large event are kept for reuse and pin the 1 MiB arenas they sit in (~4 MB of them
    after a few 1-3 MB events); freed, those arenas go back to the system.
    """
    global _malloc_trim
    import gc

    gc.collect()
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # musl, macOS: no malloc_trim, nothing kept the same way
            _malloc_trim = False
    return bool(_malloc_trim and _malloc_trim(0))
