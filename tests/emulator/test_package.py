"""Zip, folder and command handling: safe extraction and clear refusals."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from lambda_native.emulator import Function, PackageError
from lambda_native.emulator.task_root import drop_from_page_cache, extract_zip, open_package

from .conftest import SH_RUNTIME


def make_zip(path, entries):
    """entries: (name, data, unix mode or None)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.create_system = 3
                info.external_attr = mode << 16
            else:
                info.create_system = 0
            zf.writestr(info, data)
    return path


def bootstrap_bytes() -> bytes:
    return (SH_RUNTIME / "bootstrap").read_bytes()


def test_a_zip_runs_from_a_private_folder_removed_afterwards(tmp_path):
    zip_path = make_zip(
        tmp_path / "function.zip",
        [
            ("bootstrap", bootstrap_bytes(), stat.S_IFREG | 0o755),
            ("lib/", b"", stat.S_IFDIR | 0o755),
            ("lib/data.txt", b"data", stat.S_IFREG | 0o644),
        ],
    )
    with Function(zip_path) as fn:
        root = fn.task_root
        assert os.stat(os.path.join(root, "bootstrap")).st_mode & 0o777 == 0o755
        assert Path(root, "lib", "data.txt").read_text() == "data"
        assert fn.invoke(b'{"z": 1}').payload == b'{"z": 1}'
    assert not os.path.exists(root)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil", "would be written outside the task root"),
        ("lib/../../evil", "would be written outside the task root"),
        ("/etc/evil", "absolute or non-portable path"),
        ("C:/evil", "absolute or non-portable path"),
        ("lib\\..\\..\\evil", "absolute or non-portable path"),
    ],
)
def test_zip_slip_is_refused(tmp_path, name, message):
    zip_path = make_zip(
        tmp_path / "function.zip",
        [("bootstrap", b"#!/bin/sh\n", stat.S_IFREG | 0o755), (name, b"x", stat.S_IFREG | 0o644)],
    )
    with pytest.raises(PackageError, match=message):
        Function(zip_path)
    assert not (tmp_path / "evil").exists()


def test_symlink_in_zip_is_refused(tmp_path):
    zip_path = make_zip(
        tmp_path / "function.zip",
        [
            ("bootstrap", b"#!/bin/sh\n", stat.S_IFREG | 0o755),
            ("passwd", b"/etc/passwd", stat.S_IFLNK | 0o777),
        ],
    )
    with pytest.raises(PackageError, match="'passwd' is a symbolic link"):
        Function(zip_path)


def test_zip_without_bootstrap(tmp_path):
    zip_path = make_zip(
        tmp_path / "function.zip",
        [("app.py", b"", stat.S_IFREG | 0o644), ("lib/x.so", b"", stat.S_IFREG | 0o644)],
    )
    with pytest.raises(PackageError) as excinfo:
        Function(zip_path)
    assert str(excinfo.value) == "function.zip has no 'bootstrap' at its root (found: app.py, lib/)"


def test_bootstrap_in_a_subfolder_is_not_at_the_root(tmp_path):
    zip_path = make_zip(tmp_path / "function.zip", [("dist/bootstrap", b"#!/bin/sh\n", stat.S_IFREG | 0o755)])
    with pytest.raises(PackageError, match=r"no 'bootstrap' at its root \(found: dist/\)"):
        Function(zip_path)


@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        (stat.S_IFREG | 0o644, "mode 0644"),
        (0o600, "mode 0600"),  # what zipfile.writestr records for a name
        (None, "no unix permissions recorded"),  # Windows' zip
    ],
)
def test_non_executable_bootstrap_in_zip(tmp_path, mode, shown):
    zip_path = make_zip(tmp_path / "function.zip", [("bootstrap", b"#!/bin/sh\n", mode)])
    with pytest.raises(PackageError) as excinfo:
        Function(zip_path)
    message = str(excinfo.value)
    assert f"'bootstrap' in function.zip is not executable ({shown})" in message
    assert "fork/exec /var/task/bootstrap: permission denied" in message
    assert "chmod 755 bootstrap" in message and "0o100755 << 16" in message


def test_entries_without_unix_modes_are_regular_files_as_lambda_unpacks_them(tmp_path):
    """Windows' zip records no modes; `zipfile.writestr` and `external_attr = 0o755 << 16` record
    permissions without a file type. Lambda unpacks all of them as regular files."""
    zip_path = tmp_path / "function.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        bootstrap = zipfile.ZipInfo("bootstrap")
        bootstrap.external_attr = 0o755 << 16
        zf.writestr(bootstrap, bootstrap_bytes())
        zf.writestr("app.py", "HANDLER = 1\n")  # mode 0600, no type
        windows = zipfile.ZipInfo("lib/data.txt")
        windows.create_system = 0
        zf.writestr(windows, "data")
    with Function(zip_path) as fn:
        root = Path(fn.task_root)
        assert os.stat(root / "bootstrap").st_mode & 0o777 == 0o755
        assert os.stat(root / "app.py").st_mode & 0o777 == 0o600
        assert os.stat(root / "lib" / "data.txt").st_mode & 0o777 == 0o644
        assert (root / "lib" / "data.txt").read_text() == "data"
        assert fn.invoke(b'{"z": 1}').payload == b'{"z": 1}'


