"""What the function reaches beyond its import statements, and what it must not reach: the build's own
Python environment.

- Modules the import probe saw the function's libraries load (builder/precompile.py) are shipped whatever
  the static scans say: a library's module is compiled in (`--include-module`) when the function's folders
  hold it, a standard-library one is followed by the stdlib trim. That covers imports by computed name,
  through entry points, and from C.
- The third-party packages of the environment the build runs in (Nuitka, pytest, a test's boto3...) are
  not the function's. Nuitka would compile in any that the function's code reaches, optional imports
  included (Powertools tries `import botocore`), so the zip would depend on what happened to be installed
  where it was built. They are left out (`--nofollow-import-to`), except those the runtime itself imports
  (orjson) and those the function's folders have their own copy of; a function needing one lists it in
  its requirements.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig

# Files a module is loaded from, as opposed to namespace packages and modules made at run time
# (six.moves), which `--include-module` cannot name.
MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())


def top_level_names(folder: str) -> set[str]:
    """The top-level modules and packages importable from `folder` (packages, namespace packages,
    `.py` and extension modules), without `*.dist-info`, caches and hidden entries."""
    names = set()
    try:
        entries = os.listdir(folder)
    except OSError:
        return names
    for entry in entries:
        if entry.startswith((".", "__pycache__")) or entry.endswith((".dist-info", ".egg-info", ".data")):
            continue
        path = os.path.join(folder, entry)
        if os.path.isdir(path):
            if entry.isidentifier() and _holds_modules(path):
                names.add(entry)
        elif entry.endswith(MODULE_SUFFIXES):
            stem = entry.partition(".")[0]
            if stem.isidentifier():
                names.add(stem)
    return names


def _holds_modules(folder: str) -> bool:
    """Whether a folder is a package or a namespace package: it holds a module file at some depth, and it
    is not the `bin` of scripts that `pip install --target` makes (`bin/jp.py`)."""
    if os.path.basename(folder) == "bin" and not os.path.isfile(os.path.join(folder, "__init__.py")):
        return False
    return any(name.endswith(MODULE_SUFFIXES) for _, _, files in os.walk(folder) for name in files)


def environment_folders() -> list[str]:
    """The site-packages folders of the Python the build runs in."""
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


def environment_packages(function_folders: list[str], runtime_needs: set[str]) -> list[str]:
    """The build environment's top-level packages the function must not get: all but those the runtime
    needs, `lambda_native` itself, and those the function's folders hold (theirs win on the path)."""
    own = set().union(*(top_level_names(folder) for folder in function_folders))
    found = set().union(*(top_level_names(folder) for folder in environment_folders()))
    stdlib = set(sys.stdlib_module_names)
    return sorted(found - own - runtime_needs - stdlib - {"lambda_native"})


def in_environment(origins: dict[str, str]) -> set[str]:
    """Top-level names of the modules in `origins` (name -> file) found in the build environment."""
    folders = tuple(os.path.join(folder, "") for folder in environment_folders())
    return {name.partition(".")[0] for name, origin in origins.items() if origin.startswith(folders)}


def _file_of(name: str, origin: str, folders: list[str]) -> bool:
    """Whether `origin` is the file that module `name` is found as in one of `folders`, not another
    module's file registered under a second name (requests.packages.urllib3 is urllib3)."""
    for folder in folders:
        relative = os.path.relpath(origin, folder)
        if relative.startswith(".."):
            continue
        parts = relative.split(os.sep)
        parts[-1] = parts[-1].partition(".")[0]  # the module's name before any suffix (.py, .cpython-311...)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) == name
    return False


def loaded_by_libraries(loaded: dict[str, str], function_folders: list[str]) -> tuple[list[str], list[str]]:
    """The modules the import probe saw load, split into (the function's folders' modules to compile
    in, standard-library modules to keep); the build environment's are neither, and neither are
    modules known by a name they were not found as."""
    folders = [os.path.abspath(folder) for folder in function_folders]
    stdlib = set(sys.stdlib_module_names)
    libraries, standard = [], []
    for name, origin in loaded.items():
        if name.partition(".")[0] in stdlib:
            standard.append(name)
        elif origin.endswith(MODULE_SUFFIXES) and _file_of(name, origin, folders):
            libraries.append(name)
    return sorted(libraries), sorted(standard)
