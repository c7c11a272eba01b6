"""What an ELF file says about where it runs: its machine, its dynamic loader, the libraries it needs.

A cross build is checked with these before it is zipped: every ELF file must be for the target's machine,
and `bootstrap` must name the loader Lambda's OS has for that architecture.
"""

from __future__ import annotations


class ElfInfo:
    """The facts of one ELF file that decide whether it can run on a target."""

    __slots__ = ("interpreter", "machine", "needed", "path")

    def __init__(self, path: str, machine: str, interpreter: str | None, needed: list[str]) -> None:
        self.path = path
        self.machine = machine  # e_machine as pyelftools names it: EM_AARCH64, EM_X86_64
        self.interpreter = interpreter  # PT_INTERP, None for shared libraries
        self.needed = needed  # DT_NEEDED, in order


def read_elf(path: str) -> ElfInfo:
    """The machine, interpreter and needed libraries of the ELF file at `path`."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        elf = ELFFile(f)
        interpreter = None
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                interpreter = segment.get_interp_name()
        needed = []
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                needed = [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
        return ElfInfo(path, elf["e_machine"], interpreter, needed)
