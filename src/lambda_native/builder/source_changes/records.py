"""What a library's entry (builder/libraries/) declares: data first, a code hook only where data cannot.

A `SourceChange` is both the anti-bloat entry Nuitka applies and the check that the library's installed
source still holds the text it replaces (`package_config.notes`): a replacement whose text is not found
does nothing, so the build says so rather than ship a slower cold start silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceChange:
    """`module`'s source as compiled in: each key of `replacements` replaced by its value, and `appended`
    added at the end. `lost` is what a cold start loses when the installed source holds none of the
    replaced texts. `appended_from`, when the appended code is computed from the installed files, gives
    it (None: no change is made) for a Python path."""

    module: str
    description: str
    replacements: Mapping[str, str] = field(default_factory=dict)
    lost: str = ""
    appended: str | None = None
    appended_from: Callable[[list[str]], str | None] | None = None


@dataclass(frozen=True)
class Hook:
    """Code for a change data cannot say: its package-configuration entries for a Python path, the notes
    on what it could not change there, and what the shipped standalone folder contradicts in it (None
    when nothing does)."""

    config: Callable[[list[str]], str]
    notes: Callable[[list[str]], list[str]]
    check_shipped: Callable[[str, list[str]], str | None] | None = None


@dataclass(frozen=True)
class Library:
    """One library's entry.

    `implicit_imports`: module -> the modules it imports later by dotted name, compiled in with it.
    `source_changes`: the changes to its modules' source.
    `lazy_exports`: packages whose `__init__` re-exports its submodules, made to load each on first use
    (source_changes/lazy_exports.py).
    `lazy_imports`: module -> the modules whose top-level `from ... import` it makes when a function first
    needs them (source_changes/lazy_imports.py).
    `hooks`: code for what the above cannot say.
    """

    name: str
    implicit_imports: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source_changes: tuple[SourceChange, ...] = ()
    lazy_exports: tuple[str, ...] = ()
    lazy_imports: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hooks: tuple[Hook, ...] = ()
