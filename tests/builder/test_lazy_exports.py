"""Lazy re-exports: a package `__init__` rewritten as the build's package configuration rewrites it loads each
submodule when one of its names is first used, and gives the same objects as before."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from lambda_native.builder import libraries
from lambda_native.builder.source_changes import lazy_exports

INIT = '''"""A package that re-exports its submodules' names."""

from typing import Any

from .alpha import Alpha
from shapes.beta import (
    Beta,
    beta_factory as make_beta,
)

__all__ = ["Alpha", "Beta", "make_beta"]
'''


def make_package(root, init: str = INIT) -> None:
    package = root / "shapes"
    package.mkdir()
    (package / "__init__.py").write_text(init, encoding="utf-8")
    (package / "alpha.py").write_text("class Alpha:\n    pass\n", encoding="utf-8")
    (package / "beta.py").write_text("class Beta:\n    pass\n\ndef beta_factory():\n    return Beta()\n")


def rewritten(root) -> None:
    """Apply the configuration's change to the package on disk, as Nuitka's anti-bloat plugin would."""
    (entry,) = yaml.safe_load(lazy_exports.config([str(root)], ("shapes",)))
    (change,) = entry["anti-bloat"]
    init = root / "shapes" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    for old, new in change["replacements_plain"].items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    init.write_text(text + change["append_plain"], encoding="utf-8")
    assert entry["implicit-imports"] == [{"depends": ["shapes.alpha", "shapes.beta"]}]


def run(root, code: str) -> list:
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys, json; sys.path.insert(0, {str(root)!r})\n{code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_names_load_their_submodule_on_first_use_and_are_the_same_objects(tmp_path):
    make_package(tmp_path)
    rewritten(tmp_path)
    code = (
        "import shapes\n"
        "before = [m for m in ('shapes.alpha', 'shapes.beta') if m in sys.modules]\n"
        "from shapes import Alpha\n"
        "import shapes.alpha\n"
        "after = [m for m in ('shapes.alpha', 'shapes.beta') if m in sys.modules]\n"
        "same = Alpha is shapes.alpha.Alpha and 'Alpha' in vars(shapes)\n"
        "made = type(shapes.make_beta()).__name__\n"
        "print(json.dumps([before, after, same, made]))\n"
    )
    assert run(tmp_path, code) == [[], ["shapes.alpha"], True, "Beta"]


def test_star_imports_and_missing_names_behave_as_before(tmp_path):
    make_package(tmp_path)
    rewritten(tmp_path)
    code = (
        "from shapes import *\n"
        "import shapes\n"
        "try:\n"
        "    shapes.Gamma\n"
        "except AttributeError as exc:\n"
        "    missing = str(exc)\n"
        "print(json.dumps([Alpha.__name__, Beta.__name__, make_beta.__name__, missing]))\n"
    )
    assert run(tmp_path, code) == [
        "Alpha",
        "Beta",
        "beta_factory",
        "module 'shapes' has no attribute 'Gamma'",
    ]


def test_a_package_that_uses_a_reexported_name_is_left_alone():
    assert lazy_exports.lazy_init("shapes", INIT + "\nclass Square(Alpha):\n    pass\n") is None


def test_a_package_with_its_own_getattr_is_left_alone():
    assert (
        lazy_exports.lazy_init("shapes", INIT + "\ndef __getattr__(name):\n    raise AttributeError\n")
        is None
    )


def test_imports_from_elsewhere_stay_and_nothing_to_defer_means_no_change():
    lazy = lazy_exports.lazy_init("shapes", INIT)
    assert lazy.submodules == ["shapes.alpha", "shapes.beta"]
    assert all("typing" not in text for text in lazy.removed)
    assert lazy_exports.lazy_init("shapes", "from typing import Any\nfrom os import path\n") is None


def test_packages_not_installed_give_no_configuration(tmp_path):
    assert (
        lazy_exports.config([str(tmp_path)], [p for lib in libraries.registered() for p in lib.lazy_exports])
        == ""
    )
