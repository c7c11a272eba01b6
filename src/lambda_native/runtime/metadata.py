"""`importlib.metadata` for pydantic, not imported when there is nothing for it to find.

pydantic 2 looks for plugins as it builds its first model, by iterating `importlib.metadata.distributions()`
(up to 2.13) or `entry_points(group="pydantic")` (2.14 on), and `pydantic.networks` imports its `version`
at import time to check email-validator's when an email field is used. Importing importlib.metadata
(zipfile, email, pathlib, csv, shutil...) costs ~18 ms of a native cold start. A native bootstrap holds
the metadata of the distributions it ships (builder/distributions.py), and a table of the entry-point
groups they declare, so a lookup of a group no distribution declares has nothing to find. A native build
makes those pydantic modules import from this one instead (`builder/libraries/pydantic.py`).
`distributions()` answers with nothing only when importlib.metadata would find no distribution, and
`entry_points(group=G)` only when it would find none of group G; both are importlib.metadata's otherwise;
`version()` imports it when called; every other name is importlib.metadata's.
"""

import os
import sys

from lambda_native.runtime.on_demand import ENTRY_POINT_GROUPS_MODULE


class _EveryDistribution:
    """The discovery context of `distributions()`: any name, along sys.path."""

    __slots__ = ()
    name = None

    @property
    def path(self) -> list:
        return sys.path


def _may_hold_metadata(entry) -> bool:
    """Whether importlib.metadata's search of one sys.path entry could find a distribution there: it
    lists a folder for `*.dist-info`, `*.egg-info` (and `egg-info` in an `.egg`), or reads a zip file."""
    if type(entry) is not str:
        return True
    try:
        names = os.listdir(entry or ".")
    except OSError:
        return os.path.exists(entry)
    egg = os.path.basename(entry).lower().endswith(".egg")
    return any(
        name.lower().endswith((".dist-info", ".egg-info")) or (egg and name.lower() == "egg-info")
        for name in names
    )


def _declared_groups():
    """The entry-point groups the distributions compiled in declare; None when the build wrote no table."""
    try:
        return __import__(ENTRY_POINT_GROUPS_MODULE).GROUPS
    except ImportError:
        return None


def _nothing_to_find(group=None) -> bool:
    """True only when `importlib.metadata.distributions()` would yield nothing (with `group`: no entry
    point of that group): the finders on sys.meta_path that find distributions are the path finder, which
    would search sys.path and find no metadata there, and Nuitka's loader, holding no metadata compiled in
    (or none that declares `group`)."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        find = getattr(finder, "find_distributions", None)
        if find is None or finder is PathFinder:
            continue
        if type(finder).__name__ != "nuitka_module_loader":
            return False
        if group is not None:
            declared = _declared_groups()
            if declared is not None and group not in declared:
                continue
        for _ in find(_EveryDistribution()):
            return False
    return not any(_may_hold_metadata(entry) for entry in sys.path)


def distributions(**kwargs):
    """`importlib.metadata.distributions(**kwargs)`, without importing it when it would find nothing."""
    if not kwargs and _nothing_to_find():
        return iter(())
    import importlib.metadata

    return importlib.metadata.distributions(**kwargs)


class _NoEntryPoints(tuple):
    """What `importlib.metadata.entry_points()` returns when there are none: an empty `EntryPoints`."""

    __slots__ = ()
    names = frozenset()
    groups = frozenset()

    def select(self, **params):
        return self

    def __getitem__(self, name):
        if isinstance(name, str):
            raise KeyError(name)
        return tuple.__getitem__(self, name)


def entry_points(**params):
    """`importlib.metadata.entry_points(**params)`, without importing it when it would find nothing."""
    # Only a lookup by group alone can be answered from the table of declared groups.
    group = params["group"] if set(params) == {"group"} else None
    if _nothing_to_find(group):
        return _NoEntryPoints()
    import importlib.metadata

    return importlib.metadata.entry_points(**params)


def version(distribution_name: str) -> str:
    """`importlib.metadata.version(distribution_name)`, importing importlib.metadata only when called."""
    import importlib.metadata

    return importlib.metadata.version(distribution_name)


def __getattr__(name: str):
    # Dunder lookups (`from lambda_native.runtime.metadata import version` asks for `__path__`) are not
    # importlib.metadata's, and must not import it.
    if name.startswith("__"):
        raise AttributeError(name)
    import importlib.metadata

    return getattr(importlib.metadata, name)
