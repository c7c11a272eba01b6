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
