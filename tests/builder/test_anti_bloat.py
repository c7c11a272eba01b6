"""The one writer of the build's source changes for Nuitka's package configuration."""

from __future__ import annotations

import yaml

from lambda_native.builder.source_changes.anti_bloat import anti_bloat_entry


def test_an_entry_reads_back_as_written_whatever_its_strings_hold():
    long_statement = "from a import (\n" + "".join(f"    name_{i},\n" for i in range(120)) + ")\n"
    assert len(long_statement) > 1024  # beyond a flow mapping's key limit
    replacements = {long_statement: "", "x = '\"quoted\"'\n": "x = 1\n", "tab\there: ü\n": "ok: 'y'\n"}
    text = anti_bloat_entry("pkg.mod", "a change", replacements, "\ndef f():\n    return 1\n", ["pkg.sub"])
    assert yaml.safe_load(text) == [
        {
            "module-name": "pkg.mod",
            "anti-bloat": [
                {
                    "description": "lambda-native: a change",
                    "replacements_plain": replacements,
                    "append_plain": "\ndef f():\n    return 1\n",
                }
            ],
            "implicit-imports": [{"depends": ["pkg.sub"]}],
        }
    ]


def test_without_appended_code_or_dependencies_the_entry_only_replaces():
    text = anti_bloat_entry("m", "only this", {"old\n": "new\n"})
    assert yaml.safe_load(text) == [
        {
            "module-name": "m",
            "anti-bloat": [
                {"description": "lambda-native: only this", "replacements_plain": {"old\n": "new\n"}}
            ],
        }
    ]
    assert yaml.safe_load(text + anti_bloat_entry("n", "next", {"a": "b"}))[1]["module-name"] == "n"
