"""Finding and importing the function's handler, with the official client's error types and messages."""

from __future__ import annotations

import os
import sys

# Init failures that mean "this handler string does not name a handler", where a compiled bootstrap's own
# handler is worth mentioning.
_NAMING_FAULTS = (
    "Runtime.MalformedHandlerName",
    "Runtime.BuiltInModuleConflict",
    "Runtime.ImportModuleError",
    "Runtime.HandlerNotFound",
)


def handler_name(argv: list[str], built_handler: str | None) -> str | None:
    """The handler to load: `argv[1]` (as awslambdaric takes it), else `_HANDLER`, else the built-in one."""
    if len(argv) > 1:
        return argv[1]
    return os.environ.get("_HANDLER") or built_handler


def prepare_sys_path() -> None:
    """Put `LAMBDA_TASK_ROOT` first on sys.path, then the layer directories that exist, as Lambda does."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    paths = [task_root] if task_root else []
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    paths += [p for p in ("/opt/python", f"/opt/python/lib/{version}/site-packages") if os.path.isdir(p)]
    for position, path in enumerate(paths):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(position, path)


def _fault(error_type: str, message: str, stack_trace: list[str] | None = None):
    from lambda_native.runtime.error_report import Fault

    return Fault(error_type, message, stack_trace)


def _import(modname: str):
    """Import the handler module, turning import and syntax errors into the official faults."""
    if modname.split(".")[0] in sys.builtin_module_names:
        message = f"Cannot use built-in module {modname} as a handler module"
        raise _fault("Runtime.BuiltInModuleConflict", message)
    dotted = modname.replace("/", ".")
    try:
        __import__(dotted)
    except ImportError as exc:
        raise _fault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        message = f"Syntax error in module '{modname}': {exc}"
        raise _fault("Runtime.UserCodeSyntaxError", message, trace) from None
    return sys.modules[dotted]


def load(name: str, built_handler: str | None = None):
    """Import `module.function` (also `pkg.mod.fn`, `dir/mod.fn`) and return the function.

    Raises `error_report.Fault` with the official type and message; when the bootstrap was built with a
    different handler, the message says which one.
    """
    try:
        try:
            modname, fname = name.rsplit(".", 1)
        except ValueError as exc:
            raise _fault("Runtime.MalformedHandlerName", f"Bad handler '{name}': {exc}") from None
        module = _import(modname)
        try:
            return getattr(module, fname)
        except AttributeError:
            message = f"Handler '{fname}' missing on module '{modname}'"
            raise _fault("Runtime.HandlerNotFound", message) from None
    except Exception as exc:
        if built_handler and name != built_handler:
            from lambda_native.runtime.error_report import Fault

            if isinstance(exc, Fault) and exc.error_type in _NAMING_FAULTS:
                exc.message += f" (this bootstrap was built with handler '{built_handler}')"
        raise
