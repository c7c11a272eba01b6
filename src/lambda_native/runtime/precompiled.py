"""Code compiled at build time for the sources the standard library generates and compiles on import.

Two stdlib code generators compile source text while a library imports: `dataclasses` writes every class's
`__init__`, `__repr__`, `__eq__`... and runs it with `exec()` (~0.1 ms per method), and `typing.ForwardRef`
compiles each string annotation with `compile(..., "eval")` (pydantic-core's schema module has ~700).
Together that is ~20% of importing pydantic 2. A native build imports the function's libraries once,
records those sources with the code objects `compile(source, "<string>", mode)` makes of them
(`builder/precompile.py`), compiles the table in as the module `lambda_native_precompiled_codes`, and
appends `exec = exec_precompiled` to `dataclasses` and `compile = compile_precompiled` to `typing`. A
recorded source then gets its code object; anything else is compiled as before. The code is the same
either way, so behaviour is too. Interpreted (`python -m lambda_native`), nothing here is used.

Regular expressions are the same kind of work: `re.compile` parses each pattern into the program its C
engine runs, in Python (~0.1 ms a pattern; 120 as boto3 imports, 15 ms). The build records, for each
pattern the libraries compile as they import, the arguments `re`'s compiler passes to `_sre.compile` (the
program as 32-bit words), in the same table, keyed `("re", pattern, flags)`; `regex_compiler` wraps re's
compiler to use them. The engine gets the same program either way.

No `from __future__ import annotations` here: `exec` and `compile` of source text inherit the calling
frame's future flags, and these functions call them on behalf of modules that have none.
"""

import builtins
import marshal

# The generated module the build compiles in: CODES, the marshalled {(mode, source): code object} table.
from lambda_native.runtime.on_demand import CODES_MODULE

_codes = None


def _table() -> dict:
    global _codes
    if _codes is None:
        _codes = marshal.loads(__import__(CODES_MODULE).CODES)
    return _codes


def exec_precompiled(source, globals=None, locals=None, /):
    """`exec(source, globals, locals)`, with a recorded source replaced by the code compiled from it."""
    if type(source) is str:
        source = _table().get(("exec", source), source)
    return builtins.exec(source, globals, locals)


def compile_precompiled(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **options):
    """`compile()`, returning the recorded code for a source compiled as `"<string>"` with no flags."""
    if type(source) is str and filename == "<string>" and not flags and optimize == -1 and not options:
        code = _table().get((mode, source))
        if code is not None:
            return code
    return builtins.compile(source, filename, mode, flags, dont_inherit, optimize, **options)


def regex_compiler(compile_pattern):
    """`compile_pattern` (re's compiler, `re._compiler.compile`), answering a pattern recorded at build time
    with the program recorded for it. An entry is used once and dropped: `re` keeps the compiled pattern in
    its own cache, and a pattern compiled again (after that cache dropped it) is compiled as usual."""
    import _sre

    def compile_precompiled(p, flags=0):
        if type(p) is str or type(p) is bytes:
            recorded = _table().pop(("re", p, flags), None)
            if recorded is not None:
                others, position, program = recorded
                arguments = list(others)
                # memoryview, not array: the build ships only the stdlib modules the function imports.
                arguments[position] = memoryview(program).cast("I").tolist()
                return _sre.compile(*arguments)
        return compile_pattern(p, flags)

    return compile_precompiled
