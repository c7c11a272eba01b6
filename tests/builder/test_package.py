"""The zip: layout, modes, fixed timestamps, and the same bytes from the same files."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile

import pytest

from lambda_native.builder import archive as package
from lambda_native.builder import datafiles
from lambda_native.builder.build_error import BuildError


def make_dist(root, elf_source: str) -> None:
    """A folder shaped like Nuitka's output: bootstrap, a shared library, a package folder, a data file."""
    os.makedirs(root / "certifi")
    shutil.copy(elf_source, root / "bootstrap")
    shutil.copy(elf_source, root / "libfoo.so.1")
    os.chmod(root / "libfoo.so.1", 0o600)  # an ELF file whatever its bits: shipped 0755
    (root / "certifi" / "cacert.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (root / "greeting.txt").write_text("Hello\n")
    os.chmod(root / "greeting.txt", 0o666)


def test_layout_and_modes(tmp_path, c_floor):
    dist = tmp_path / "dist"
    make_dist(dist, c_floor)
    zip_path = tmp_path / "function.zip"
    assert package.write_zip(str(dist), str(zip_path)) == 4
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == ["bootstrap", "certifi/cacert.pem", "greeting.txt", "libfoo.so.1"]
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in infos}
        assert modes == {
            "bootstrap": 0o755,
            "certifi/cacert.pem": 0o644,
            "greeting.txt": 0o644,
            "libfoo.so.1": 0o755,
        }
        assert all(stat.S_ISREG(info.external_attr >> 16) for info in infos)
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("greeting.txt") == b"Hello\n"
        assert archive.testzip() is None
    walked = sum(os.path.getsize(os.path.join(d, name)) for d, _, files in os.walk(dist) for name in files)
    assert sum(info.file_size for info in infos) == walked == package.unzipped_tree_size(str(dist))


def test_unzip_restores_an_executable_bootstrap(tmp_path, c_floor):
    dist = tmp_path / "dist"
    make_dist(dist, c_floor)
    package.write_zip(str(dist), str(tmp_path / "function.zip"))
    out = tmp_path / "unpacked"
    with zipfile.ZipFile(tmp_path / "function.zip") as archive:
        for info in archive.infolist():
            archive.extract(info, out)
            os.chmod(out / info.filename, info.external_attr >> 16 & 0o777)
    assert os.access(out / "bootstrap", os.X_OK)


def test_same_files_same_bytes(tmp_path, c_floor):
    first, second = tmp_path / "a", tmp_path / "b"
    make_dist(first, c_floor)
    old_umask = os.umask(0o077)
    try:
        make_dist(second, c_floor)
    finally:
        os.umask(old_umask)
    for path in (second / "greeting.txt", second / "bootstrap"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    package.write_zip(str(first), str(tmp_path / "a.zip"))
    package.write_zip(str(second), str(tmp_path / "b.zip"))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    (second / "greeting.txt").write_text("Hi\n")
    package.write_zip(str(second), str(tmp_path / "b.zip"))
    assert (tmp_path / "a.zip").read_bytes() != (tmp_path / "b.zip").read_bytes()


def test_data_files_leave_out_sources_build_files_and_outputs(tmp_path):
    src = tmp_path / "fn"
    for name in (
        "app.py",
        "greeting.txt",
        "templates/page.html",
        "pkg/__init__.py",
        "pkg/model.bin",
        "__pycache__/app.cpython-311.pyc",
        ".env",
        ".git/config",
        "template.yaml",
        "Makefile",
        "requirements.txt",
        "dist/function.zip",
        "event.json",
    ):
        os.makedirs(os.path.dirname(src / name), exist_ok=True)
        (src / name).write_text("x")
    names = datafiles.data_files(str(src), (str(src / "dist"),))
    assert names == ["event.json", "greeting.txt", "pkg/model.bin", "templates/page.html"]


def test_own_sources_are_the_functions_py_files_not_those_pip_installed(tmp_path):
    src = tmp_path / "fn"
    for name in ("app.py", "lib/inner/mod.py", "lib/data.json", "vendored/__init__.py", "single.py"):
        os.makedirs(os.path.dirname(src / name), exist_ok=True)
        (src / name).write_text("x")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "app.cpython-311.pyc").write_text("x")
    names = datafiles.own_sources(str(src), (), frozenset({"vendored", "single"}))
    assert names == ["app.py", os.path.join("lib", "inner", "mod.py")]


def test_a_package_over_lambdas_limit_is_refused_naming_what_is_biggest(tmp_path):
    root = tmp_path / "dist"
    os.makedirs(root / "botocore" / "data")
    (root / "bootstrap").write_bytes(b"\0" * 3_000_000)
    for index in range(3):
        (root / "botocore" / "data" / f"service-{index}.json").write_bytes(b"{}" * 500_000)
    (root / "small.txt").write_text("x")
    size = package.unzipped_tree_size(str(root))
    assert size == 6_000_001
    package.check_size(str(root), size, 6_000_001, "unzipped")
    with pytest.raises(BuildError) as error:
        package.check_size(str(root), size, 5_000_000, "unzipped")
    assert str(error.value) == (
        "the function is 6.0 MB unzipped, over Lambda's limit of 5.0 MB, so it cannot be deployed. Biggest:\n"
        "       3.0 MB  bootstrap\n"
        "       3.0 MB  botocore/ (3 files)\n"
        "       0.0 MB  small.txt"
    )


def test_the_zip_records_the_handler_it_was_built_with(tmp_path, c_floor):
    dist = tmp_path / "dist"
    make_dist(dist, c_floor)
    package.write_zip(str(dist), str(tmp_path / "with.zip"), "lib/inner/app.handler")
    package.write_zip(str(dist), str(tmp_path / "without.zip"))
    with zipfile.ZipFile(tmp_path / "with.zip") as archive:
        assert package.recorded_handler(archive) == "lib/inner/app.handler"
    with zipfile.ZipFile(tmp_path / "without.zip") as archive:
        assert package.recorded_handler(archive) is None
