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
import os

from lambda_native.builder.handler_check import find_module_file
from lambda_native.builder.import_probe_runner import ProbeResult, run_probe
from lambda_native.builder.stdlib_trim import imported_from, is_skipped_block, parse_file
from lambda_native.runtime.on_demand import CODES_MODULE


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


def record(statements: list[str], python_path: list[str], out_path: str) -> ProbeResult:
    """Run `statements` in a child interpreter (builder/import_probe.py) and write the marshalled
    {(mode, source): code} table to `out_path` (the result's `codes_path`; None, with a `reason`, when the
    child fails or hangs)."""
    return run_probe(statements, python_path, cwd=os.path.dirname(out_path), codes_path=out_path)


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
) -> tuple[list[str], ProbeResult]:
    """Nuitka options that compile in the table of what `modules` import (none when nothing was
    recorded), and what recording made. The generated module is written to `folder`, which Nuitka must
    find on its path; package_config appends the lookups to the stdlib."""
    os.makedirs(folder, exist_ok=True)
    recorded = record(library_imports(src, modules), python_path, os.path.join(folder, "codes.marshal"))
    if recorded.codes_path is None or recorded.codes == 0:
        return [], recorded
    codes_module(recorded.codes_path, folder)
    return ["--include-module=" + CODES_MODULE], recorded
