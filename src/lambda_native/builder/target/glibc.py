"""The glibc floor: which `GLIBC_x.y` symbol versions ELF files need, and whether a target provides them.

A binary linked against a newer glibc than the target's refuses to start there ("version `GLIBC_2.35' not
found"), so every ELF file in a build is scanned after compiling. Reads symbol versions with pyelftools.
"""

from __future__ import annotations

import os

ELF_MAGIC = b"\x7fELF"


class GlibcNeed:
    """The highest glibc version one ELF file needs, and a symbol that needs it (None if no symbol does)."""

    __slots__ = ("path", "symbol", "version")

    def __init__(self, path: str, version: tuple[int, ...], symbol: str | None) -> None:
        self.path = path
        self.version = version
        self.symbol = symbol

    def describe(self) -> str:
        """`hypot@GLIBC_2.35`, or just `GLIBC_2.35` when only the library as a whole needs it."""
        name = "GLIBC_" + format_version(self.version)
        return f"{self.symbol}@{name}" if self.symbol else name


def format_version(version: tuple[int, ...]) -> str:
    """(2, 34) -> "2.34"."""
    return ".".join(str(part) for part in version)


def parse_version(text: str) -> tuple[int, ...]:
    """ "2.34" -> (2, 34); ValueError when it is not dotted digits."""
    parts = text.split(".")
    if not all(part.isdigit() for part in parts):
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part) for part in parts)


def host_glibc() -> tuple[int, ...] | None:
    """The glibc version of the running system, or None when libc is not glibc (e.g. musl)."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return None
    name, _, version = text.partition(" ")
    return parse_version(version) if name == "glibc" else None


def is_elf(path: str) -> bool:
    """True when the file starts with the ELF magic number."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == ELF_MAGIC
    except OSError:
        return False


def _glibc_version(name: str) -> tuple[int, ...] | None:
    if not name.startswith("GLIBC_"):
        return None  # GLIBC_PRIVATE, GCC_3.0, OPENSSL_3.0.0, ...
    try:
        return parse_version(name[len("GLIBC_") :])
    except ValueError:
        return None


def glibc_need(path: str) -> GlibcNeed | None:
    """The highest `GLIBC_x.y` version `path` needs, or None when it needs no versioned glibc symbol."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection

    with open(path, "rb") as f:
        elf = ELFFile(f)
        # Version index (vna_other) -> glibc version, from the "version needed" section.
        needed: dict[int, tuple[int, ...]] = {}
        versym = None
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for _, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        version = _glibc_version(aux.name)
                        if version is not None:
                            needed[aux["vna_other"]] = version
            elif isinstance(section, GNUVerSymSection):
                versym = section
        if not needed:
            return None
        highest = max(needed.values())
        symbol = None
        dynsym = elf.get_section_by_name(".dynsym")
        if versym is not None and dynsym is not None:
            for index, sym in enumerate(dynsym.iter_symbols()):
                if sym["st_shndx"] != "SHN_UNDEF" or not sym.name:
                    continue
                # The top bit of a version index marks a hidden symbol; the rest is the index.
                ndx = versym.get_symbol(index)["ndx"]
                if isinstance(ndx, int) and needed.get(ndx & 0x7FFF) == highest:
                    symbol = sym.name
                    break
        return GlibcNeed(path, highest, symbol)


def elf_files(root: str) -> list[str]:
    """Every ELF file under `root` (links left out), in a stable order."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not os.path.islink(path) and is_elf(path):
                found.append(path)
    return found


def scan_tree(root: str) -> list[GlibcNeed]:
    """The glibc need of every ELF file under `root`, highest first (files needing none are left out)."""
    needs = [need for need in map(glibc_need, elf_files(root)) if need is not None]
    needs.sort(key=lambda need: (need.version, need.path), reverse=True)
    return needs


def floor_of(needs: list[GlibcNeed]) -> tuple[int, ...] | None:
    """The glibc version the whole tree needs: the highest single need (None when nothing needs glibc)."""
    return max((need.version for need in needs), default=None)


def too_new(needs: list[GlibcNeed], limit: tuple[int, ...]) -> list[GlibcNeed]:
    """The needs above `limit`, highest first."""
    return [need for need in needs if need.version > limit]
