"""The files of a function's source folder shipped beside `bootstrap`: its data files, so the handler can
open them relative to LAMBDA_TASK_ROOT (the zip's root, /var/task on Lambda), and its own `.py` sources.

The sources are compiled in either way (a compiled module wins over a file of the same name); shipped,
they give stack traces their source lines, as on the python runtime: a compiled frame names its file
below the task root, and `traceback` reads the line from there. Packages pip installed into the folder
are libraries, not the function's own code, and ship only compiled.
"""

from __future__ import annotations

import fnmatch
import os
import shutil

from lambda_native.builder.build_error import BuildError

# Compiled into the executable instead of shipped.
SOURCE_PATTERNS = ("*.py", "*.pyc", "*.pyi", "*.pyo")
# Files that describe the build or the deployment, not the function: never needed at run time.
BUILD_FILE_PATTERNS = ("template.yaml", "template.yml", "samconfig.toml", "Makefile", "requirements*.txt")


def _walk(src: str, skip: tuple[str, ...]):
    """(path relative to `src`, file name) of every file below `src` but hidden entries, `__pycache__`
    and the absolute paths in `skip` (the output and work folders, the requirements file)."""
    skipped = {os.path.realpath(path) for path in skip}
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(
            name
            for name in dirs
            if not name.startswith(".")
            and name != "__pycache__"
            and os.path.realpath(os.path.join(folder, name)) not in skipped
        )
        for name in files:
            path = os.path.join(folder, name)
            if not name.startswith(".") and os.path.realpath(path) not in skipped:
                yield os.path.relpath(path, src), name


def data_files(src: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Paths relative to `src` of the data files to ship (not sources, not build files), sorted."""
    return sorted(
        path
        for path, name in _walk(src, skip)
        if not any(fnmatch.fnmatch(name, pattern) for pattern in SOURCE_PATTERNS + BUILD_FILE_PATTERNS)
    )


def own_sources(src: str, skip: tuple[str, ...] = (), libraries: frozenset[str] = frozenset()) -> list[str]:
    """Paths relative to `src` of the function's own `.py` files, sorted: not those of the top-level
    packages and modules in `libraries` (what pip installed into `src`)."""
    return sorted(
        path
        for path, name in _walk(src, skip)
        if name.endswith(".py") and path.split(os.sep)[0].removesuffix(".py") not in libraries
    )


def copy_files(src: str, names: list[str], dest: str) -> None:
    """Copy `names` from `src` into `dest`; BuildError if one would overwrite a file of the build itself."""
    for name in names:
        target = os.path.join(dest, name)
        if os.path.lexists(target):
            raise BuildError(
                f"{os.path.join(src, name)} would replace {name} of the compiled program; rename it"
            )
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(src, name), target)
