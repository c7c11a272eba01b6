"""Entries of Nuitka's package configuration (YAML): a module's source changed as it is compiled in, and
modules compiled in with one that imports them by name.

Every entry the build writes is written here, in one form: strings as JSON, which YAML reads as
double-quoted scalars (exact, whatever they hold), and replaced texts as explicit `?` keys, which have no
length limit (a flow mapping's keys stop at 1,024 characters).
"""

from __future__ import annotations

import json


def anti_bloat_entry(
    module: str,
    description: str,
    replacements: dict[str, str],
    appended: str | None = None,
    depends: tuple[str, ...] | list[str] = (),
) -> str:
    """The entry for `module`: each key of `replacements` replaced by its value, `appended` added at the
    end, and `depends` compiled in with it (they are imported later, by the appended code)."""
    lines = [
        f"- module-name: {json.dumps(module)}\n",
        "  anti-bloat:\n",
        f"    - description: {json.dumps('lambda-native: ' + description)}\n",
    ]
    if replacements:
        lines.append("      replacements_plain:\n")
        lines += [
            f"        ? {json.dumps(old)}\n        : {json.dumps(new)}\n" for old, new in replacements.items()
        ]
    if appended is not None:
        lines.append(f"      append_plain: {json.dumps(appended)}\n")
    return "".join(lines) + _depends(depends)


def implicit_imports_entry(module: str, depends: tuple[str, ...] | list[str]) -> str:
    """The entry compiling `depends` in with `module`, which imports them later by dotted name."""
    return f"- module-name: {json.dumps(module)}\n" + _depends(depends)


def _depends(depends: tuple[str, ...] | list[str]) -> str:
    if not depends:
        return ""
    return "  implicit-imports:\n    - depends:\n" + "".join(
        f"        - {json.dumps(name)}\n" for name in depends
    )
