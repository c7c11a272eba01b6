"""The artifact cache under benchmarks/.work: keyed on inputs, reused, never left half-made."""

from pathlib import Path

import pytest

from benchmarks import artifacts
from benchmarks.artifacts import cached_dir, inputs_key, zip_sizes, zip_tree
from lambda_native.emulator.task_root import extract_zip


def test_the_key_follows_file_contents_and_names(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("x = 1\n")
    first = inputs_key("native", src, "3.11.7")
    assert inputs_key("native", src, "3.11.7") == first
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"ignored")
    assert inputs_key("native", src, "3.11.7") == first
    (src / "app.py").write_text("x = 2\n")
    assert inputs_key("native", src, "3.11.7") != first
    assert inputs_key("native", src, "3.12.0") != inputs_key("native", src, "3.11.7")
    (src / "app.py").rename(src / "main.py")
    assert inputs_key("native", src, "3.11.7") != first


def test_a_cached_folder_is_made_once_and_replaces_older_ones(tmp_path):
    made = []

    def make(folder):
        made.append(folder)
        (folder / "out").write_text("built")

    old = cached_dir("kind", "aaaa", make, tmp_path)
    new = cached_dir("kind", "bbbb", make, tmp_path)
    again = cached_dir("kind", "bbbb", make, tmp_path)
    assert new == again == tmp_path / "kind" / "bbbb"
    assert (new / "out").read_text() == "built"
    assert len(made) == 2
    assert not old.exists()


def test_a_failed_make_leaves_nothing_behind(tmp_path):
    def make(folder):
        (folder / "half").write_text("...")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="compiler crashed"):
        cached_dir("kind", "cccc", make, tmp_path)
    assert list((tmp_path / "kind").iterdir()) == []


def test_zips_keep_execute_bits_and_report_sizes(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "bootstrap").write_bytes(b"#!/bin/sh\nexit 0\n")
    (root / "bootstrap").chmod(0o755)
    (root / "data.txt").write_bytes(b"a" * 10_000)
    zip_tree(root, tmp_path / "f.zip")
    zipped, unzipped = zip_sizes(tmp_path / "f.zip")
    assert unzipped == 10_000 + 17
    assert 0 < zipped < unzipped
    extract_zip(tmp_path / "f.zip", tmp_path / "task")
    assert (tmp_path / "task" / "bootstrap").stat().st_mode & 0o111
    assert (tmp_path / "task" / "data.txt").read_bytes() == b"a" * 10_000


def test_a_concurrent_run_that_made_the_artifact_first_wins(tmp_path):
    def make(folder):
        (folder / "out").write_text("mine")
        cached_dir("kind", "dddd", lambda other: (other / "out").write_text("theirs"), tmp_path)

    result = cached_dir("kind", "dddd", make, tmp_path)
    assert (result / "out").read_text() == "theirs"
    assert [p.name for p in (tmp_path / "kind").iterdir()] == ["dddd"]


def test_each_functions_requirements_keep_their_own_install(tmp_path, monkeypatch):
    """Workloads install different requirements; installing one must not remove another's."""
    made = []

    def fake_pip(argv, what, cwd=None, env=None):
        target = Path(argv[argv.index("--target") + 1])
        target.mkdir(parents=True, exist_ok=True)
        made.append(target)

    monkeypatch.setattr(artifacts, "run_tool", fake_pip)
    folders = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        requirements = tmp_path / name / "requirements.txt"
        requirements.write_text(f"{name}==1.0\n")
        folders.append(artifacts.install_requirements(requirements, tmp_path / "work"))
    assert all(folder.is_dir() for folder in folders)
    again = artifacts.install_requirements(tmp_path / "first" / "requirements.txt", tmp_path / "work")
    assert again == folders[0] and len(made) == 2  # reused, not installed again
