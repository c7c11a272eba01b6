"""Finding an installed file in the first folder of a Python path that holds it."""

from __future__ import annotations

from lambda_native.builder.search_path import first_on_path


def test_the_first_folder_holding_the_file_wins_and_a_folder_is_not_a_file(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "pkg" / "mod.py").mkdir(parents=True)  # a folder named like the file
    (second / "pkg").mkdir(parents=True)
    (second / "pkg" / "mod.py").write_text("")
    (tmp_path / "third" / "pkg").mkdir(parents=True)
    (tmp_path / "third" / "pkg" / "mod.py").write_text("")
    path = [str(first), str(second), str(tmp_path / "third")]
    assert first_on_path("pkg/mod.py", path) == str(second / "pkg" / "mod.py")
    assert first_on_path("pkg/mod.py", path, folder=True) == str(first / "pkg" / "mod.py")
    assert first_on_path("pkg", path, folder=True) == str(first / "pkg")
    assert first_on_path("pkg/other.py", path) is None
    assert first_on_path("pkg/mod.py", []) is None
