"""The Nuitka package configuration the build adds: its entries, and the note when pydantic changed."""

from __future__ import annotations

import importlib.util
import re

import yaml

from lambda_native.builder import package_config


def entries(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as file:
        return {
            entry["module-name"]: entry["anti-bloat"][0]
            for entry in yaml.safe_load(file)
            if "anti-bloat" in entry
        }


def test_modules_boto3_imports_by_dotted_name_are_compiled_in(tmp_path):
    with open(package_config.write(str(tmp_path), precompiled=False), encoding="utf-8") as file:
        config = {entry["module-name"]: entry for entry in yaml.safe_load(file)}
    depends = config["boto3.session"]["implicit-imports"][0]["depends"]
    assert "boto3.dynamodb.transform" in depends and "boto3.s3.inject" in depends


def test_every_module_named_by_name_exists_in_the_installed_library():
    # boto3 is installed for the examples' tests (moto depends on it): a rename upstream fails here.
    for module, depends in package_config.BY_NAME.items():
        assert importlib.util.find_spec(module) is not None, module
        for name in depends:
            assert importlib.util.find_spec(name) is not None, name
    source = importlib.util.find_spec("boto3.session").loader.get_source("boto3.session")
    named = set(re.findall(r"lazy_call\(\s*'([\w.]+)\.\w+'", source))
    assert named == set(package_config.BY_NAME["boto3.session"])


def test_with_a_table_the_stdlib_generators_get_the_precompiled_lookups(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=True))
    assert set(config) == {"dataclasses", "typing", "pydantic.plugin._loader"}
    assert config["dataclasses"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import exec_precompiled as exec\n"
    )
    assert config["typing"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import compile_precompiled as compile\n"
    )
    assert config["pydantic.plugin._loader"]["replacements_plain"] == {
        "import importlib.metadata as importlib_metadata": (
            "import lambda_native.runtime.metadata as importlib_metadata"
        )
    }


def test_every_line_the_configuration_adds_imports_what_it_names(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=True))
    added = [entry["append_plain"] for name, entry in config.items() if "append_plain" in entry]
    added += [new for entry in config.values() for new in entry.get("replacements_plain", {}).values()]
    assert len(added) == 3
    for line in added:
        exec(line, {})  # an ImportError here would be a module compiled into every cold start, failing


def test_without_a_table_only_pydantic_is_changed(tmp_path):
    assert set(entries(package_config.write(str(tmp_path), precompiled=False))) == {"pydantic.plugin._loader"}


def loader(site, text: str) -> None:
    path = site / "pydantic" / "plugin" / "_loader.py"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")


def test_a_pydantic_whose_loader_fits_needs_no_note(tmp_path):
    loader(
        tmp_path, "from __future__ import annotations\n\nimport importlib.metadata as importlib_metadata\n"
    )
    assert package_config.pydantic_note([str(tmp_path / "src"), str(tmp_path)]) is None


def test_a_pydantic_whose_loader_changed_gets_a_note(tmp_path):
    loader(tmp_path, "from importlib import metadata\n")
    note = package_config.pydantic_note([str(tmp_path)])
    assert note is not None and "pydantic imports it on every cold start" in note
    assert str(tmp_path / "pydantic" / "plugin" / "_loader.py") in note


def test_no_pydantic_no_note(tmp_path):
    assert package_config.pydantic_note([str(tmp_path)]) is None
