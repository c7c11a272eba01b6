"""Where a runtime's memory is after its first response: resident pages by mapping, from /proc/PID/smaps.

Peak RSS says how much; this says whose. A native `bootstrap` carries the interpreter, the compiled code
and the constants of everything compiled in, and the bytecode of everything shipped as bytecode, in its
own file: its pages (with libpython's) are counted apart by permission (code; read-only data, where
constants and the embedded bytecode live; written data), then anonymous memory (the heap: objects,
unmarshalled code), shared libraries and other files. For an interpreter the executable is `python3.x`
and the function's modules are read from `.pyc` files into the heap.

Used by `python -m benchmarks.breakdown`; one cold start per variant under the emulator, as the suite
measures it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from benchmarks.harness import answered
from benchmarks.variants import Prepared
from benchmarks.workloads import Workload
from lambda_native.emulator.memory import status_kb

# Rows of the table, in order.
KINDS = (
    "executable + libpython: code",
    "executable + libpython: read-only data",
    "executable + libpython: written data",
    "anonymous + heap",
    "shared libraries",
    "other files",
    "stack and kernel",
)


def kind_of(path: str, perms: str, executable: str) -> str:
    """The row a mapping's resident pages count in.

    `libpython3.x.so` counts with the executable: a native `bootstrap` links the interpreter in, a shared
    build of `python3.x` loads it, and either way it is the interpreter's own code and data.
    """
    name = path.rsplit("/", 1)[-1]
    if path == executable or name.startswith("libpython"):
        if "x" in perms:
            return "executable + libpython: code"
        if "w" in perms:
            return "executable + libpython: written data"
        return "executable + libpython: read-only data"
    if path in ("", "[heap]"):
        return "anonymous + heap"
    if path.startswith("["):
        return "stack and kernel"
    if ".so" in name:
        return "shared libraries"
    return "other files"


def resident_mappings(text: str) -> Iterator[tuple[str, str, int]]:
    """(path, permissions, resident kB) of each mapping in the text of /proc/PID/smaps; an anonymous
    mapping's path is empty, the kernel's own are bracketed (`[heap]`, `[stack]`)."""
    mapping = None
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            mapping = (" ".join(fields[5:]).removesuffix(" (deleted)"), fields[1])
        elif fields[0] == "Rss:" and mapping is not None:
            yield (*mapping, int(fields[1]))


def parse_smaps(text: str, executable: str) -> dict[str, int]:
    """Resident kB per kind in the text of /proc/PID/smaps."""
    totals = dict.fromkeys(KINDS, 0)
    for path, permissions, rss in resident_mappings(text):
        totals[kind_of(path, permissions, executable)] += rss
    return totals


def by_mapping(pid: int) -> dict[str, int]:
    """Resident kB per kind of the running process `pid`, plus its `VmHWM` (peak) as `peak`."""
    executable = os.readlink(f"/proc/{pid}/exe")
    totals = parse_smaps(Path(f"/proc/{pid}/smaps").read_text(), executable)
    totals["peak"] = status_kb(pid)
    return totals


def after_first_response(prepared: Prepared, workload: Workload, memory_mb: int = 128) -> dict[str, int]:
    """One cold start of a prepared variant, then its memory by mapping while it waits for the next event."""
    with answered(prepared, workload, workload.event(), memory_mb, None) as pid:
        return by_mapping(pid)


def table(columns: dict[str, dict[str, int]]) -> str:
    """A Markdown table: one row per kind, one column per variant, MB."""
    names = list(columns)
    lines = [
        "| resident after the first response, MB | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for kind in (*KINDS, "total resident", "peak (VmHWM)"):
        cells = []
        for name in names:
            figures = columns[name]
            kb = (
                sum(figures[k] for k in KINDS)
                if kind == "total resident"
                else figures.get("peak", 0)
                if kind == "peak (VmHWM)"
                else figures[kind]
            )
            cells.append(f"{kb / 1024:.1f}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
