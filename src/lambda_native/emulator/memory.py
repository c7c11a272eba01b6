"""Peak resident memory of a runtime's process tree, read from /proc: Lambda's Max Memory Used.

Lambda accounts memory per sandbox. The emulator runs as an ordinary user without Docker, where a cgroup
of its own with the memory controller cannot be counted on (unprivileged users often get no delegated
controller), so it measures from /proc instead, which works anywhere Linux does. `/proc/PID/status` has
`VmHWM`, the kernel's exact peak RSS of each process (no sampling can miss a short peak of a single
process); the tree's peak is taken as the sum of its members' peaks, an upper bound that is exact for the
usual single-process runtime. Members are the runtime's session (it is started with `setsid`): processes
whose session id is the runtime's pid. Processes that exit between two reads take their peak with them;
for a shell runtime that forks `curl` that is a few short-lived MB.

Max Memory Used, as on Lambda, is the environment's high-water mark since it started: it never falls on a
warm invoke, so it cannot show a runtime handing a large event's memory back. Each invoke's own peak is
measured beside it (`invoke_peak_kb`, `InvokeResult.invoke_peak_rss_kb`): as a warm invoke starts, the
members' `VmHWM` is folded into the lifetime peak and then reset to their current RSS
(`/proc/PID/clear_refs`), so both figures stay exact.
"""

from __future__ import annotations

import os


def status_kb(pid: int, field: bytes = b"VmHWM:") -> int:
    """One `kB` field of /proc/PID/status (0 if the process is gone or has no such field, e.g. a zombie)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            data = f.read()
    except OSError:
        return 0
    start = data.find(field)
    if start < 0:
        return 0
    end = data.find(b"\n", start)
    return int(data[start + len(field) : end].split()[0])


def session_members(session_id: int) -> list[int]:
    """Pids of the live processes in `session_id` (the runtime and everything it started).

    PIDs grow until they wrap, so only pids at or above the session leader's are read (the wrap is
    ignored: a process started after it would be missed, not misattributed).
    """
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) < session_id:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp session ...
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 3 and int(fields[3]) == session_id:
            members.append(int(name))
    return members


class TreeMemory:
    """Tracks the peak memory of one runtime's process tree across its life (Lambda's Max Memory Used), and
    since the current invoke started."""

    __slots__ = ("invoke_peak_kb", "members", "peak_kb", "root")

    def __init__(self, root: int) -> None:
        self.root = root
        self.members = [root]
        self.peak_kb = 0
        self.invoke_peak_kb = 0

    def rescan(self) -> None:
        """Refresh the list of tree members (costs a walk of /proc: call it rarely)."""
        self.members = session_members(self.root) or [self.root]

    def start_invoke(self) -> None:
        """Begin an invoke's own peak at the tree's current RSS (the lifetime peak keeps what came before)."""
        self.sample()
        for pid in self.members:
            try:
                with open(f"/proc/{pid}/clear_refs", "wb") as f:
                    f.write(b"5")  # VmHWM := VmRSS
            except OSError:  # gone, or not ours to reset: its peak so far stays in the invoke's figure
                pass
        self.invoke_peak_kb = 0

    def sample(self) -> int:
        """Read the members' peaks now; return the tree's peak so far in kB."""
        total = sum(status_kb(pid) for pid in self.members)
        self.invoke_peak_kb = max(self.invoke_peak_kb, total)
        self.peak_kb = max(self.peak_kb, total)
        return self.peak_kb
