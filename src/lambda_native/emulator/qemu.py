"""Running a `bootstrap` built for another CPU (an arm64 zip on an x86_64 host) under qemu's user-mode
emulation, as Lambda would run it natively.

qemu-user translates the executable's instructions and system calls; `-L` gives it the target's dynamic
loader and glibc (Debian's `libc6-arm64-cross` installs them in /usr/aarch64-linux-gnu). Timings and memory
measured this way are qemu's, not the target CPU's: the reports say so.
"""

from __future__ import annotations

import os
import platform
import shutil

# ELF e_machine -> (qemu's and GNU's name for the CPU, Debian's name for the architecture).
MACHINES = {183: ("aarch64", "arm64"), 62: ("x86_64", "amd64")}
LD_PREFIX_ENV = "QEMU_LD_PREFIX"
# An ELF file's identification and type fields, up to and including e_machine.
ELF_HEADER_BYTES = 20
LOADERS = {"aarch64": "lib/ld-linux-aarch64.so.1", "x86_64": "lib64/ld-linux-x86-64.so.2"}


def elf_cpu(path: str) -> str | None:
    """The CPU a little-endian 64-bit ELF executable is for ("aarch64", "x86_64"), or None when it is not
    one (a script, or a CPU this table does not know)."""
    try:
        with open(path, "rb") as f:
            return header_cpu(f.read(ELF_HEADER_BYTES))
    except OSError:
        return None


def header_cpu(header: bytes) -> str | None:
    """`elf_cpu` of a file's first `ELF_HEADER_BYTES` bytes."""
    if len(header) < ELF_HEADER_BYTES or header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
        return None
    machine = MACHINES.get(int.from_bytes(header[18:20], "little"))
    return machine[0] if machine else None


def host_cpu() -> str:
    """This machine's CPU in the same names (`uname -m`)."""
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine(), platform.machine())


def find_qemu(cpu: str) -> str | None:
    """qemu's user-mode emulator for `cpu` on PATH: qemu-CPU-static (Debian's qemu-user-static) or
    qemu-CPU (qemu-user)."""
    for name in (f"qemu-{cpu}-static", f"qemu-{cpu}"):
        found = shutil.which(name)
        if found:
            return found
    return None


def find_ld_prefix(cpu: str, candidates: tuple[str, ...] | None = None) -> str | None:
    """A folder holding `cpu`'s dynamic loader and glibc: $QEMU_LD_PREFIX, else Debian's cross libc."""
    folders = (
        candidates if candidates is not None else (os.environ.get(LD_PREFIX_ENV, ""), f"/usr/{cpu}-linux-gnu")
    )
    for folder in folders:
        if folder and os.path.exists(os.path.join(folder, LOADERS[cpu])):
            return folder
    return None


def install_hint(cpu: str) -> str:
    """How to install what emulation needs on Debian or Ubuntu."""
    debian = next(deb for name, deb in MACHINES.values() if name == cpu)
    return f"`sudo apt-get install qemu-user-static libc6-{debian}-cross` (Debian, Ubuntu)"


class EmulatorMissing(Exception):
    """Running a `bootstrap` built for another CPU needs what this machine lacks; the message says what to
    install."""


def emulation_argv(bootstrap: str) -> tuple[list[str], str] | None:
    """(the command that runs `bootstrap` under qemu, the emulator's name), or None when it runs natively.
    EmulatorMissing saying what to install when it needs an emulator this machine lacks."""
    cpu = elf_cpu(bootstrap)
    if cpu is None or cpu == host_cpu():
        return None
    qemu = find_qemu(cpu)
    if qemu is None:
        raise EmulatorMissing(
            f"bootstrap is built for {cpu} and this machine is {host_cpu()}: running it needs qemu's "
            f"user-mode emulator (qemu-{cpu}-static or qemu-{cpu}), which is not on PATH. Install it with "
            f"{install_hint(cpu)}"
        )
    prefix = find_ld_prefix(cpu)
    if prefix is None:
        raise EmulatorMissing(
            f"bootstrap is built for {cpu}: qemu needs {cpu}'s dynamic loader and glibc ({LOADERS[cpu]} "
            f"below /usr/{cpu}-linux-gnu or ${LD_PREFIX_ENV}), which are not installed. Install them with "
            f"{install_hint(cpu)}"
        )
    return [qemu, "-L", prefix, bootstrap], f"qemu-{cpu}"
