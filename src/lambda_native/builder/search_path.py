"""Finding an installed file as an import would: in the first folder of a Python path that holds it."""

from __future__ import annotations

import os


def first_on_path(relative: str, python_path: list[str], *, folder: bool = False) -> str | None:
    """`relative` in the first folder of `python_path` where it is a file (a folder, with `folder`)."""
    found = os.path.isdir if folder else os.path.isfile
    for entry in python_path:
        path = os.path.join(entry, relative)
        if found(path):
            return path
    return None


def module_source(module: str, python_path: list[str]) -> tuple[str, bool] | None:
    """The source file of `module` in the first folder of `python_path` that holds it, and whether it is a
    package's `__init__`."""
    parts = module.split(".")
    for folder in python_path:
        for relative, package in (
            (os.path.join(*parts, "__init__.py"), True),
            (os.path.join(*parts) + ".py", False),
        ):
            path = os.path.join(folder, relative)
            if os.path.isfile(path):
                return path, package
    return None
