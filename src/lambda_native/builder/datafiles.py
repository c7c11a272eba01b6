"""The non-Python files of a function's source folder, shipped beside `bootstrap` so the handler can open
them relative to LAMBDA_TASK_ROOT (the zip's root, /var/task on Lambda)."""

from __future__ import annotations

import fnmatch
import os
import shutil

from lambda_native.builder.errors import BuildError

# Compiled into the executable instead of shipped.
SOURCE_PATTERNS = ("*.py", "*.pyc", "*.pyi", "*.pyo")
# Files that describe the build or the deployment, not the function: never needed at run time.
BUILD_FILE_PATTERNS = ("template.yaml", "template.yml", "samconfig.toml", "requirements*.txt")


def data_files(src: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Paths relative to `src` of the files to ship, sorted; hidden entries and `__pycache__` left out.

    `skip` holds absolute paths (the output and work folders, the requirements file) never to ship even
    when they sit inside `src`.
    """
    skipped = {os.path.realpath(path) for path in skip}
    found = []
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
            if name.startswith(".") or os.path.realpath(path) in skipped:
                continue
            if any(fnmatch.fnmatch(name, pattern) for pattern in SOURCE_PATTERNS + BUILD_FILE_PATTERNS):
                continue
            found.append(os.path.relpath(path, src))
    return sorted(found)


def copy_data_files(src: str, names: list[str], dest: str) -> None:
    """Copy `names` from `src` into `dest`; BuildError if one would overwrite a file of the build itself."""
    for name in names:
        target = os.path.join(dest, name)
        if os.path.lexists(target):
            raise BuildError(
                f"data file {os.path.join(src, name)} would replace {name} of the compiled program; rename it"
            )
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(src, name), target)
