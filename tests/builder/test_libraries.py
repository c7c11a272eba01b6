"""The registry of library knowledge (builder/libraries/): every entry found by discovery, each change
declared once and checked against the installed source, and one switch that turns every entry off."""

from __future__ import annotations

import os

import pytest
import yaml

from lambda_native.builder import libraries
from lambda_native.builder.build_error import BuildError
from lambda_native.builder.source_changes import package_config
from lambda_native.builder.source_changes.package_config import REGEX_COMPILER
from lambda_native.builder.source_changes.records import Library

from .conftest import run_build

ENTRY = """
from lambda_native.builder.source_changes.records import Library, SourceChange

LIBRARY = Library(
    name="widgets",
    implicit_imports={"widgets.registry": ("widgets.plugins.round",)},
    source_changes=(
        SourceChange(
            module="widgets.core",
            description="a faster widget",
            replacements={"import slow\\n": "import fast\\n"},
            lost="widgets import slow on every cold start",
        ),
    ),
)
"""


def entry_package(root, name: str, files: dict[str, str]) -> str:
    """A package `name` under `root` holding `files`, importable as an entry package."""
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return name


def test_a_new_entry_file_is_picked_up_and_its_change_written_and_checked(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    package = entry_package(tmp_path, "entries_one", {"widgets.py": ENTRY, "_helper.py": "X = 1\n"})
    (found,) = libraries.discover(package)
    assert found.name == "widgets"
    with open(package_config.write(str(tmp_path), False, (), [found]), encoding="utf-8") as file:
        config = {entry["module-name"]: entry for entry in yaml.safe_load(file)}
    assert config["widgets.registry"]["implicit-imports"] == [{"depends": ["widgets.plugins.round"]}]
    assert config["widgets.core"]["anti-bloat"][0]["replacements_plain"] == {"import slow\n": "import fast\n"}
    site = tmp_path / "site"
    (site / "widgets").mkdir(parents=True)
    core = site / "widgets" / "core.py"
    core.write_text("import slow\n", encoding="utf-8")
    assert package_config.notes([str(site)], [found]) == []
    core.write_text("import slower\n", encoding="utf-8")
    (note,) = package_config.notes([str(site)], [found])
    assert note == (
        f"note: {core} changed, so widgets.core is not changed by lambda-native: "
        "widgets import slow on every cold start"
    )


def test_a_module_of_the_registry_without_an_entry_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    package = entry_package(tmp_path, "entries_two", {"gadgets.py": "NAME = 'gadgets'\n"})
    with pytest.raises(TypeError, match=r"entries_two\.gadgets declares no LIBRARY"):
        libraries.discover(package)


def test_the_registry_holds_one_entry_per_library_file():
    folder = os.path.dirname(libraries.__file__)
    files = sorted(
        name[:-3] for name in os.listdir(folder) if name.endswith(".py") and not name.startswith("_")
    )
    assert len(libraries.registered()) == len(files) >= 8
    assert all(isinstance(library, Library) for library in libraries.registered())
    for library in libraries.registered():
        for change in library.source_changes:
            assert change.replacements and change.lost, change.module  # each change is checked


def test_every_change_applies_to_the_installed_libraries_without_a_note():
    import boto3  # installed for the examples' tests, with botocore and s3transfer

    site = os.path.dirname(os.path.dirname(boto3.__file__))
    assert libraries.notes([site]) == []


@pytest.mark.parametrize(("value", "enabled"), [(None, True), ("on", True), ("off", False)])
def test_the_switch_is_on_unless_turned_off(value, enabled):
    environ = {} if value is None else {libraries.SWITCH: value}
    assert libraries.switch(environ) is enabled


def test_a_switch_value_that_is_neither_on_nor_off_is_refused():
    with pytest.raises(BuildError, match=r"LAMBDA_NATIVE_LIBRARY_ENTRIES='no': expected on .* or off"):
        libraries.switch({libraries.SWITCH: "no"})


def test_a_configuration_without_entries_is_not_written(tmp_path):
    # Nuitka refuses an empty package configuration file, so the build passes none.
    assert libraries.write(str(tmp_path), False, (), enabled=False) is None
    assert os.listdir(tmp_path) == []


def test_with_the_switch_off_no_library_is_changed(tmp_path):
    with open(libraries.write(str(tmp_path), True, (), enabled=False), encoding="utf-8") as file:
        modules = {entry["module-name"] for entry in yaml.safe_load(file)}
    assert modules == {"dataclasses", "typing", REGEX_COMPILER}  # precompilation's, no library's
    assert libraries.entries(False) == ()
    assert libraries.check_shipped(str(tmp_path), [], enabled=False) == []


def test_a_bad_switch_value_stops_the_build_before_it_starts(tmp_path):
    env = dict(os.environ, **{libraries.SWITCH: "maybe"})
    done = run_build("--out", str(tmp_path / "out"), "--work-dir", str(tmp_path / "work"), env=env)
    assert done.returncode == 2
    assert "build: error: LAMBDA_NATIVE_LIBRARY_ENTRIES='maybe': expected on" in done.stderr


@pytest.mark.native
def test_hello_builds_and_answers_with_every_library_entry_off(tmp_path):
    from lambda_native.emulator import Function

    env = dict(os.environ, **{libraries.SWITCH: "off"})
    out = tmp_path / "out"
    done = run_build("--out", str(out), "--work-dir", str(tmp_path / "work"), "--no-check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # hello's imports generate no code to precompile, so with no library entry there is no configuration.
    assert not (tmp_path / "work" / "generated" / "lambda-native.nuitka-package.config.yml").exists()
    assert "--user-package-configuration-file" not in (tmp_path / "work" / "nuitka.log").read_text()
    with Function(str(out / "function.zip")) as fn:
        result = fn.invoke({"name": "Ada"})
    assert result.ok and result.json()["message"] == "Hello, Ada!"


def test_a_lazy_package_that_can_no_longer_be_made_lazy_gets_a_note(tmp_path):
    from lambda_native.builder.source_changes import lazy_exports

    package = tmp_path / "shapes"
    package.mkdir()
    init = package / "__init__.py"
    init.write_text("from shapes.alpha import Alpha\n", encoding="utf-8")
    assert lazy_exports.notes([str(tmp_path)], ["shapes"]) == []
    init.write_text("from shapes.alpha import Alpha\n\ndef __getattr__(name):\n    raise AttributeError\n")
    (note,) = lazy_exports.notes([str(tmp_path)], ["shapes"])
    assert note.startswith(f"note: {init} changed, so lambda-native leaves shapes as it is")
