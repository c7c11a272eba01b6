"""Imports only functions use, made when one runs: the source change on small modules, and on the
installed boto3, botocore and s3transfer as a bootstrap runs them (in a child interpreter whose importer
applies the package configuration's changes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import botocore
import pytest
import yaml

from lambda_native.builder import libraries as package_config
from lambda_native.builder.source_changes import lazy_imports

SITE = os.path.dirname(os.path.dirname(botocore.__file__))
# What the library entries make lazy (builder/libraries/).
LAZY_IMPORTS = {
    module: names for library in package_config.registered() for module, names in library.lazy_imports.items()
}

HEAVY = "LOADED.append(__name__)\nclass Thing:\n    pass\ndef make():\n    return Thing()\n"


def changed(source: str, module: str = "pkg.user", imported: tuple[str, ...] = ("pkg.heavy",)) -> str | None:
    """`source` with the change applied, or None when it is left alone."""
    lazy = lazy_imports.lazy_module(module, source, imported, package=False)
    if lazy is None:
        return None
    for old, new in lazy.replacements.items():
        assert source.count(old) == 1
        source = source.replace(old, new)
    return source + lazy.appended


def load(tmp_path, monkeypatch, user: str, name: str = "lazypkg"):
    """A package `name` with a `heavy` module and a `user` module of source `user`; (user module, list of
    the modules that ran)."""
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("LOADED = []\n", encoding="utf-8")
    (package / "heavy.py").write_text(f"from {name} import LOADED\n" + HEAVY, encoding="utf-8")
    (package / "user.py").write_text(user, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for key in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
        monkeypatch.delitem(sys.modules, key)
    import importlib

    module = importlib.import_module(f"{name}.user")
    return module, importlib.import_module(name).LOADED


USER = '''\
"""A module."""
import os
from pkg.heavy import Thing, make as build


def create():
    """Make one."""
    return build()


class Maker:
    def kind(self):
        # what it makes
        return Thing
'''


def test_the_import_moves_into_the_functions_that_use_it():
    new = changed(USER)
    assert "from pkg.heavy import Thing, make as build\n" not in new
    assert '    """Make one."""\n    from pkg.heavy import make as build\n    return build()' in new
    assert "        # what it makes\n        from pkg.heavy import Thing\n        return Thing" in new
    assert "def __getattr__(name):" in new


def test_the_changed_module_loads_the_import_on_first_use_and_gives_the_same_objects(tmp_path, monkeypatch):
    source = changed(USER.replace("pkg.", "lazypkg."), "lazypkg.user", ("lazypkg.heavy",))
    user, loaded = load(tmp_path, monkeypatch, source)
    assert loaded == []
    assert type(user.create()).__name__ == "Thing"
    assert loaded == ["lazypkg.heavy"]
    heavy = sys.modules["lazypkg.heavy"]
    assert user.Maker().kind() is heavy.Thing
    assert user.Thing is heavy.Thing and user.build is heavy.make
    from lazypkg.user import build

    assert build is heavy.make
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        user.nothing  # noqa: B018


@pytest.mark.parametrize(
    "source",
    [
        "from pkg.heavy import Thing\nX = Thing\n",  # at module level
        "from pkg.heavy import Thing\nclass A:\n    kind = Thing\n",  # in a class body
        "from pkg.heavy import Thing\ndef f(kind=Thing):\n    return kind\n",  # a default
        "from pkg.heavy import Thing\n@Thing\ndef f():\n    return 1\n",  # a decorator
        "from pkg.heavy import Thing\ndef f() -> Thing:\n    return 1\n",  # an annotation
        "from pkg.heavy import Thing\nf = lambda: Thing\n",  # a lambda at module level
        "from pkg.heavy import Thing\ndef f():\n    Thing = 1\n    return Thing\n",  # bound elsewhere
        "from pkg.heavy import Thing\ndef f(Thing):\n    return Thing\n",  # an argument
        "from pkg.heavy import Thing\ndef f():\n    global Thing\n    return Thing\n",
        "from pkg.heavy import Thing\ndef f(): return Thing\n",  # a body on the def line
        "from pkg.heavy import Thing\ndef f():\n    return Thing\ndef __getattr__(name):\n    pass\n",
        "from pkg.other import Thing\ndef f():\n    return Thing\n",  # the statement is not there
        "from pkg.heavy import Thing\ndef f():\n    return Thing\ndef g():\n    from pkg import Thing\n",
    ],
)
def test_a_module_is_left_alone_when_the_change_could_change_what_it_does(source):
    assert changed(source) is None


def test_relative_imports_are_resolved_from_the_module_or_the_package_it_initialises():
    source = "from .heavy import Thing\ndef f():\n    return Thing\n"
    assert "    from pkg.heavy import Thing\n" in changed(source)
    up = "from ..heavy import Thing\ndef f():\n    return Thing\n"
    assert "    from pkg.heavy import Thing\n" in changed(up, module="pkg.sub.user")
    assert lazy_imports.lazy_module("pkg", source, ("pkg.heavy",), package=True) is not None
    assert lazy_imports.lazy_module("pkg.user", source, ("pkg.heavy",), package=True) is None


def test_the_installed_libraries_get_every_change_and_no_note(tmp_path):
    assert lazy_imports.notes([SITE], LAZY_IMPORTS) == []
    with open(package_config.write(str(tmp_path), False, [SITE]), encoding="utf-8") as file:
        config = {entry["module-name"]: entry for entry in yaml.safe_load(file)}
    for module, imported in LAZY_IMPORTS.items():
        assert config[module]["implicit-imports"] == [{"depends": list(imported)}]


def test_a_library_that_changed_is_left_alone_with_a_note(tmp_path):
    (tmp_path / "s3transfer").mkdir()
    (tmp_path / "s3transfer" / "compat.py").write_text(
        "from multiprocessing import managers\n", encoding="utf-8"
    )
    assert lazy_imports.config([str(tmp_path)], LAZY_IMPORTS) == ""
    (note,) = lazy_imports.notes([str(tmp_path)], LAZY_IMPORTS)
    assert "s3transfer/compat.py changed" in note and "multiprocessing.managers on every cold start" in note


# A child interpreter: the installed libraries, changed as the package configuration says when CHANGES
# names a file, make clients and a resource; it prints what loaded and what their docstrings say.
CHILD = textwrap.dedent(
    """
    import importlib.machinery, json, os, sys, yaml

    changes = {}
    if os.environ.get("CHANGES"):
        with open(os.environ["CHANGES"]) as file:
            entries = yaml.safe_load(file)
        changes = {e["module-name"]: e["anti-bloat"][0] for e in entries if "anti-bloat" in e}

    class Changed(importlib.machinery.SourceFileLoader):
        def get_code(self, fullname):
            source = self.get_source(fullname)
            change = changes[fullname]
            for old, new in change.get("replacements_plain", {}).items():
                source = source.replace(old, new)
            return compile(source + change.get("append_plain", ""), self.path, "exec")

    class Finder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name not in changes:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            spec.loader = Changed(name, spec.origin)
            return spec

    sys.meta_path.insert(0, Finder)
    import boto3

    s3 = boto3.client("s3")
    table = boto3.resource("dynamodb").Table("orders")
    waiter = s3.get_waiter("bucket_exists")
    loaded = sorted(sys.modules)
    docs = [s3.put_object.__doc__, waiter.wait.__doc__, table.put_item.__doc__, s3.get_paginator.__doc__]
    from s3transfer.compat import BaseManager

    docs = [str(doc) for doc in docs]
    print(json.dumps({"loaded": loaded, "docs": docs, "manager": BaseManager.__module__}))
    """
)


def child(tmp_path, changes: str | None) -> dict:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "fake",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CHANGES": changes or "",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_boto3_makes_the_same_clients_and_docstrings_without_loading_its_documenters(tmp_path):
    changes = package_config.write(str(tmp_path), False, [SITE])
    before, after = child(tmp_path, None), child(tmp_path, changes)
    assert after["docs"] == before["docs"]
    assert "Adds an object to a bucket" in after["docs"][0]
    assert after["manager"] == before["manager"] == "multiprocessing.managers"
    deferred = [name for names in LAZY_IMPORTS.values() for name in names]
    assert set(deferred) <= set(before["loaded"])
    assert not set(deferred) & set(after["loaded"])
