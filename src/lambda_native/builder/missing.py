"""What a module missing from a built function means, and what fixes it.

The start-up check (startcheck) sees an init or an invoke fail with `No module named 'X'`, Nuitka's
`Module 'X' was actively excluded from Nuitka compilation`, or `unknown encoding: X`. The fix depends on
where X is: installed nowhere the build looked (the function needs it in its requirements), installed only
in the Python running the build (the same), or there to be shipped but left out by the build (a module
imported by a computed name: `--include-module`, or `--include-stdlib` for the standard library's).
"""

from __future__ import annotations

import encodings
import importlib.machinery
import importlib.util
import os
import re
import sys

NAMED = (
    re.compile(r"Module '?([\w.]+)'? was actively excluded"),
    re.compile(r"No module named '?([\w.]+)"),
)
CODEC = re.compile(r"unknown encoding: ([\w.-]+)")


def missing_module(text: str) -> str | None:
    """The module (or, for a codec, `encodings.NAME`) an error message says is missing; None if none."""
    for pattern in NAMED:
        match = pattern.search(text)
        if match:
            return match.group(1).rstrip(".")
    match = CODEC.search(text)
    if match is None:
        return None
    from encodings.aliases import aliases

    name = encodings.normalize_encoding(match.group(1)).lower()
    return "encodings." + aliases.get(name, name)


def location(name: str, folders: list[str] | tuple[str, ...]) -> str | None:
    """The file or package folder of module `name` in the first of `folders` that has it."""
    relative = os.path.join(*name.split("."))
    for folder in folders:
        base = os.path.join(folder, relative)
        if os.path.isdir(base):
            return base
        for suffix in importlib.machinery.all_suffixes():
            if os.path.isfile(base + suffix):
                return base + suffix
    return None


def _in_build_environment(name: str) -> str | None:
    """Where the Python running the build has `name`'s top-level package, if it does."""
    top = name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    return spec.origin or next(iter(spec.submodule_search_locations or ()), None)


def advice(name: str, function_folders: list[str] | tuple[str, ...]) -> str:
    """What to do about module `name` missing from the built function, by where it is installed."""
    if name.partition(".")[0] in sys.stdlib_module_names:
        return (
            f"{name} is in the standard library and the build left it out: nothing the build could "
            f"follow imports it. Ship it with --include-stdlib {name}."
        )
    found = location(name, function_folders)
    if found is not None:
        shown = f"--include-module {name}"
        if os.path.isdir(found):
            modules = sorted(
                entry.partition(".")[0]
                for entry in os.listdir(found)
                if entry.endswith(tuple(importlib.machinery.all_suffixes())) and not entry.startswith("__")
            )
            if modules:
                shown += f" (a package: name the modules loaded from it too, e.g. {name}.{modules[0]})"
        return (
            f"{name} is installed for the function ({found}) but the build left it out: it is imported "
            f"by a name computed at run time. Ship it with {shown}."
        )
    elsewhere = _in_build_environment(name)
    if elsewhere is not None:
        return (
            f"{name} is installed only in the Python running the build ({elsewhere}), which is not "
            "shipped: add the package that provides it to the function's requirements.txt."
        )
    return (
        f"{name} is not installed anywhere the build looked: add the package that provides it to the "
        "function's requirements.txt (--requirements), or put the module in --src."
    )
