"""Which process of a runtime's tree holds a Runtime API connection, and whether that process has died.

Managed Instances go on when one runtime worker crashes: only the invokes that worker held fail. The
emulator learns a connection's process from `/proc` (the socket's inode in `/proc/net/tcp`, then the
tree member with that inode among its fds), and, when the connection ends, whether the process is exiting
(the kernel closes a process's sockets only after it has begun to exit, with its exit code already set).
"""

from __future__ import annotations

import os
import struct

PF_EXITING = 0x4
"""`task_struct.flags` bit set as a process begins to exit (include/linux/sched.h)."""


def _loopback_port(address: str) -> tuple[str, int]:
    host, _, port = address.partition(":")
    return host, int(port, 16)


def socket_inode(local_port: int, remote_port: int) -> int | None:
    """The inode of the IPv4 TCP socket bound to `local_port` and connected to `remote_port`, if any."""
    try:
        with open("/proc/net/tcp") as table:
            next(table)
            for line in table:
                fields = line.split()
                local, remote = _loopback_port(fields[1]), _loopback_port(fields[2])
                # An earlier connection between the same ports may linger closed (TIME_WAIT, no inode).
                if local[1] == local_port and remote[1] == remote_port and fields[9] != "0":
                    return int(fields[9])
    except OSError:
        return None
    return None


def connection_owner(peer_port: int, server_port: int, members: list[int]) -> int | None:
    """The pid among `members` holding the client end (`peer_port`) of a connection to `server_port`."""
    inode = socket_inode(peer_port, server_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in members:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


def watch(pid: int) -> int | None:
    """A pidfd for `pid`, through which its exit status can be read even after its parent reaped it."""
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def exit_status(pid: int, pidfd: int | None) -> tuple[bool, int | None]:
    """(ended, return code as `Popen.returncode` gives it, negative for a signal): (False, None) while
    `pid` lives; (True, None) while it is exiting and its code is not readable yet (try again shortly)."""
    # /proc first: once it is gone the process was reaped, and the pidfd holds its exit (read the other
    # way round, a reap in between would lose it).
    alive, status = _proc_exit_status(pid)
    if alive:
        return False, None
    if status is None and pidfd is not None:
        status = _pidfd_exit_status(pidfd)
    if status is None:
        return True, None
    return True, -(status & 0x7F) if status & 0x7F else status >> 8


# PIDFD_GET_INFO (Linux 6.13; the exit code since 6.15): _IOWR(0xFF, 11, struct pidfd_info), 64 bytes.
_PIDFD_GET_INFO = 0xC040FF0B
_PIDFD_INFO_EXIT = 1 << 3
_PIDFD_INFO = struct.Struct("=QQ11Ii")


def _pidfd_exit_status(pidfd: int) -> int | None:
    import fcntl

    request = bytearray(_PIDFD_INFO.size)
    struct.pack_into("=Q", request, 0, _PIDFD_INFO_EXIT)
    try:
        fcntl.ioctl(pidfd, _PIDFD_GET_INFO, request)
    except OSError:
        return None  # an older kernel, or the process is gone without a record
    mask, *_, exit_code = _PIDFD_INFO.unpack(request)
    return exit_code if mask & _PIDFD_INFO_EXIT else None


def _proc_exit_status(pid: int) -> tuple[bool, int | None]:
    """(alive, wait status) from `/proc/<pid>/stat`: (True, None) while it lives, (False, status) for a
    zombie, (False, None) while it exits (the code is only final in a zombie) or once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False, None
    # The fields after the command (which may hold spaces and parentheses); state is the first.
    fields = stat[stat.rindex(b")") + 2 :].split()
    state, flags = fields[0], int(fields[6])
    if state == b"Z" and len(fields) > 49:
        return False, int(fields[49])
    return not (state == b"X" or flags & PF_EXITING), None
