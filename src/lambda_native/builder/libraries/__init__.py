"""The registry of library knowledge: one module per library in this package, each declaring `LIBRARY`
(source_changes/records.Library), found by `discover`. Adding a library is adding one file here.

The build reaches the libraries only through this module: `write` the package configuration, `notes` on
what no longer applies, `check_shipped` the standalone folder. `LAMBDA_NATIVE_LIBRARY_ENTRIES=off` turns
every entry off (`switch`), for comparing a build with none of them (docs/libraries.md).
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
from collections.abc import Mapping

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.source_changes import package_config
from lambda_native.builder.source_changes.records import Library

SWITCH = "LAMBDA_NATIVE_LIBRARY_ENTRIES"
SWITCH_VALUES = {"on": True, "off": False}


def discover(package: str = __name__) -> tuple[Library, ...]:
    """The `LIBRARY` of every module of `package` whose name does not start with `_`, by name."""
    folders = importlib.import_module(package).__path__
    found = []
    for info in pkgutil.iter_modules(folders):
        if info.name.startswith("_"):
            continue
        library = getattr(importlib.import_module(f"{package}.{info.name}"), "LIBRARY", None)
        if not isinstance(library, Library):
            raise TypeError(f"{package}.{info.name} declares no LIBRARY (a Library), as every entry must")
        found.append(library)
    return tuple(sorted(found, key=lambda library: library.name))


@functools.cache
def registered() -> tuple[Library, ...]:
    """Every library entry of this package."""
    return discover()


def switch(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the library entries apply: `LAMBDA_NATIVE_LIBRARY_ENTRIES` is on (the default) or off;
    BuildError for anything else."""
    value = environ.get(SWITCH, "on")
    if value not in SWITCH_VALUES:
        raise BuildError(f"{SWITCH}={value!r}: expected on (the default) or off")
    return SWITCH_VALUES[value]


def entries(enabled: bool = True) -> tuple[Library, ...]:
    """The library entries that apply: all of them, or none."""
    return registered() if enabled else ()


def write(
    folder: str, precompiled: bool, python_path: list[str] | tuple[str, ...] = (), enabled: bool = True
) -> str | None:
    """Write the build's package configuration into `folder` (package_config.write); its path, None when
    it has no entry."""
    return package_config.write(folder, precompiled, python_path, entries(enabled))


def notes(python_path: list[str], enabled: bool = True) -> list[str]:
    """A note for each change of a library entry that no longer applies to what `python_path` holds."""
    return package_config.notes(python_path, entries(enabled))


def check_shipped(dist: str, python_path: list[str], enabled: bool = True) -> list[str]:
    """What the standalone folder `dist` contradicts in the changes compiled in from `python_path`."""
    checks = (
        hook.check_shipped for library in entries(enabled) for hook in library.hooks if hook.check_shipped
    )
    return [problem for problem in (check(dist, python_path) for check in checks) if problem is not None]
