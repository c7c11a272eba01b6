"""Package `__init__` modules whose re-exports load on first use: a source change for known libraries.

Some libraries' package `__init__` imports every submodule to re-export its names. Powertools'
`aws_lambda_powertools.event_handler` imports all eleven resolvers (AppSync's brings in asyncio and ssl)
and `utilities.data_classes` every event class (CodePipeline's brings in zipfile), though a function uses
one or two: 12% of a Powertools function's import time and 3.2 MB of its memory, interpreted or native.

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

from lambda_native.builder.anti_bloat import anti_bloat_entry
from lambda_native.builder.search_path import first_on_path

# Packages whose `__init__` only re-exports what its submodules define: importing one submodule later
# changes nothing but when its body runs.
LAZY_PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)

GETATTR = """
# lambda-native: these names load on first use (lambda_native/builder/lazy_exports.py, lazy_imports.py).
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


def config(python_path: list[str], packages: tuple[str, ...] = LAZY_PACKAGES) -> str:
    """Nuitka package-configuration entries making each of `packages` found on `python_path` lazy.

    Strings are written as JSON, which YAML reads as double-quoted scalars: exact, whatever they hold.
    """
    entries = []
    for package in packages:
        path = first_on_path(os.path.join(*package.split("."), "__init__.py"), python_path)
        if path is None:
            continue
        with open(path, encoding="utf-8") as file:
            lazy = lazy_init(package, file.read())
        if lazy is None:
            continue
        entries.append(
            anti_bloat_entry(
                package,
                "re-exports load on first use (lazy_exports.py)",
                dict.fromkeys(lazy.removed, ""),
                lazy.appended,
                lazy.submodules,
            )
        )
    return "".join(entries)
