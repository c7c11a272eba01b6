"""Which standard-library modules a function can import, so the build ships only those.

Nuitka standalone ships every non-excluded stdlib module as bytecode (~4.7 MB for a hello world), and the
executable's pages are most of its memory: what is not shipped is neither stored, zipped nor touched. What a
function can import is derived, never guessed: the static import closure of the entry script, the handler
and its sources (every import statement, function-level ones included, but not a module's own `if __name__ ==
"__main__"` self-test), plus what
extension modules import from C at load time, which no scan sees (orjson imports `dataclasses`, `uuid`,
`datetime`, `enum` and `json`), found by importing them in a child interpreter. A library loads its own
modules by names no scan follows (SQLAlchemy's dialects, a plugin, an entry point), so every module of each
library package the function reaches is followed too: what any of them imports ships. Everything else in
the standard library is left out with `--nofollow-import-to`; a module the function's own code imports only
by a computed name is added back with `--include-stdlib`.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import sys
import sysconfig

from lambda_native.builder.import_probe_runner import ProbeResult, run_probe

# Kept whatever the scan says: codecs are looked up by name at run time (bytes.decode("latin-1")).
ALWAYS_KEEP = frozenset({"encodings"})
# Codecs reached by name that every network client needs, followed as if imported: `socket.getaddrinfo`
# encodes a str host name with "idna" (which imports stringprep and unicodedata), and idna uses punycode.
# The function's locale (Lambda's is UTF-8) and the codecs its libraries use as they import are found
# otherwise (the precompile probe); any other is named with --include-stdlib (encodings.cp1252).
CODECS_BY_NAME = ("encodings.idna", "encodings.punycode")

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


def parse_file(path: str, problems: dict[str, str] | None = None) -> ast.Module | None:
    """A source file's syntax tree; None when it cannot be read or is not valid Python, and then why,
    in `problems` (path -> reason), for the build to say whose imports it could not follow."""
    try:
        with open(path, "rb") as file:
            return ast.parse(file.read(), path)
    except SyntaxError as exc:
        reason = f"line {exc.lineno}: {exc.msg}"
    except (OSError, ValueError) as exc:
        reason = str(exc)
    if problems is not None:
        problems[path] = reason
    return None


def _finder(entry: str):
    """The path-entry finder of one folder (or zip) on a search path, as the import system makes it."""
    if entry in sys.path_importer_cache and sys.path_importer_cache[entry] is not None:
        return sys.path_importer_cache[entry]
    for hook in sys.path_hooks:
        try:
            return hook(entry)
        except ImportError:
            continue
    return None


def find_spec(name: str, path: list[str]) -> importlib.machinery.ModuleSpec | None:
    """`PathFinder.find_spec(name, path)`, except that a namespace package's locations are a plain list:
    PathFinder's `_NamespacePath` looks its parent up in sys.modules, so below another namespace package
    (`opentelemetry`, `google`, `azure`, `zope`...) it raises KeyError for a package never imported."""
    portions: list[str] = []
    for entry in path:
        finder = _finder(entry)
        spec = finder.find_spec(name) if finder is not None and hasattr(finder, "find_spec") else None
        if spec is None:
            continue
        if spec.loader is not None:
            return spec
        portions.extend(spec.submodule_search_locations or ())
    if not portions:
        return None
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = portions
    return spec


def imported_from(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module a `from ... import` in `package` names (relative ones resolved)."""
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    parent = ".".join(parts[: len(parts) - node.level + 1])
    return ".".join(part for part in (parent, node.module) if part)


# The fields of statements that hold statements: an import is a statement, so no expression is walked.
STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


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
        for field in STATEMENT_FIELDS:
            stack.extend(getattr(node, field, ()))
    return found


class ImportScanner:
    """The static import closure of some modules: every import statement followed, through packages."""

    __slots__ = ("path", "skip", "skipped", "specs", "stdlib_dir", "unparsable")

    def __init__(self, search_path: list[str], skip: frozenset[str] = frozenset()) -> None:
        self.path = [*search_path, *sys.path[1:]]
        # Modules and packages not followed (a runtime feature the function cannot reach, a package of the
        # build's own environment), and those of them something imported.
        self.skip = skip
        self.skipped: set[str] = set()
        self.stdlib_dir = os.path.join(sysconfig.get_paths()["stdlib"], "")
        # name -> where it was found; None: not found (an optional import that is not installed).
        self.specs: dict[str, importlib.machinery.ModuleSpec | None] = {}
        # Source files whose imports could not be followed -> why.
        self.unparsable: dict[str, str] = {}

    def _find(self, name: str) -> importlib.machinery.ModuleSpec | None:
        if name in sys.builtin_module_names:
            return importlib.machinery.ModuleSpec(name, None, origin="built-in")
        parent = name.rpartition(".")[0]
        if not parent:
            return find_spec(name, self.path)
        parent_spec = self.specs.get(parent)
        locations = parent_spec.submodule_search_locations if parent_spec else None
        return find_spec(name, list(locations)) if locations else None

    def add(self, name: str) -> None:
        """Follow `name` (and its parent packages) and everything they import."""
        pending = [name]
        while pending:
            current = pending.pop()
            if current in self.specs:
                continue
            skipped = next((name for name in self.skip if _within(current, name)), None)
            if skipped is not None:
                self.skipped.add(skipped)
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
            tree = parse_file(origin, self.unparsable)
            if tree is None:
                continue
            package = current if spec.submodule_search_locations is not None else parent
            imported = _imports(tree, package)
            if origin.startswith(self.stdlib_dir) and "site-packages" not in origin:
                imported = [name for name in imported if not _not_followed(name, current)]
            pending.extend(name for name in imported if name not in self.specs)

    def add_libraries(self, folders: list[str]) -> None:
        """Follow every module of each top-level package in `folders` that the closure reaches, until no
        new package is reached: a library may load any of its own modules by a computed name."""
        roots = tuple(os.path.join(os.path.abspath(folder), "") for folder in folders)
        walked: set[str] = set()
        while True:
            reached = {
                name.partition(".")[0]
                for name, spec in self.specs.items()
                if spec is not None and _located_in(spec, roots)
            } - walked
            if not reached:
                return
            for top in sorted(reached):
                walked.add(top)
                for folder in folders:
                    for name in package_modules(folder, top):
                        self.add(name)

    def add_script(self, path: str) -> None:
        """Follow what a script (the generated entry point) imports."""
        with open(path, "rb") as file:
            tree = ast.parse(file.read(), path)
        for imported in _imports(tree, ""):
            self.add(imported)

    def found(self) -> dict[str, str]:
        """Module name -> its origin (a file, "built-in", or "" for a namespace package), for every module
        that exists."""
        return {name: spec.origin or "" for name, spec in self.specs.items() if spec is not None}


