"""Recorders of the source text `dataclasses` and `typing` compile while libraries import, and of the
regular expressions they compile.

They shadow `exec` in dataclasses and `compile` in typing, pass on every source the native build can
precompile (as runtime/precompiled.py looks them up) to `keep(mode, source)`, and then run it as usual;
`install_regex` does the like for re's compiler.
The build's import probe (builder/import_probe.py) and `python -m benchmarks.breakdown` both use them, so
the two count the same sources.

No `from __future__ import annotations` here: `exec` and `compile` of source text inherit the calling
frame's future flags, and the recorders call them on behalf of modules that have none.
"""

import builtins
import dataclasses
import re
import typing

# re's compiler: parses a pattern and hands the program it makes to `_sre.compile`.
REGEX_COMPILER = re._compiler if hasattr(re, "_compiler") else __import__("sre_compile")


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


class _RecordingEngine:
    """Stands in for `_sre` in re's compiler: keeps the arguments of each `compile`, delegates the rest."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.arguments = None

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def compile(self, *arguments):
        self.arguments = arguments
        return self.engine.compile(*arguments)


def install_regex(keep) -> None:
    """Wrap re's compiler so that each pattern compiled from a str or bytes is passed, with its flags and
    the arguments `_sre.compile` got for it, to `keep(pattern, flags, arguments)`."""
    compile_pattern = REGEX_COMPILER.compile
    engine = _RecordingEngine(REGEX_COMPILER._sre)

    def record(p, flags=0):
        engine.arguments = None
        compiled = compile_pattern(p, flags)
        if (type(p) is str or type(p) is bytes) and engine.arguments is not None:
            keep(p, flags, engine.arguments)
        return compiled

    REGEX_COMPILER._sre = engine
    REGEX_COMPILER.compile = record
    REGEX_COMPILER._lambda_native_original = (compile_pattern, engine.engine)


def uninstall_regex() -> None:
    """Give re's compiler its own `compile` and `_sre` back."""
    REGEX_COMPILER.compile, REGEX_COMPILER._sre = REGEX_COMPILER._lambda_native_original
    del REGEX_COMPILER._lambda_native_original