def test_a_special_file_in_a_zip_is_still_refused(tmp_path):
    zip_path = make_zip(
        tmp_path / "function.zip",
        [("bootstrap", b"#!/bin/sh\n", stat.S_IFREG | 0o755), ("pipe", b"", stat.S_IFIFO | 0o644)],
    )
    with pytest.raises(PackageError, match="entry 'pipe' is not a regular file or folder; refusing it"):
        Function(zip_path)


def test_not_a_zip(tmp_path):
    path = tmp_path / "function.zip"
    path.write_text("not a zip")
    with pytest.raises(PackageError, match=r"function\.zip is not a zip file"):
        Function(path)


def test_missing_path(tmp_path):
    with pytest.raises(PackageError, match="no such file or folder"):
        Function(tmp_path / "nothing.zip")


def test_folder_without_bootstrap(tmp_path):
    (tmp_path / "app.py").write_text("")
    with pytest.raises(PackageError, match=r"has no 'bootstrap' \(found: app.py\)"):
        Function(tmp_path)


def test_folder_with_non_executable_bootstrap(tmp_path):
    (tmp_path / "bootstrap").write_text("#!/bin/sh\n")
    (tmp_path / "bootstrap").chmod(0o644)
    with pytest.raises(PackageError, match="is not executable"):
        Function(tmp_path)


def test_a_command_needs_no_bootstrap_and_runs_in_its_task_root(tmp_path):
    package = open_package(tmp_path, ["sh", "-c", "true"])
    assert package.task_root == str(tmp_path) and package.argv[0].endswith("/sh")
    assert package.inherit_path


def test_a_zip_with_a_command_needs_no_bootstrap(tmp_path):
    zip_path = make_zip(tmp_path / "code.zip", [("app.py", b"x = 1", stat.S_IFREG | 0o644)])
    package = open_package(zip_path, ["sh"])
    try:
        assert Path(package.task_root, "app.py").read_text() == "x = 1"
    finally:
        package.cleanup()
    assert not os.path.exists(package.task_root)


def test_unknown_command(tmp_path):
    with pytest.raises(PackageError, match="command not found or not executable: no-such-program-here"):
        open_package(tmp_path, ["no-such-program-here"])


def _pages_in_page_cache(path: Path) -> int:
    """How many of the file's pages the page cache holds (`mincore` on a mapping that reads none of them)."""
    import ctypes
    import mmap

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p)
    size = path.stat().st_size
    vector = ctypes.create_string_buffer((size + mmap.PAGESIZE - 1) // mmap.PAGESIZE)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        first = ctypes.c_char.from_buffer(mapped)
        status = libc.mincore(ctypes.addressof(first), size, vector)
        del first  # the mapping cannot close while ctypes holds it
    if status != 0:
        raise OSError(ctypes.get_errno(), "mincore")
    return sum(byte & 1 for byte in vector.raw)


def _skip_where_nothing_can_be_dropped(folder: Path) -> None:
    probe = folder / "probe.bin"
    with open(probe, "wb") as f:
        f.write(os.urandom(1 << 16))
        f.flush()
        os.fdatasync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if _pages_in_page_cache(probe) != 0:
        pytest.skip("this file system keeps files in memory (tmpfs): nothing to drop")
    probe.unlink()


def test_an_unzipped_function_is_read_from_disk_as_in_a_lambda_sandbox(tmp_path):
    _skip_where_nothing_can_be_dropped(tmp_path)
    data = os.urandom(1 << 20)
    zip_path = make_zip(tmp_path / "function.zip", [("bootstrap", data, stat.S_IFREG | 0o755)])
    extract_zip(zip_path, tmp_path / "task")
    assert _pages_in_page_cache(tmp_path / "task" / "bootstrap") == 0
    assert (tmp_path / "task" / "bootstrap").read_bytes() == data
    assert _pages_in_page_cache(tmp_path / "task" / "bootstrap") > 0  # read: cached again


def test_dropping_a_folder_from_the_page_cache_keeps_every_file_as_it_was(tmp_path):
    _skip_where_nothing_can_be_dropped(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.so").write_bytes(bytes(range(256)) * 4096)
    (tmp_path / "bootstrap").write_bytes(b"\x7fELF" + b"\x00" * 100)
    (tmp_path / "link").symlink_to(tmp_path / "bootstrap")
    assert _pages_in_page_cache(tmp_path / "pkg" / "mod.so") > 0
    drop_from_page_cache(tmp_path)
    assert _pages_in_page_cache(tmp_path / "pkg" / "mod.so") == 0
    assert (tmp_path / "pkg" / "mod.so").read_bytes() == bytes(range(256)) * 4096
    assert (tmp_path / "link").read_bytes()[:4] == b"\x7fELF"
