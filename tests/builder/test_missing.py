"""A module missing from a built function: which one, and what fixes it, by where it is installed."""

from __future__ import annotations

import pytest

from lambda_native.builder import missing


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Unable to import module 'app': No module named 'nosuchdep'", "nosuchdep"),
        ("No module named plugins.shout", "plugins.shout"),
        (
            "Unable to import module 'app': Module 'sqlite3' was actively excluded from Nuitka compilation. "
            "Disable with '--no-deployment-flag=excluded-module-usage': Module is exact match of 'sqlite3'",
            "sqlite3",
        ),
        ("unknown encoding: CP1252", "encodings.cp1252"),
        ("unknown encoding: latin1", "encodings.latin_1"),
        ("KeyError: 'order_id'", None),
    ],
)
def test_the_missing_module_is_read_from_the_error(text, name):
    assert missing.missing_module(text) == name


def test_a_standard_library_module_is_shipped_with_include_stdlib(tmp_path):
    advice = missing.advice("sqlite3", [str(tmp_path)])
    assert "standard library" in advice and "--include-stdlib sqlite3" in advice


def test_a_module_the_functions_folders_hold_is_shipped_with_include_module(tmp_path):
    (tmp_path / "plugin_lib" / "plugins").mkdir(parents=True)
    (tmp_path / "plugin_lib" / "plugins" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "plugin_lib" / "plugins" / "shout.py").write_text("", encoding="utf-8")
    module = missing.advice("plugin_lib.plugins.shout", [str(tmp_path / "nothing"), str(tmp_path)])
    assert "installed for the function" in module and str(tmp_path / "plugin_lib" / "plugins" / "shout.py")
    assert module.endswith("Ship it with --include-module plugin_lib.plugins.shout.")
    package = missing.advice("plugin_lib.plugins", [str(tmp_path)])
    assert (
        "--include-module plugin_lib.plugins (a package: name the modules loaded from it too, e.g. "
        in package
    )
    assert "plugin_lib.plugins.shout)" in package


def test_a_module_installed_only_where_the_build_runs_belongs_in_the_requirements(tmp_path):
    # pytest is installed in the build's Python, never in the function's folders.
    advice = missing.advice("pytest", [str(tmp_path)])
    assert "installed only in the Python running the build" in advice
    assert "requirements.txt" in advice and "--include-module" not in advice


def test_a_module_installed_nowhere_belongs_in_the_requirements(tmp_path):
    advice = missing.advice("nosuchdep", [str(tmp_path)])
    assert advice.startswith("nosuchdep is not installed anywhere the build looked")
    assert "requirements.txt" in advice and "--include-module" not in advice