def _located_in(spec: importlib.machinery.ModuleSpec, roots: tuple[str, ...]) -> bool:
    """Whether a module's file, or a package's folder, lies below one of `roots` (folders ending in /)."""
    places = [spec.origin or "", *(spec.submodule_search_locations or ())]
    # Only files and folders: "built-in" and "frozen" are not paths, wherever the build runs.
    return any(os.path.join(place, "").startswith(roots) for place in places if os.path.isabs(place))


def package_modules(folder: str, top: str) -> list[str]:
    """The dotted names of the Python source modules of package `top` in `folder`, below folders whose
    names can be imported (not `__pycache__`, `data-files`...)."""
    base = os.path.join(folder, top)
    names = []
    for current, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d.isidentifier())
        package = os.path.relpath(current, folder).replace(os.sep, ".")
        for file in sorted(files):
            stem, suffix = os.path.splitext(file)
            if suffix == ".py" and stem.isidentifier():
                names.append(package if stem == "__init__" else f"{package}.{stem}")
    return names


def extension_imports(modules: list[str], search_path: list[str]) -> ProbeResult:
    """What importing these (extension) modules loads, seen from a child interpreter
    (builder/import_probe_runner.py): imports made from C."""
    if not modules:
        return ProbeResult()
    return run_probe([f"import {name}" for name in modules], search_path)


def needed_modules(
    entry_script: str,
    roots: list[str],
    search_path: list[str],
    skip: frozenset[str] = frozenset(),
    notes: list[str] | None = None,
    environment: frozenset[str] = frozenset(),
    libraries: list[str] | tuple[str, ...] = (),
) -> set[str]:
    """Every module name the function can import: the static closure of the entry script, `roots` and
    the codecs reached by name, every module of the packages it reaches in the `libraries` folders, and
    what its extensions import; neither `skip` nor the build environment's packages (`environment`, see
    reach) are followed. What could not be followed (a file that does not parse, an extension whose
    import fails, a package of the build environment the function's own code imports) is said in
    `notes`."""
    scanner = ImportScanner(search_path, skip | environment)
    scanner.add_script(entry_script)
    for root in [*roots, *CODECS_BY_NAME]:
        scanner.add(root)
    # Before the libraries' every module is followed: what their other modules need and lack (a test
    # suite's pytest, its extensions' test helpers) is not the function's to be told about.
    reached_environment = scanner.skipped & environment
    primary = {f"import {name}" for name in scanner.specs}
    scanner.add_libraries(list(libraries))
    for module, needs in BRINGS_BACK.items():
        if module in scanner.specs:
            scanner.add(needs)
    found = scanner.found()
    # Built-in and shared-library modules may import Python modules from C (`_decimal` imports `numbers`).
    not_source = sorted(name for name, origin in found.items() if origin and not origin.endswith(".py"))
    probed = extension_imports(not_source, search_path)
    if notes is not None:
        notes.extend(
            f"{path} ({reason}) does not parse: the modules it imports are shipped only if something "
            "else imports them"
            for path, reason in sorted(scanner.unparsable.items())
        )
        reached = sorted(reached_environment)
        if reached:
            notes.append(
                f"not shipping {', '.join(reached)}: imported by the function's code (perhaps only when "
                "installed) but installed only in the build's own Python environment; to ship one, list it "
                "in --requirements"
            )
        if probed.reason:
            notes.append(f"what extension modules import from C is unknown: {probed.reason}")
        notes.extend(
            f"`{statement}` fails at build time ({error}): what it would import from C is unknown"
            for statement, error in probed.failed
            if statement in primary
        )
    return set(found) | set(probed.loaded)


def left_out(needed: set[str], include: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The top-level stdlib modules and packages that nothing needs, for `--nofollow-import-to`."""
    keep = {_top(name) for name in needed} | ALWAYS_KEEP | {_top(name) for name in include}
    candidates = set(sys.stdlib_module_names) - set(sys.builtin_module_names) - {"__future__"}
    return sorted(name for name in candidates - keep if not name.startswith("__"))
