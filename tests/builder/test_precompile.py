"""Build-time recording of the sources dataclasses and typing compile: which imports run, what is
recorded, and what happens when a library's import fails, crashes or hangs (real child interpreters)."""

from __future__ import annotations

import marshal
import subprocess
import sys
import textwrap

import pytest

from lambda_native.builder import import_probe_runner as probe
from lambda_native.builder import precompile
from lambda_native.runtime.on_demand import CODES_MODULE


def write(folder, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


def test_library_imports_are_collected_and_own_modules_followed_not_run(tmp_path):
    write(
        tmp_path,
        {
            "app.py": """
                import json, helpers
                from typing import TYPE_CHECKING
                from pkg import tools
                try:
                    import orjson
                except ImportError:
                    orjson = None
                if TYPE_CHECKING:
                    import sqlite3
                if __name__ == "__main__":
                    import argparse

                def handler(event, context):
                    import decimal
                """,
            "helpers.py": "from email import message\n",
            "pkg/__init__.py": "",
            "pkg/tools.py": "from . import inner\nimport pstats\n",
            "pkg/inner.py": "from fractions import Fraction\n",
        },
    )
    statements = precompile.library_imports(str(tmp_path), ["app"])
    assert statements == [
        "import json",
        "from typing import TYPE_CHECKING",
        "import orjson",
        "from email import message",
        "import pstats",
        "from fractions import Fraction",
    ]


def test_modules_compiled_in_on_request_are_followed_too(tmp_path):
    write(tmp_path, {"app.py": "import json\n", "other.py": "import pstats\n"})
    assert precompile.library_imports(str(tmp_path), ["app", "other"]) == ["import json", "import pstats"]


def test_packages_pip_installed_into_src_are_libraries(tmp_path):
    write(
        tmp_path,
        {
            "app.py": "import vendored, single, mine\n",
            "vendored/__init__.py": "import json\n",
            "single.py": "",
            "mine.py": "import pstats\n",
            "vendored-1.0.dist-info/RECORD": (
                "vendored/__init__.py,sha256=abc,12\nvendored-1.0.dist-info/RECORD,,\n"
            ),
            "single-2.0.dist-info/RECORD": "single.py,sha256=def,0\n",
        },
    )
    assert precompile.installed_names(str(tmp_path)) >= {"vendored", "single"}
    assert precompile.library_imports(str(tmp_path), ["app"]) == [
        "import vendored",
        "import single",
        "import pstats",
    ]


def library(tmp_path, body: str) -> tuple[str, list[str]]:
    """A task with a library folder holding `lib.py`; (the output path, the python path)."""
    site = tmp_path / "site"
    write(site, {"lib.py": body})
    out = tmp_path / "out"
    out.mkdir()
    return str(out / "codes.marshal"), [str(site)]


SHAPES = """
    import dataclasses
    import typing

    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: int = 0

    @dataclasses.dataclass(order=True)
    class Box:
        corner: Point
        tags: list = dataclasses.field(default_factory=list)

    Pair = typing.Tuple["Point", "Box | None"]
    """


def test_recording_keeps_each_generated_source_with_the_code_compile_makes(tmp_path):
    out, path = library(tmp_path, SHAPES)
    recorded = precompile.record(["import lib"], path, out)
    assert recorded.codes_path == out and recorded.reason == ""
    with open(out, "rb") as file:
        table = marshal.load(file)
    assert recorded.codes == len(table) > 4
    init = " def __init__(self,x:_type_x,y:_type_y=_dflt_y)"
    inits = [source for mode, source in table if mode == "exec" and init in source]
    assert len(inits) == 1
    assert table["exec", inits[0]] == compile(inits[0], "<string>", "exec", dont_inherit=True)
    # typing.ForwardRef compiles each string annotation as an expression.
    assert table["eval", "Box | None"] == compile("Box | None", "<string>", "eval", dont_inherit=True)
    assert ("eval", "Point") in table
    for mode, source in table:
        compile(source, "<string>", mode, dont_inherit=True)


def test_the_users_own_code_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    write(tmp_path / "src", {"app.py": f"import lib\nopen({str(marker)!r}, 'w').close()\n"})
    out, path = library(tmp_path, SHAPES)
    statements = precompile.library_imports(str(tmp_path / "src"), ["app"])
    assert precompile.record(statements, [str(tmp_path / "src"), *path], out).codes > 4
    assert not marker.exists()


def test_a_failing_import_records_what_the_others_generate_and_is_named(tmp_path):
    out, path = library(tmp_path, SHAPES)
    recorded = precompile.record(["import not_installed_anywhere", "import lib"], path, out)
    assert recorded.codes > 4
    assert recorded.failed == [
        ("import not_installed_anywhere", "ModuleNotFoundError: No module named 'not_installed_anywhere'")
    ]


def test_modules_a_library_loads_by_name_are_reported(tmp_path):
    site = tmp_path / "site"
    write(
        site,
        {
            "plugins/__init__.py": "import importlib\nPLUGIN = importlib.import_module('plugins.csv_out')\n",
            "plugins/csv_out.py": "import csv\nprint('a library printing on stdout')\n",
        },
    )
    recorded = precompile.record(["import plugins"], [str(site)], str(tmp_path / "codes.marshal"))
    assert recorded.failed == []
    assert {"plugins", "plugins.csv_out", "csv", "_csv"} <= set(recorded.loaded)
    assert "lambda_native.builder.import_probe" not in recorded.loaded


def test_an_import_that_kills_the_interpreter_means_no_table_and_a_reason(tmp_path):
    out, path = library(tmp_path, "import os\nos._exit(3)\n")
    recorded = precompile.record(["import lib"], path, out)
    assert recorded.codes_path is None and recorded.codes == 0
    assert recorded.reason == "importing the function's libraries failed: exit status 3"


def test_an_import_that_hangs_is_not_waited_for(tmp_path, monkeypatch):
    monkeypatch.setattr(probe, "TIMEOUT_SECONDS", 1)
    out, path = library(tmp_path, "import time\ntime.sleep(60)\n")
    recorded = precompile.record(["import lib"], path, out)
    assert recorded.codes_path is None
    assert recorded.reason == "importing the function's libraries took over 1 s"


def test_options_compile_in_the_generated_table(tmp_path):
    write(tmp_path / "src", {"app.py": "import lib\n"})
    _, path = library(tmp_path, SHAPES)
    folder = tmp_path / "generated"
    options, recorded = precompile.precompile_options(
        str(tmp_path / "src"), ["app"], [str(tmp_path / "src"), *path], str(folder)
    )
    assert options == ["--include-module=" + CODES_MODULE]
    # The generated module holds the same table, loadable by the interpreter that recorded it.
    probe = f"import marshal, {CODES_MODULE} as m; print(len(marshal.loads(m.CODES)))"
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, check=True
    )
    assert int(shown.stdout) == recorded.codes > 4


def test_nothing_recorded_means_no_options(tmp_path):
    write(tmp_path / "src", {"app.py": "import json\n"})
    options, recorded = precompile.precompile_options(
        str(tmp_path / "src"), ["app"], [str(tmp_path / "src")], str(tmp_path / "generated")
    )
    assert options == [] and recorded.codes == 0


@pytest.mark.parametrize("statement", ["import json", "from os import path"])
def test_recording_without_generated_code_in_sight_is_empty(tmp_path, statement):
    out, path = library(tmp_path, "")
    assert precompile.record([statement], path, out).codes == 0
