"""`lambda_native.runtime.metadata.distributions()` and `entry_points()` find exactly what importlib.metadata
finds, and import it only when there is something to find (fresh interpreters, real folders and zip
files); `version()` imports it only when called."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

# Prints what ours found, whether that imported importlib.metadata, then what importlib.metadata finds.
PROBE = """
import json, sys
sys.path.insert(0, {src!r})
from lambda_native.runtime import metadata
sys.path[:1] = json.loads(sys.argv[1])  # the checkout's src holds lambda_native's own .egg-info
{setup}
ours = sorted(d.metadata["Name"] for d in metadata.distributions())
imported = "importlib.metadata" in sys.modules
import importlib.metadata
theirs = sorted(d.metadata["Name"] for d in importlib.metadata.distributions())
print(json.dumps([ours, imported, theirs]))
"""


def probe(path: list[str], setup: str = "") -> tuple[list[str], bool, list[str]]:
    script = PROBE.format(setup=setup, src=SRC)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, json.dumps(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ours, imported, theirs = json.loads(done.stdout)
    return ours, imported, theirs


def dist_info(folder: Path, name: str, suffix: str = ".dist-info") -> None:
    meta = folder / f"{name}-1.0{suffix}"
    meta.mkdir(parents=True)
    (meta / ("METADATA" if suffix == ".dist-info" else "PKG-INFO")).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )


def test_nothing_installed_means_nothing_found_and_nothing_imported(tmp_path):
    (tmp_path / "code.py").write_text("", encoding="utf-8")
    ours, imported, theirs = probe([str(tmp_path), str(tmp_path / "missing")])
    assert ours == theirs == [] and imported is False


@pytest.mark.parametrize("suffix", [".dist-info", ".egg-info", ".DIST-INFO"])
def test_installed_metadata_is_found_as_importlib_finds_it(tmp_path, suffix):
    dist_info(tmp_path, "shipped", suffix)
    ours, imported, theirs = probe([str(tmp_path)])
    assert ours == theirs == ["shipped"] and imported is True


def test_an_egg_folder_is_searched(tmp_path):
    egg = tmp_path / "old-1.0.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: old\nVersion: 1.0\n")
    ours, imported, theirs = probe([str(egg)])
    assert ours == theirs == ["old"] and imported is True


def test_a_zip_on_the_path_is_left_to_importlib(tmp_path):
    archive = tmp_path / "deps.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1.0\n"
        )
    ours, imported, theirs = probe([str(archive)])
    assert ours == theirs == ["zipped"] and imported is True


def test_a_finder_that_finds_distributions_is_left_to_importlib(tmp_path):
    setup = (
        "class Finder:\n"
        "    @staticmethod\n"
        "    def find_spec(*args): return None\n"
        "    @staticmethod\n"
        "    def find_distributions(context=None): return iter(())\n"
        "sys.meta_path.append(Finder)\n"
    )
    ours, imported, theirs = probe([str(tmp_path)], setup)
    assert ours == theirs == [] and imported is True


def run(script: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {SRC!r})\n" + script],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_other_names_are_importlib_metadatas():
    script = (
        "from lambda_native.runtime import metadata\n"
        "import importlib.metadata\n"
        "print(metadata.PackageNotFoundError is importlib.metadata.PackageNotFoundError)\n"
    )
    assert run(script) == ["True"]


def test_version_is_imported_by_name_without_importlib_metadata_and_answers_as_it_does(tmp_path):
    dist_info(tmp_path, "shipped")
    script = (
        "from lambda_native.runtime.metadata import version\n"
        "print('importlib.metadata' in sys.modules)\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import importlib.metadata\n"
        "print(version('shipped'), importlib.metadata.version('shipped'))\n"
    )
    assert run(script) == ["False", "1.0", "1.0"]


def test_no_entry_points_when_nothing_is_installed_and_nothing_imported(tmp_path):
    script = (
        "from lambda_native.runtime.metadata import entry_points\n"
        f"sys.path[:1] = [{str(tmp_path)!r}]  # the checkout's src holds lambda_native's own .egg-info\n"
        "found = entry_points(group='pydantic')\n"
        "print(list(found), sorted(found.names), list(found.select(group='x')))\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    assert run(script) == ["[]", "[]", "[]", "False"]


def test_entry_points_of_installed_metadata_are_importlib_metadatas(tmp_path):
    dist_info(tmp_path, "plugin")
    (tmp_path / "plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nmine = plugin.module:thing\n", encoding="utf-8"
    )
    script = (
        "from lambda_native.runtime.metadata import entry_points\n"
        f"sys.path[:1] = [{str(tmp_path)!r}]\n"
        "print([e.value for e in entry_points(group='pydantic')])\n"
    )
    assert run(script) == ["['plugin.module:thing']"]


# As a native bootstrap holds metadata: Nuitka's loader yields its compiled-in distributions (importing
# importlib.metadata to make them), and the build's table names the entry-point groups they declare.
NATIVE_LOADER = """
from lambda_native.runtime.metadata import distributions, entry_points
class nuitka_module_loader:
    def find_spec(self, *args):
        return None
    def find_distributions(self, context=None):
        import importlib.metadata, pathlib
        yield importlib.metadata.PathDistribution(pathlib.Path({compiled!r}))
sys.meta_path.append(nuitka_module_loader())
"""


def native_loader(tmp_path) -> str:
    """NATIVE_LOADER for one compiled-in distribution declaring the entry-point group `declared`."""
    dist_info(tmp_path / "compiled", "shipped")
    meta = tmp_path / "compiled" / "shipped-1.0.dist-info"
    (meta / "entry_points.txt").write_text("[declared]\nx = shipped:thing\n", encoding="utf-8")
    return NATIVE_LOADER.format(compiled=str(meta))


def test_an_entry_point_group_no_compiled_in_distribution_declares_is_answered_without_importlib(tmp_path):
    (tmp_path / "lambda_native_entry_point_groups.py").write_text(
        "GROUPS = frozenset({'declared'})\n", encoding="utf-8"
    )
    script = native_loader(tmp_path) + (
        f"sys.path[:1] = [{str(tmp_path)!r}]\n"
        "print(list(entry_points(group='pydantic')), 'importlib.metadata' in sys.modules)\n"
        "print([e.value for e in entry_points(group='declared')])\n"
    )
    assert run(script) == ["[]", "False", "['shipped:thing']"]


@pytest.mark.parametrize(
    "lookup", ["distributions()", "entry_points()", "entry_points(group='declared', name='x')"]
)
def test_lookups_the_table_cannot_answer_are_importlibs_when_distributions_are_compiled_in(tmp_path, lookup):
    (tmp_path / "lambda_native_entry_point_groups.py").write_text(
        "GROUPS = frozenset({'declared'})\n", encoding="utf-8"
    )
    script = native_loader(tmp_path) + (
        f"sys.path[:1] = [{str(tmp_path)!r}]\n{lookup}\nprint('importlib.metadata' in sys.modules)\n"
    )
    assert run(script) == ["True"]


def test_without_the_builds_table_every_group_is_looked_for(tmp_path):
    script = native_loader(tmp_path) + (
        f"sys.path[:1] = [{str(tmp_path)!r}]\n"
        "entry_points(group='pydantic')\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    assert run(script) == ["True"]
