"""Recorders of the source text `dataclasses` and `typing` compile while libraries import.

They shadow `exec` in dataclasses and `compile` in typing, pass on every source the native build can
precompile (as runtime/precompiled.py looks them up) to `keep(mode, source)`, and then run it as usual.
The build's import probe (builder/import_probe.py) and `python -m benchmarks.breakdown` both use them, so
the two count the same sources.

No `from __future__ import annotations` here: `exec` and `compile` of source text inherit the calling
frame's future flags, and the recorders call them on behalf of modules that have none.
"""

import builtins
import dataclasses
import typing


def install(keep) -> None:
    """Shadow `dataclasses.exec` and `typing.compile` with recorders calling `keep(mode, source)`."""

    def record_exec(source, globals=None, locals=None, /):
        if type(source) is str:
            keep("exec", source)
        return builtins.exec(source, globals, locals)

    def record_compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **options):
        if type(source) is str and filename == "<string>" and not flags and optimize == -1 and not options:
            keep(mode, source)
        return builtins.compile(source, filename, mode, flags, dont_inherit, optimize, **options)

    dataclasses.exec, typing.compile = record_exec, record_compile


def uninstall() -> None:
    """Give dataclasses and typing the builtins back."""
    del dataclasses.exec, typing.compile
