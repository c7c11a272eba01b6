"""The distributions a function's requirements install: their metadata ships in the native build, and
the entry-point groups they declare are compiled in as a table (unit tests on real folders; the native
test builds a library that reads its own version and plugins at import, and checks that a module the
build left out is absent as on Lambda)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
import yaml

from lambda_native.builder import distributions
from lambda_native.emulator import Function

from .conftest import run_build


def dist_info(site, name: str, entry_points: str | None = None) -> None:
    meta = site / f"{name.replace('-', '_')}-1.0.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    if entry_points is not None:
        (meta / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_each_distributions_metadata_comes_with_its_packages(tmp_path):
    dist_info(tmp_path, "Flask")
    (tmp_path / "Flask-1.0.dist-info" / "top_level.txt").write_text("flask\n", encoding="utf-8")
    # No top_level.txt: its RECORD names its package and a single-file module.
    # Two distributions of one namespace package: one entry naming both.
    for name in ("opentelemetry-api", "opentelemetry-sdk"):
        dist_info(tmp_path, name)
        (tmp_path / f"{name.replace('-', '_')}-1.0.dist-info" / "top_level.txt").write_text("opentelemetry\n")
    dist_info(tmp_path, "typing-extensions")
    (tmp_path / "typing_extensions-1.0.dist-info" / "RECORD").write_text(
        "typing_extensions.py,,\nte_helpers/__init__.py,,\ntyping_extensions-1.0.dist-info/METADATA,,\n"
        "../../bin/tool,,\n",
        encoding="utf-8",
    )
    option = distributions.metadata_config(str(tmp_path), str(tmp_path))
    path = tmp_path / "distributions.nuitka-package.config.yml"
    assert option == f"--user-package-configuration-file={path}"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert entries == [
        {"module-name": "flask", "data-files": [{"include-metadata": ["Flask"]}]},
        {
            "module-name": "opentelemetry",
            "data-files": [{"include-metadata": ["opentelemetry-api", "opentelemetry-sdk"]}],
        },
        {"module-name": "te_helpers", "data-files": [{"include-metadata": ["typing-extensions"]}]},
        {"module-name": "typing_extensions", "data-files": [{"include-metadata": ["typing-extensions"]}]},
    ]


def test_the_groups_table_names_every_declared_group_once(tmp_path):
    dist_info(tmp_path, "one", "[console_scripts]\nrun = one:main\n\n[one.Plugins]\nx = one.x:X\n")
    dist_info(tmp_path, "two", "[one.Plugins]\ny = two:Y\n")
    dist_info(tmp_path, "three")
    dist_info(tmp_path, "broken", "not an ini file\n")
    assert distributions.entry_point_groups(str(tmp_path)) == ["console_scripts", "one.Plugins"]
    folder = tmp_path / "generated"
    folder.mkdir()
    option = distributions.groups_module(str(tmp_path), str(folder))
    assert option == "--include-module=lambda_native_entry_point_groups"
    done = subprocess.run(
        [sys.executable, "-c", "import lambda_native_entry_point_groups as m; print(sorted(m.GROUPS))"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "['console_scripts', 'one.Plugins']"


# A library that asks for its own version and loads its plugins through entry points as it imports.
METALIB = {
    "metalib/__init__.py": (
        "from importlib.metadata import entry_points, version\n"
        "VERSION = version('metalib')\n"
        "PLUGINS = {ep.name: ep.load() for ep in entry_points(group='metalib.plugins')}\n"
    ),
    "metalib/shout.py": "def run(text):\n    return text.upper()\n",
    "metalib-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: metalib\nVersion: 1.0\n",
    "metalib-1.0.dist-info/WHEEL": (
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ),
    "metalib-1.0.dist-info/entry_points.txt": "[metalib.plugins]\nshout = metalib.shout:run\n",
}
HANDLER = (
    "import importlib.util\n\nimport metalib\n\n\n"
    "def handler(event, context):\n"
    "    try:\n"
    "        __import__(event['absent'])\n"
    "    except ModuleNotFoundError as exc:\n"
    "        missing = exc.name\n"
    "    return {\n"
    "        'version': metalib.VERSION,\n"
    "        'shouted': metalib.PLUGINS['shout'](event['text']),\n"
    "        'found': importlib.util.find_spec(event['absent']) is not None,\n"
    "        'missing': missing,\n"
    "    }\n"
)


def wheel(folder) -> str:
    """METALIB as a wheel file, as PyPI would serve it."""
    path = folder / "metalib-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in METALIB.items():
            archive.writestr(name, text)
        record = "".join(f"{name},,\n" for name in METALIB) + "metalib-1.0.dist-info/RECORD,,\n"
        archive.writestr("metalib-1.0.dist-info/RECORD", record)
    return str(path)


@pytest.mark.native
def test_a_library_reading_its_metadata_at_import_starts_and_answers_natively(tmp_path):
    src = tmp_path / "fn"
    src.mkdir()
    (src / "app.py").write_text(HANDLER, encoding="utf-8")
    (src / "requirements.txt").write_text(wheel(tmp_path) + "\n", encoding="utf-8")
    out, work = tmp_path / "dist", tmp_path / "work"
    built = run_build(
        "--requirements", str(src / "requirements.txt"), "--out", str(out), "--work-dir", str(work)
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "warning" not in built.stdout, built.stdout
    with Function(os.path.join(out, "function.zip")) as fn:
        # tomllib is left out by the stdlib trim: absent, as a module missing from a zip is on Lambda,
        # so that a library probing for an optional module (yarl's find_spec) takes its other path.
        result = fn.invoke({"text": "hi", "absent": "tomllib"})
        assert result.ok, result.payload
        assert result.json() == {"version": "1.0", "shouted": "HI", "found": False, "missing": "tomllib"}
