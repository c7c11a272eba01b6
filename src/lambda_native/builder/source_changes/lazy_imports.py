"""Module-level imports that only a module's functions use, made when one of them first runs: a source
change for the modules a library's entry names (`Library.lazy_imports`, builder/libraries/).

Some modules import, as they load, what only their functions need (botocore's docstring modules import
the whole documentation generator, which runs only when someone reads a client method's `__doc__`).

For such a module the build removes the chosen top-level `from <module> import NAME` statements, imports
NAME again at the start of each function that uses it (after its docstring: once the module is loaded,
that costs a dictionary lookup), and appends a module `__getattr__` that gives `module.NAME` and
`from module import NAME` the same object as before. The modules are still shipped (`implicit-imports`).
A module is left as it is when one of the statements is missing, when a chosen name is used outside a
function body (at module level, in a class body, a decorator, a default, an annotation, a lambda), bound
anywhere else, or when the module defines `__getattr__`; `notes` says so.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from lambda_native.builder.search_path import module_source
from lambda_native.builder.source_changes.anti_bloat import anti_bloat_entry
from lambda_native.builder.source_changes.lazy_exports import GETATTR, absolute

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Nodes that bind their `name`.
BINDERS = (*FUNCTIONS, ast.ClassDef, ast.ExceptHandler, ast.MatchAs, ast.MatchStar)


class LazyModule:
    """How one module's imports become lazy: exact texts to replace (old -> new), the code to append, and
    the modules that must still ship."""

    __slots__ = ("appended", "modules", "replacements")

    def __init__(self, replacements: dict[str, str], appended: str, modules: list[str]) -> None:
        self.replacements = replacements
        self.appended = appended
        self.modules = modules


def _binds(node: ast.AST, names: set[str]) -> bool:
    """Whether `node`, not a Name, binds one of `names` (other than by the statements made lazy)."""
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return bool(names & set(node.names))
    if isinstance(node, ast.alias):
        return (node.asname or node.name).split(".")[0] in names
    if isinstance(node, ast.arg):
        return node.arg in names
    if isinstance(node, ast.MatchMapping):
        return node.rest in names
    return isinstance(node, BINDERS) and node.name in names


def _uses(tree: ast.Module, names: set[str]) -> tuple[bool, dict[ast.AST, set[str]]]:
    """Whether every mention of `names` in `tree` is a read inside a function body, and for each function
    the names read in it and not in a function nested in it."""
    reads: dict[ast.AST, set[str]] = {}
    ok = True

    def visit(node: ast.AST, function: ast.AST | None) -> None:
        nonlocal ok
        if isinstance(node, ast.Name) and node.id in names:
            if function is None or not isinstance(node.ctx, ast.Load):
                ok = False
            else:
                reads.setdefault(function, set()).add(node.id)
        elif _binds(node, names):
            ok = False
        if isinstance(node, FUNCTIONS):
            # Decorators, defaults and annotations run where the function is defined; its body, later.
            for child in (*node.decorator_list, node.args, *([node.returns] if node.returns else [])):
                visit(child, function)
            for child in node.body:
                visit(child, node)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return ok, reads


def lazy_module(module: str, source: str, imported: tuple[str, ...], package: bool) -> LazyModule | None:
    """How to make the imports of `imported` in `module` (its `source`; `package` when it is a package's
    `__init__`) lazy, or None when it cannot safely be."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if any(isinstance(node, FUNCTIONS) and node.name == "__getattr__" for node in tree.body):
        return None
    lines = source.splitlines(keepends=True)
    parent = module if package else module.rpartition(".")[0]
    names: dict[str, tuple[str, str]] = {}
    found = set()
    removed = []
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or any(alias.name == "*" for alias in node.names):
            continue
        target = absolute(parent, node)
        if target in imported:
            for alias in node.names:
                names[alias.asname or alias.name] = (target, alias.name)
            found.add(target)
            removed.append(node)
    if found != set(imported):
        return None
    # The statements themselves bind the names; every other mention must be a read in a function.
    tree.body = [node for node in tree.body if node not in removed]
    ok, reads = _uses(tree, set(names))
    if not ok:
        return None
    replacements = {"".join(lines[node.lineno - 1 : node.end_lineno]): "" for node in removed}
    taken: list[range] = []
    for function, used in reads.items():
        change = _insert_imports(function, lines, used, names)
        if change is None:
            return None
        span, old, new = change
        if any(span.start < other.stop and other.start < span.stop for other in taken):
            return None
        taken.append(span)
        replacements[old] = new
    if any(source.count(old) != 1 for old in replacements):
        return None
    table = "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in names.items()) + "}"
    return LazyModule(replacements, GETATTR.format(table=table), list(imported))


def _starts_line(node: ast.stmt, lines: list[str]) -> bool:
    """Whether `node` is the first thing on its line."""
    return not lines[node.lineno - 1][: node.col_offset].strip()


def _insert_imports(
    function: ast.AST, lines: list[str], used: set[str], names: dict[str, tuple[str, str]]
) -> tuple[range, str, str] | None:
    """(the lines it spans, old text, new text) inserting the imports of `used` at the start of `function`'s
    body, after its docstring; None unless the statement they go before starts a line of its own."""
    first = function.body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    docstring = docstring and isinstance(first.value.value, str)
    if docstring and len(function.body) == 1:
        return None
    statement = function.body[1] if docstring else first
    after = first.end_lineno if docstring else first.lineno - 1  # the imports go after this line (1-based)
    if not _starts_line(statement, lines) or statement.lineno <= after or after < function.lineno:
        return None
    if docstring and not _starts_line(first, lines):
        return None
    indent = lines[statement.lineno - 1][: statement.col_offset]
    modules: dict[str, list[str]] = {}
    for name in sorted(used):
        target, attribute = names[name]
        modules.setdefault(target, []).append(attribute if attribute == name else f"{attribute} as {name}")
    imports = "".join(
        f"{indent}from {target} import {', '.join(items)}\n" for target, items in modules.items()
    )
    head = "".join(lines[function.lineno - 1 : after])
    return range(function.lineno, after + 2), head + lines[after], head + imports + lines[after]


def _changes(python_path: list[str], modules: Mapping[str, tuple[str, ...]]):
    """(module, path, LazyModule or None) for each of `modules` installed on `python_path`."""
    for module, imported in modules.items():
        found = module_source(module, python_path)
        if found is None:
            continue
        path, package = found
        with open(path, encoding="utf-8") as file:
            yield module, path, lazy_module(module, file.read(), imported, package)


def config(python_path: list[str], modules: Mapping[str, tuple[str, ...]]) -> str:
    """Nuitka package-configuration entries making the imports of each of `modules` found on
    `python_path` lazy. Strings are written as JSON (YAML reads them as double-quoted scalars, exact),
    keys as explicit `?` keys, which have no length limit."""
    entries = []
    for module, _, lazy in _changes(python_path, modules):
        if lazy is None:
            continue
        entries.append(
            anti_bloat_entry(
                module,
                "imports only functions use are made when one runs (lazy_imports.py)",
                lazy.replacements,
                lazy.appended,
                lazy.modules,
            )
        )
    return "".join(entries)


def notes(python_path: list[str], modules: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A note for each of `modules` installed on `python_path` whose imports cannot be made lazy."""
    return [
        f"note: {path} changed, so lambda-native leaves {module} as it is: it imports "
        f"{', '.join(modules[module])} on every cold start"
        for module, path, lazy in _changes(python_path, modules)
        if lazy is None
    ]
