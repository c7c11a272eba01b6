"""The import-cost breakdown measures a real task folder in child interpreters."""

from __future__ import annotations

import compileall

import pytest

from benchmarks import breakdown


def test_breakdown_counts_the_handlers_modules_and_splits_the_total(tmp_path):
    pkg = tmp_path / "shapes"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import circle\n", encoding="utf-8")
    # A body that takes measurable time to execute, but nothing to find or read.
    (pkg / "circle.py").write_text("AREA = sum(i * i for i in range(200_000))\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("import shapes\n\ndef handler(event, context):\n    return 1\n")
    compileall.compile_dir(str(tmp_path), quiet=1)
    sample = breakdown.measure(str(tmp_path))
    # app, shapes, shapes.circle (and nothing the harness itself imported).
    assert sample["python_modules"] == 3
    assert 0 < sample["find_and_read"] < sample["total"]


def test_source_generated_and_compiled_on_import_is_counted_apart(tmp_path):
    (tmp_path / "app.py").write_text(
        "import dataclasses, typing\n\n@dataclasses.dataclass\nclass Point:\n    x: int\n\n"
        "Points = typing.List['Point']\n",
        encoding="utf-8",
    )
    sample = breakdown.measure(str(tmp_path))
    # Point's __init__, __repr__ and __eq__, and the string annotation 'Point'.
    assert sample["sources"] == 4
    assert 0 < sample["generated"] < sample["total"]


def test_main_prints_every_part(tmp_path, capsys):
    (tmp_path / "app.py").write_text("import wave\n", encoding="utf-8")
    assert breakdown.main([str(tmp_path), "--runs", "1"]) == 0
    out = capsys.readouterr().out
    parts = ("total", "finding + reading .pyc", "compiling generated source", "shared libraries", "executing")
    for part in parts:
        assert part in out


def test_a_workload_by_name_is_prepared_and_its_memory_shown_by_mapping(capsys):
    assert breakdown.main(["hello", "--runs", "1", "--memory", "interpreted,awslambdaric"]) == 0
    out = capsys.readouterr().out
    assert "executing module bodies" in out
    assert "| resident after the first response, MB | interpreted | awslambdaric |" in out
    assert "| anonymous + heap |" in out


def test_a_name_that_is_neither_a_folder_nor_a_workload_is_refused(capsys):
    with pytest.raises(SystemExit):
        breakdown.main(["no-such-workload"])
    assert "'no-such-workload' is neither a folder nor a workload (hello, json" in capsys.readouterr().err
