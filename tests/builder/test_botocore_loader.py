"""botocore's loader as a native bootstrap runs it: the installed botocore.loaders with the build's source
change applied, against the installed one, on botocore's and boto3's real data."""

from __future__ import annotations

import gzip
import os
import shutil
import types
from collections import OrderedDict

import botocore
import botocore.loaders
import pytest
import yaml

from lambda_native.builder import libraries as package_config
from lambda_native.builder.libraries import botocore as botocore_loader

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


@pytest.fixture(autouse=True)
def no_cloud(monkeypatch):
    """Nothing here resolves credentials; should anything, it finds fake ones and never asks the instance
    metadata service (an address off this machine)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "fake", "AWS_SECRET_ACCESS_KEY": "fake"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def changed():
    return changed_loaders([SITE])


def kinds() -> list[str]:
    """Every type_name botocore's or boto3's data holds, and some that none does."""
    found = set()
    for listing in botocore_loader.listings([SITE]).values():
        found |= set(listing)
    assert {"service-2", "endpoint-rule-set-1", "paginators-1", "resources-1"} <= found
    return [*sorted(found), "no-such-kind", "service-2.json", ""]


def both_loaders(changed, **kwargs):
    return changed.Loader(**kwargs), botocore.loaders.Loader(**kwargs)


def test_every_kind_lists_the_same_services_as_the_walk(changed):
    new, old = both_loaders(changed)
    for loader in (new, old):  # as boto3's Session does
        loader.search_paths.append(BOTO3_DATA)
    for kind in kinds():
        assert new.list_available_services(kind) == old.list_available_services(kind), kind


def test_the_shipped_data_folders_are_not_walked(changed, monkeypatch):
    new, old = both_loaders(changed)
    expected = old.list_available_services("service-2")
    walked = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": walked.append(path) or listdir(path))
    assert new.list_available_services("service-2") == expected
    assert walked == []


def test_other_folders_of_the_search_path_are_walked(changed, tmp_path):
    version = tmp_path / "my-service" / "2030-01-01"
    version.mkdir(parents=True)
    (version / "service-2.json").write_text("{}", encoding="utf-8")
    (tmp_path / "compressed" / "2030-01-01").mkdir(parents=True)
    with gzip.open(tmp_path / "compressed" / "2030-01-01" / "service-2.json.gz", "wb") as file:
        file.write(b"{}")
    new, old = both_loaders(changed, extra_search_paths=[str(tmp_path)])
    assert new.list_available_services("service-2") == old.list_available_services("service-2")
    assert {"my-service", "compressed", "s3"} <= set(new.list_available_services("service-2"))
    assert new.list_available_services("waiters-2") == old.list_available_services("waiters-2")


def test_a_file_loader_of_its_own_gets_the_walk(changed):
    class NothingExists(changed.JSONFileLoader):
        def exists(self, file_path):
            return False

    assert changed.Loader(file_loader=NothingExists()).list_available_services("service-2") == []


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


def test_services_by_type_is_what_the_walk_finds(tmp_path):
    (tmp_path / "endpoints.json").write_text("{}", encoding="utf-8")  # a file beside the services
    (tmp_path / "a" / "2020-01-01").mkdir(parents=True)
    (tmp_path / "a" / "2020-01-01" / "service-2.json.gz").write_bytes(gzip.compress(b"{}"))
    (tmp_path / "a" / "2020-01-01" / "waiters-2.json").mkdir()  # a folder, not a model
    (tmp_path / "a" / "notes.txt").write_text("", encoding="utf-8")  # not an API version
    (tmp_path / "b" / "2019-01-01").mkdir(parents=True)
    (tmp_path / "b" / "2019-01-01" / "paginators-1.sdk-extras.json").write_text("{}", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    listing = botocore_loader.services_by_type(str(tmp_path))
    assert listing == {"service-2": ("a",), "paginators-1.sdk-extras": ("b",)}
    loader = botocore.loaders.Loader(extra_search_paths=[str(tmp_path)], include_default_search_paths=False)
    for kind in ("service-2", "waiters-2", "paginators-1.sdk-extras", "paginators-1"):
        assert loader.list_available_services(kind) == list(listing.get(kind, ())), kind


def fake_botocore(root, loaders_text: str, services: tuple[str, ...]) -> str:
    """A folder holding botocore/loaders.py with `loaders_text` and a data folder of `services`."""
    (root / "botocore").mkdir(parents=True)
    (root / "botocore" / "loaders.py").write_text(loaders_text, encoding="utf-8")
    for service in services:
        (root / "botocore" / "data" / service / "2020-01-01").mkdir(parents=True)
        (root / "botocore" / "data" / service / "2020-01-01" / "service-2.json").write_text("{}")
    return str(root)


def installed_loaders_text() -> str:
    with open(botocore.loaders.__file__, encoding="utf-8") as file:
        return file.read()


def test_a_botocore_without_the_replaced_text_is_left_alone_with_a_note_each(tmp_path):
    text = installed_loaders_text()
    changed = text.replace(botocore_loader.JSON_PARSE, "        return json.loads(payload)\n")
    changed = changed.replace("            # Any directory in the search path", "            # Any folder")
    site = fake_botocore(tmp_path, changed, ("s3",))
    assert botocore_loader.config([site]) == ""
    notes = package_config.notes([site])
    assert len(notes) == 2
    assert all("botocore/loaders.py changed, so botocore.loaders is not changed" in note for note in notes)
    assert "json module" in notes[0] and "listed on every cold start" in notes[1]


def test_the_installed_botocore_gets_both_changes_and_no_note():
    assert botocore_loader.notes([SITE]) == []
    (entry,) = yaml.safe_load(botocore_loader.config([SITE]))
    assert len(entry["anti-bloat"][0]["replacements_plain"]) == 2


def test_the_build_refuses_a_bootstrap_whose_data_differs_from_its_table(tmp_path):
    site = fake_botocore(tmp_path / "site", installed_loaders_text(), ("s3", "sqs"))
    dist = tmp_path / "dist"
    shutil.copytree(os.path.join(site, "botocore"), dist / "botocore")
    assert botocore_loader.check_shipped(str(dist), [site]) is None
    shutil.rmtree(dist / "botocore" / "data" / "sqs")
    assert "does not hold the services the build listed" in botocore_loader.check_shipped(str(dist), [site])
