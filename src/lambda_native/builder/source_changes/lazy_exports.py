"""Package `__init__` modules whose re-exports load on first use: a source change for the packages a
library's entry names (`Library.lazy_exports`, builder/libraries/).

Some libraries' package `__init__` imports every submodule to re-export its names, though a function
uses one or two of them.

For such a package the build removes the top-level `from <package>.<sub> import NAME` statements (relative
or absolute) from its `__init__` and appends a module `__getattr__` that imports the submodule when a name
is first asked for, then keeps it in the module's globals: `from package import NAME`, `package.NAME` and
`from package import *` (through `__all__`) give the same objects as before. The submodules are still
shipped (`implicit-imports`); only their import waits. A package is left as it is when its `__init__`
defines `__getattr__`, uses a re-exported name itself, or re-exports nothing.
"""

from __future__ import annotations

import ast
import os

from lambda_native.builder.search_path import first_on_path
from lambda_native.builder.source_changes.anti_bloat import anti_bloat_entry

GETATTR = """
# lambda-native: these names load on first use (lambda_native/builder/source_changes/lazy_*.py).
__lambda_native_lazy__ = {table}


def __getattr__(name):
    where = __lambda_native_lazy__.get(name)
    if where is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    import importlib

    value = getattr(importlib.import_module(where[0]), where[1])
    globals()[name] = value
    return value
"""


class LazyInit:
    """How one package `__init__` becomes lazy: the statements to remove (their exact text), the code to
    append, and the submodules that must still ship."""

    __slots__ = ("appended", "package", "removed", "submodules")

    def __init__(self, package: str, removed: list[str], appended: str, submodules: list[str]) -> None:
        self.package = package
        self.removed = removed
        self.appended = appended
        self.submodules = submodules


def absolute(package: str, node: ast.ImportFrom) -> str:
    """The module a `from ... import` in a module of `package` (or in its `__init__`) names, made
    absolute."""
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def lazy_init(package: str, source: str) -> LazyInit | None:
    """How to make the `__init__` of `package` (its `source`) lazy, or None when it cannot safely be."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body):
        return None
    lines = source.splitlines(keepends=True)
    names: dict[str, tuple[str, str]] = {}
    removed, submodules = [], []
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or any(alias.name == "*" for alias in node.names):
            continue
        module = absolute(package, node)
        if not module.startswith(package + "."):
            continue
        for alias in node.names:
            names[alias.asname or alias.name] = (module, alias.name)
        removed.append("".join(lines[node.lineno - 1 : node.end_lineno]))
        submodules.append(module)
    if not names:
        return None
    # A name the module itself uses would be looked up in its globals, which never calls __getattr__.
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    if used & names.keys():
        return None
    table = "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in names.items()) + "}"
    return LazyInit(package, removed, GETATTR.format(table=table), list(dict.fromkeys(submodules)))


def _changes(python_path: list[str], packages: tuple[str, ...] | list[str]):
    """(package, path of its `__init__`, LazyInit or None) for each of `packages` installed on
    `python_path`."""
    for package in packages:
        path = first_on_path(os.path.join(*package.split("."), "__init__.py"), python_path)
        if path is None:
            continue
        with open(path, encoding="utf-8") as file:
            yield package, path, lazy_init(package, file.read())


def config(python_path: list[str], packages: tuple[str, ...] | list[str]) -> str:
    """Nuitka package-configuration entries making each of `packages` found on `python_path` lazy."""
    return "".join(
        anti_bloat_entry(
            package,
            "re-exports load on first use (lazy_exports.py)",
            dict.fromkeys(lazy.removed, ""),
            lazy.appended,
            lazy.submodules,
        )
        for package, _, lazy in _changes(python_path, packages)
        if lazy is not None
    )


def notes(python_path: list[str], packages: tuple[str, ...] | list[str]) -> list[str]:
    """A note for each of `packages` installed on `python_path` whose re-exports cannot be made lazy."""
    return [
        f"note: {path} changed, so lambda-native leaves {package} as it is: it imports every submodule "
        "it re-exports on every cold start"
        for package, path, lazy in _changes(python_path, packages)
        if lazy is None
    ]
