"""botocore's loader as a native bootstrap runs it: the installed botocore.loaders with the build's source
change applied, against the installed one, on its real data."""

from __future__ import annotations

import os
import types
from collections import OrderedDict

import botocore
import botocore.loaders
import pytest
import yaml

from lambda_native.builder import botocore_loader, package_config

# The folder botocore and boto3 are installed in (moto, which the examples' tests use, needs both).
SITE = os.path.dirname(os.path.dirname(botocore.__file__))
BOTO3_DATA = os.path.join(SITE, "boto3", "data")


def changed_loaders(python_path: list[str]) -> types.ModuleType:
    """botocore.loaders as installed, changed as the package configuration says, as a new module."""
    (entry,) = yaml.safe_load(botocore_loader.config(python_path))
    change = entry["anti-bloat"][0]
    path = botocore.loaders.__file__
    with open(path, encoding="utf-8") as file:
        text = file.read()
    for old, new in change["replacements_plain"].items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    module = types.ModuleType("botocore.loaders")
    module.__file__ = path
    exec(compile(text + change["append_plain"], path, "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def changed():
    return changed_loaders([SITE])


def both_loaders(changed, **kwargs):
    return changed.Loader(**kwargs), botocore.loaders.Loader(**kwargs)


def test_models_load_equal_to_what_botocore_makes_and_as_plain_dicts(changed):
    new, old = both_loaders(changed)
    for name in ("endpoints", "partitions", "s3/2006-03-01/service-2", "dynamodb/2012-08-10/service-2"):
        model = new.load_data(name)
        assert model == old.load_data(name)
        assert type(model) is dict
        assert list(model) == list(old.load_data(name))  # the same order
    assert new.load_service_model("sqs", "service-2") == old.load_service_model("sqs", "service-2")


def test_what_orjson_refuses_is_read_by_the_json_module_as_before(changed, tmp_path):
    path = tmp_path / "odd.json"
    path.write_text('{"b": NaN, "a": 123456789012345678901234567890}', encoding="utf-8")
    loaded = changed.JSONFileLoader().load_file(str(tmp_path / "odd"))
    assert type(loaded) is OrderedDict and list(loaded) == ["b", "a"]
    assert loaded["a"] == 123456789012345678901234567890
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError):
        changed.JSONFileLoader().load_file(str(tmp_path / "odd"))


def fake_botocore(root, loaders_text: str) -> str:
    """A folder holding botocore/loaders.py with `loaders_text`."""
    (root / "botocore").mkdir(parents=True)
    (root / "botocore" / "loaders.py").write_text(loaders_text, encoding="utf-8")
    return str(root)


def installed_loaders_text() -> str:
    with open(botocore.loaders.__file__, encoding="utf-8") as file:
        return file.read()


def test_a_botocore_without_the_replaced_text_is_left_alone_with_a_note(tmp_path):
    text = installed_loaders_text()
    changed = text.replace(botocore_loader.JSON_PARSE, "        return json.loads(payload)\n")
    site = fake_botocore(tmp_path, changed)
    assert botocore_loader.config([site]) == ""
    (note,) = package_config.notes([site])
    assert "botocore/loaders.py changed, so botocore.loaders is not changed" in note
    assert "json module" in note


def test_the_installed_botocore_gets_the_change_and_no_note():
    assert botocore_loader.notes([SITE]) == []
    (entry,) = yaml.safe_load(botocore_loader.config([SITE]))
    assert len(entry["anti-bloat"][0]["replacements_plain"]) == 1
