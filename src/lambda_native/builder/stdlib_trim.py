"""Which standard-library modules a function can import, so the build ships only those.

Nuitka standalone ships every non-excluded stdlib module as bytecode (~4.7 MB for a hello world), and the
executable's pages are most of its memory: what is not shipped is neither stored, zipped nor touched. What a
function can import is derived, never guessed: the static import closure of the entry script, the handler
and its sources (every import statement, function-level ones included, but not a module's own `if __name__ ==
"__main__"` self-test), plus what
extension modules import from C at load time, which no scan sees (orjson imports `dataclasses`, `uuid`,
`datetime`, `enum` and `json`), found by importing them in a child interpreter. Everything else in the
standard library is left out with `--nofollow-import-to`; a module the function imports only by a computed
name is added back with `--include-stdlib`.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import sys
import sysconfig

from lambda_native.builder.probe import ProbeResult, run_probe

# Kept whatever the scan says: codecs are looked up by name at run time (bytes.decode("latin-1")).
ALWAYS_KEEP = frozenset({"encodings"})

# Imports the standard library makes only from its self-tests, debugging helpers and the command-line
# `main()` of its modules (`pickle._test()` imports doctest, `tokenize._main()` argparse,
# `multiprocessing.util` test.support, `importlib`'s PathFinder.find_distributions importlib.metadata, and
# its FileLoader.get_resource_reader importlib.readers, reached only through importlib.resources, which
# brings it back below): such an import from elsewhere in the standard library is not followed. A
# function's own import of one is, and so are a package's imports of its own modules.
NOT_FOLLOWED_FROM_STDLIB = frozenset(
    {
        "argparse", "bdb", "cProfile", "cmd", "code", "codeop", "curses", "distutils", "doctest", "ensurepip",
        "idlelib", "importlib.metadata", "importlib.readers", "lib2to3", "optparse", "pdb", "profile",
        "pstats", "pydoc", "pydoc_data", "readline", "rlcompleter", "tabnanny", "test", "timeit", "tkinter",
        "trace", "turtle", "turtledemo", "unittest", "venv", "webbrowser",
    }
)  # fmt: skip


def _top(name: str) -> str:
    return name.partition(".")[0]


# A module that, when the function has it, needs a module that is otherwise not followed.
BRINGS_BACK = {"importlib.resources": "importlib.readers"}


def _within(name: str, entry: str) -> bool:
    return name == entry or name.startswith(entry + ".")


def _not_followed(name: str, importer: str) -> bool:
    """Whether the stdlib module `importer`'s import of `name` is left unfollowed."""
    return any(_within(name, entry) and not _within(importer, entry) for entry in NOT_FOLLOWED_FROM_STDLIB)


def is_skipped_block(node: ast.If) -> bool:
    """`if __name__ == "__main__":` (a module's self-test) and `if TYPE_CHECKING:` never run in a function."""
    test = node.test
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
        return True
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def parse_file(path: str) -> ast.Module | None:
    """A source file's syntax tree, or None when it is not valid Python."""
    with open(path, "rb") as file:
        try:
            return ast.parse(file.read(), path)
        except (SyntaxError, ValueError):
            return None


def imported_from(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module a `from ... import` in `package` names (relative ones resolved)."""
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    parent = ".".join(parts[: len(parts) - node.level + 1])
    return ".".join(part for part in (parent, node.module) if part)


def _imports(tree: ast.AST, package: str) -> list[str]:
    """Module names one source file imports, anywhere in it (function bodies too), resolved to absolute."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and is_skipped_block(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = imported_from(node, package)
            if base:
                found.append(base)
                # `from pkg import name` may name a submodule.
                found.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        stack.extend(ast.iter_child_nodes(node))
    return found


class ImportScanner:
    """The static import closure of some modules: every import statement followed, through packages."""

    __slots__ = ("path", "skip", "specs", "stdlib_dir")

    def __init__(self, search_path: list[str], skip: frozenset[str] = frozenset()) -> None:
        self.path = [*search_path, *sys.path[1:]]
        self.skip = skip  # modules not followed (a runtime feature the function cannot reach)
        self.stdlib_dir = os.path.join(sysconfig.get_paths()["stdlib"], "")
        # name -> where it was found; None: not found (an optional import that is not installed).
        self.specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def _find(self, name: str) -> importlib.machinery.ModuleSpec | None:
        if name in sys.builtin_module_names:
            return importlib.machinery.ModuleSpec(name, None, origin="built-in")
        parent = name.rpartition(".")[0]
        if not parent:
            return importlib.machinery.PathFinder.find_spec(name, self.path)
        parent_spec = self.specs.get(parent)
        locations = parent_spec.submodule_search_locations if parent_spec else None
        return importlib.machinery.PathFinder.find_spec(name, list(locations)) if locations else None

    def add(self, name: str) -> None:
        """Follow `name` (and its parent packages) and everything they import."""
        pending = [name]
        while pending:
            current = pending.pop()
            if current in self.specs or current in self.skip:
                continue
            parent = current.rpartition(".")[0]
            if parent and parent not in self.specs:
                pending.extend([current, parent])
                continue
            try:
                spec = self._find(current)
            except (ImportError, ValueError):
                spec = None
            self.specs[current] = spec
            origin = spec.origin if spec is not None else None
            if not origin or not origin.endswith(".py"):
                continue
            tree = parse_file(origin)
            if tree is None:
                continue
            package = current if spec.submodule_search_locations is not None else parent
            imported = _imports(tree, package)
            if origin.startswith(self.stdlib_dir) and "site-packages" not in origin:
                imported = [name for name in imported if not _not_followed(name, current)]
            pending.extend(name for name in imported if name not in self.specs)

    def add_script(self, path: str) -> None:
        """Follow what a script (the generated entry point) imports."""
        with open(path, "rb") as file:
            tree = ast.parse(file.read(), path)
        for imported in _imports(tree, ""):
            self.add(imported)

    def found(self) -> dict[str, str]:
        """Module name -> its origin (a file, or "built-in"), for every module that exists."""
        return {name: spec.origin or "" for name, spec in self.specs.items() if spec is not None}


def extension_imports(modules: list[str], search_path: list[str]) -> ProbeResult:
    """What importing these (extension) modules loads, seen from a child interpreter (builder/probe.py):
    imports made from C."""
    if not modules:
        return ProbeResult()
    return run_probe([f"import {name}" for name in modules], search_path)


def needed_modules(
    entry_script: str, roots: list[str], search_path: list[str], skip: frozenset[str] = frozenset()
) -> set[str]:
    """Every module name the function can import: the static closure and what its extensions import."""
    scanner = ImportScanner(search_path, skip)
    scanner.add_script(entry_script)
    for root in roots:
        scanner.add(root)
    for module, needs in BRINGS_BACK.items():
        if module in scanner.specs:
            scanner.add(needs)
    found = scanner.found()
    # Built-in and shared-library modules may import Python modules from C (`_decimal` imports `numbers`).
    not_source = sorted(name for name, origin in found.items() if not origin.endswith(".py"))
    return set(found) | set(extension_imports(not_source, search_path).loaded)


def left_out(needed: set[str], include: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The top-level stdlib modules and packages that nothing needs, for `--nofollow-import-to`."""
    keep = {_top(name) for name in needed} | ALWAYS_KEEP | {_top(name) for name in include}
    candidates = set(sys.stdlib_module_names) - set(sys.builtin_module_names) - {"__future__"}
    return sorted(name for name in candidates - keep if not name.startswith("__"))
