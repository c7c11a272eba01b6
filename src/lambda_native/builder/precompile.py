"""Records, at build time, the sources the stdlib compiles while the function's libraries import.

`dataclasses` and `typing.ForwardRef` compile generated source text on import: 18% of importing pydantic 2
(runtime/precompiled.py, `python -m benchmarks.breakdown`). The build runs, in a child interpreter (the
one Nuitka compiles for, so code objects match), the module-level import statements of the handler's
module (and of those compiled in on request) and of the `--src` modules they import, minus the imports of
those modules themselves: the libraries' code runs (packages installed into `--src` by pip are libraries
too), the user's never does. Every source those two compile meanwhile is compiled again and kept. The
table becomes a generated module compiled into the bootstrap, and package_config appends the precompiled
`exec` and `compile` to `dataclasses` and `typing`. A failing import records what it can; a child that
fails or hangs means no table, and a note.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from lambda_native.builder.handler import find_module_file
from lambda_native.builder.stdlib_trim import imported_from, is_skipped_block, parse_file
from lambda_native.runtime.precompiled import CODES_MODULE

# A library import that takes this long at build time is not waited for.
RECORD_TIMEOUT_SECONDS = 120

# Shadows `exec` in dataclasses and `compile` in typing with recorders that pass each source the native
# build can precompile (as runtime/precompiled.py looks them up) to `keep(mode, source)`, which the
# script running it defines; benchmarks.breakdown runs it too.
RECORDERS = r"""
def record_exec(source, globals=None, locals=None, /):
    if type(source) is str:
        keep("exec", source)
    return builtins.exec(source, globals, locals)
def record_compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **options):
    if type(source) is str and filename == "<string>" and not flags and optimize == -1 and not options:
        keep(mode, source)
    return builtins.compile(source, filename, mode, flags, dont_inherit, optimize, **options)
dataclasses.exec, typing.compile = record_exec, record_compile
"""

# Run in the child: record, run each import statement, and write the table.
_RECORD = (
    r"""
import builtins, dataclasses, json, marshal, sys, typing
codes = {}
def keep(mode, source):
    if (mode, source) not in codes:
        try:
            codes[mode, source] = builtins.compile(source, "<string>", mode, dont_inherit=True)
        except SyntaxError:
            pass
"""
    + RECORDERS
    + r"""
for statement in json.loads(sys.stdin.read()):
    try:
        builtins.exec(statement, {"__name__": "__lambda_native_build__"})
    except BaseException:
        pass
del dataclasses.exec, typing.compile
with open(sys.argv[1], "wb") as out:
    out.write(marshal.dumps(codes))
print(len(codes))
"""
)


def installed_names(src: str) -> frozenset[str]:
    """Top-level modules and packages in `src` that pip installed there (`pip install -t`): libraries,
    named in the RECORD of a `*.dist-info` folder beside them, not the function's own code."""
    names = set()
    for entry in os.listdir(src):
        record_path = os.path.join(src, entry, "RECORD")
        if not entry.endswith(".dist-info") or not os.path.isfile(record_path):
            continue
        with open(record_path, encoding="utf-8", errors="replace") as file:
            for line in file:
                top = line.partition(",")[0].partition("/")[0]
                names.add(top[:-3] if top.endswith(".py") else top)
    return frozenset(names)


def _own(name: str, src: str, installed: frozenset[str]) -> bool:
    """Whether module `name` is the function's own: its top-level package or module is in `src`, and
    was not installed there by pip."""
    top = name.partition(".")[0]
    return top not in installed and find_module_file(src, top) is not None


def _module_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements a module runs when imported: at top level, in `if`/`try`/`with` blocks, not in
    functions, classes, `if TYPE_CHECKING:` or `if __name__ == "__main__":`."""
    found: list[ast.stmt] = []
    pending = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            blocks = [node.orelse] if is_skipped_block(node) else [node.body, node.orelse]
            pending.extend(statement for block in reversed(blocks) for statement in reversed(block))
        elif isinstance(node, ast.Try):
            blocks = [node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody]
            pending.extend(statement for block in reversed(blocks) for statement in reversed(block))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pending.extend(reversed(node.body))
    return found


def library_imports(src: str, modules: list[str]) -> list[str]:
    """The import statements (as source) that `modules` and the `src` modules they import run at import
    time, for modules outside `src`, in order of first appearance."""
    statements: list[str] = []
    seen_modules: set[str] = set()
    installed = installed_names(src)
    pending = list(modules)
    while pending:
        name = pending.pop(0)
        if name in seen_modules:
            continue
        seen_modules.add(name)
        path = find_module_file(src, name)
        if path is None:
            continue
        tree = parse_file(path)
        if tree is None:
            continue
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        for node in _module_level_imports(tree):
            if isinstance(node, ast.ImportFrom):
                target = imported_from(node, package)
                # A relative import names the function's own package.
                if node.level or _own(target, src, installed):
                    pending.append(target)
                    pending.extend(f"{target}.{alias.name}" for alias in node.names)
                elif (text := ast.unparse(node)) not in statements:
                    statements.append(text)
                continue
            for alias in node.names:
                if _own(alias.name, src, installed):
                    pending.append(alias.name)
                    continue
                text = ast.unparse(ast.Import(names=[alias]))
                if text not in statements:
                    statements.append(text)
    return statements


class Recorded:
    """What recording made: the table's path and its number of sources, or why there is none."""

    __slots__ = ("count", "path", "reason")

    def __init__(self, path: str | None, count: int = 0, reason: str = "") -> None:
        self.path = path
        self.count = count
        self.reason = reason


def record(statements: list[str], python_path: list[str], out_path: str) -> Recorded:
    """Run `statements` in a child interpreter and write the marshalled {(mode, source): code} table to
    `out_path`; Recorded(None, reason=...) when the child fails or hangs."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(python_path), PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RECORD, out_path],
            input=json.dumps(statements),
            cwd=os.path.dirname(out_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=RECORD_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return Recorded(
            None, reason=f"importing the function's libraries took over {RECORD_TIMEOUT_SECONDS} s"
        )
    last = done.stdout.strip().rpartition("\n")[2]
    if done.returncode != 0 or not last.isdigit():
        detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return Recorded(None, reason=f"importing the function's libraries failed: {detail}")
    return Recorded(out_path, int(last))


def codes_module(table_path: str, folder: str) -> str:
    """Write the generated module holding the table (`CODES`) into `folder`; its path."""
    with open(table_path, "rb") as file:
        table = file.read()
    path = os.path.join(folder, CODES_MODULE + ".py")
    with open(path, "w", encoding="ascii") as file:
        file.write('"""Generated by lambda-native build: see lambda_native.runtime.precompiled."""\n\n')
        file.write(f"CODES = {table!r}\n")
    return path


def precompile_options(
    src: str, modules: list[str], python_path: list[str], folder: str
) -> tuple[list[str], Recorded]:
    """Nuitka options that compile in the table of what `modules` import (none when nothing was
    recorded), and what recording made. The generated module is written to `folder`, which Nuitka must
    find on its path; package_config appends the lookups to the stdlib."""
    os.makedirs(folder, exist_ok=True)
    recorded = record(library_imports(src, modules), python_path, os.path.join(folder, "codes.marshal"))
    if recorded.path is None or recorded.count == 0:
        return [], recorded
    codes_module(recorded.path, folder)
    return ["--include-module=" + CODES_MODULE], recorded
