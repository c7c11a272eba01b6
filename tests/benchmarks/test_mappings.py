"""Memory by mapping: /proc/PID/smaps text sorted into the executable's pages, heap, libraries, files."""

import subprocess
import sys

from benchmarks import mappings

EXE = "/opt/fn/bootstrap"
SMAPS = f"""\
55d0c0000000-55d0c0400000 r--p 00000000 08:01 42 {EXE}
Size:               4096 kB
Rss:                1000 kB
55d0c0400000-55d0c0800000 r-xp 00400000 08:01 42 {EXE}
Rss:                2000 kB
55d0c0800000-55d0c0900000 rw-p 00800000 08:01 42 {EXE}
Rss:                 300 kB
55d0c1000000-55d0c2000000 rw-p 00000000 00:00 0                          [heap]
Rss:                5000 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0
Rss:                 700 kB
7f0000200000-7f0000300000 r-xp 00000000 08:01 43 /var/task/pydantic_core/_pydantic_core.so
Rss:                 900 kB
7f0000400000-7f0000500000 r-xp 00000000 08:01 44 /usr/lib/libpython3.11.so.1.0
Rss:                  40 kB
7f0000600000-7f0000700000 r--p 00000000 08:01 45 /usr/lib/locale/C.utf8/LC_CTYPE
Rss:                  60 kB
7f0000800000-7f0000900000 r--p 00000000 08:01 46 /tmp/gone (deleted)
Rss:                   8 kB
7ffc00000000-7ffc00100000 rw-p 00000000 00:00 0                          [stack]
Rss:                 132 kB
"""


def test_smaps_is_sorted_by_kind_of_mapping():
    totals = mappings.parse_smaps(SMAPS, EXE)
    assert totals == {
        "executable + libpython: code": 2040,
        "executable + libpython: read-only data": 1000,
        "executable + libpython: written data": 300,
        "anonymous + heap": 5700,
        "shared libraries": 900,
        "other files": 68,
        "stack and kernel": 132,
    }


def test_a_live_process_is_read_whole_and_its_peak_is_at_least_what_is_resident():
    code = "import sys; x = bytearray(8 << 20); print('ready', flush=True); sys.stdin.read()"
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"ready\n"
        figures = mappings.by_mapping(child.pid)
    finally:
        child.communicate(b"")
    resident = sum(figures[kind] for kind in mappings.KINDS)
    assert figures["anonymous + heap"] > 8 << 10  # the 8 MB bytearray, zero-filled so resident
    assert figures["peak"] >= resident
    assert figures["executable + libpython: code"] > 0


def test_the_table_has_a_row_per_kind_and_the_totals():
    figures = {**mappings.parse_smaps(SMAPS, EXE), "peak": 12288}
    text = mappings.table({"native": figures, "awslambdaric": figures})
    assert "| resident after the first response, MB | native | awslambdaric |" in text
    assert "| anonymous + heap | 5.6 | 5.6 |" in text
    assert "| total resident | 9.9 | 9.9 |" in text
    assert "| peak (VmHWM) | 12.0 | 12.0 |" in text
