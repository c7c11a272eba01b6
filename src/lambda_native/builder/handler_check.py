"""Checks the handler (`module.function`) against the function's source before the long compile.

The module is parsed, never imported: importing would run the user's top-level code on the build host.
"""

from __future__ import annotations

import ast
import os
import re

from lambda_native.builder.build_error import BuildError

# Lambda's own rule for the part after the last dot is looser, but a compiled-in handler must be a
# Python identifier path: `app.handler`, `pkg.module.handler`, or with slashes, as awslambdaric resolves
# them and SAM templates use them, `lib/inner/mod.handler` (module `lib.inner.mod`).
HANDLER_RE = re.compile(r"^[A-Za-z_]\w*([./][A-Za-z_]\w*)*\.[A-Za-z_]\w*$")


class HandlerSpec:
    """A checked handler: the setting as given, its (dotted) module name, function name, the source file
    that defines it, and whether it is an `async def` (the runtime then needs asyncio)."""

    __slots__ = ("function", "is_async", "module", "path", "setting")

    def __init__(
        self, module: str, function: str, path: str, is_async: bool = False, setting: str = ""
    ) -> None:
        self.module = module
        self.function = function
        self.path = path
        self.is_async = is_async
        self.setting = setting or f"{module}.{function}"

    def __str__(self) -> str:
        return self.setting


def parse_handler(handler: str) -> tuple[str, str]:
    """`"pkg.app.handler"` -> `("pkg.app", "handler")`, `"lib/mod.handler"` -> `("lib.mod", "handler")`;
    BuildError when it is not `module.function`."""
    if not HANDLER_RE.match(handler):
        raise BuildError(
            f"--handler {handler!r} is malformed: expected MODULE.FUNCTION, e.g. app.handler "
            "(the module is a .py file in --src, dotted for packages: pkg.app.handler, or a path: "
            "lib/app.handler)"
        )
    module, _, function = handler.rpartition(".")
    return module.replace("/", "."), function


def find_module_file(src: str, module: str) -> str | None:
    """The file in `src` that defines `module` (`pkg/app.py` or `pkg/app/__init__.py`), if any."""
    base = os.path.join(src, *module.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def top_level_names(tree: ast.Module) -> dict[str, str]:
    """Names bound at a module's top level -> how ("function", "async function", "class", "name")."""
    names: dict[str, str] = {}

    def bind(target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            names.setdefault(target.id, "name")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                bind(element)

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.FunctionDef):
                names[node.name] = "function"
            elif isinstance(node, ast.AsyncFunctionDef):
                names[node.name] = "async function"
            elif isinstance(node, ast.ClassDef):
                names[node.name] = "class"
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                bind(node.target)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        names.setdefault(alias.asname or alias.name.split(".")[0], "name")
            elif isinstance(node, (ast.If, ast.Try)):
                # `if ...: def handler` / `try: from x import handler`: any branch may bind the name.
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", ()):
                    visit(handler.body)
                visit(getattr(node, "finalbody", []))

    visit(tree.body)
    return names


def check_handler(handler: str, src: str) -> HandlerSpec:
    """Check that `src` has the handler's module and that it defines the function; BuildError if not."""
    module, function = parse_handler(handler)
    if not os.path.isdir(src):
        raise BuildError(f"--src {src}: no such directory (it should hold the handler's module, {module}.py)")
    path = find_module_file(src, module)
    if path is None:
        expected = os.path.join(src, *module.split(".")) + ".py"
        raise BuildError(
            f"handler {handler}: module {module!r} not found in --src ({expected} does not exist)"
        )
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), filename=path)
    except SyntaxError as exc:
        raise BuildError(f"handler {handler}: {path}:{exc.lineno}: syntax error: {exc.msg}") from None
    names = top_level_names(tree)
    if function not in names:
        functions = sorted(name for name, kind in names.items() if kind.endswith("function"))
        defined = ", ".join(functions) if functions else "none"
        raise BuildError(
            f"handler {handler}: {path} defines no {function!r} at top level (functions defined: {defined})"
        )
    if names[function] == "class":
        raise BuildError(f"handler {handler}: {function!r} in {path} is a class, not a function")
    return HandlerSpec(module, function, path, is_async=names[function] == "async function", setting=handler)
