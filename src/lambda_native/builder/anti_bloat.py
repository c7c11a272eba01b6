"""One entry of Nuitka's package configuration (YAML) that changes a module's source as it is compiled in.

Every source change the build makes is written here, in one form: strings as JSON, which YAML reads as
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
        "      replacements_plain:\n",
        *(f"        ? {json.dumps(old)}\n        : {json.dumps(new)}\n" for old, new in replacements.items()),
    ]
    if appended is not None:
        lines.append(f"      append_plain: {json.dumps(appended)}\n")
    if depends:
        lines.append("  implicit-imports:\n    - depends:\n")
        lines += [f"        - {json.dumps(name)}\n" for name in depends]
    return "".join(lines)
