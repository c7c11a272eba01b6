"""The glibc floor scan on real ELF files built here with the host compiler."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import glibc
from lambda_native.builder.target.steps import check_glibc
from lambda_native.builder.target.toolchain import TARGETS, find_c_compiler

# arc4random arrived in glibc 2.36: a program calling it cannot start on al2023 (2.34).
TOO_NEW = "#include <stdlib.h>\nint main(void) { return (int)(arc4random() & 1); }\n"
PLAIN = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n'

needs_new_glibc = pytest.mark.skipif(
    (glibc.host_glibc() or (0,)) < (2, 36), reason="the host glibc has no arc4random (needs 2.36)"
)


def compile_c(folder, name: str, source: str) -> str:
    path = os.path.join(folder, name)
    with open(path + ".c", "w") as f:
        f.write(source)
    subprocess.run([find_c_compiler(), "-O2", "-o", path, path + ".c"], check=True)
    os.remove(path + ".c")
    return path


@needs_new_glibc
def test_names_the_symbol_that_needs_the_newest_glibc(tmp_path):
    need = glibc.glibc_need(compile_c(tmp_path, "new", TOO_NEW))
    assert need.version == (2, 36)
    assert need.symbol == "arc4random"
    assert need.describe() == "arc4random@GLIBC_2.36"


def test_a_plain_program_fits_al2023(tmp_path):
    need = glibc.glibc_need(compile_c(tmp_path, "plain", PLAIN))
    assert need is not None
    assert need.version <= (2, 34)


@needs_new_glibc
def test_tree_scan_fails_naming_file_and_symbol(tmp_path):
    compile_c(tmp_path, "plain", PLAIN)
    os.makedirs(tmp_path / "lib")
    compile_c(tmp_path / "lib", "new", TOO_NEW)
    (tmp_path / "data.txt").write_text("not an ELF file")
    needs = glibc.scan_tree(str(tmp_path))
    assert [os.path.basename(n.path) for n in needs] == ["new", "plain"]
    assert glibc.floor_of(needs) == (2, 36)
    with pytest.raises(BuildError) as error:
        check_glibc(str(tmp_path), TARGETS["al2023"])
    message = str(error.value)
    assert "lib/new: arc4random@GLIBC_2.36" in message
    assert "plain" not in message
    assert "provided.al2023" in message


def test_tree_within_the_target_gives_its_floor(tmp_path):
    compile_c(tmp_path, "plain", PLAIN)
    assert check_glibc(str(tmp_path), TARGETS["al2023"]) <= (2, 34)


def test_a_shared_library_is_scanned(tmp_path):
    # libc itself needs ld.so's GLIBC_2.x versions: shared objects are read like executables.
    libc = shutil.which("ldd") and "/lib/x86_64-linux-gnu/libc.so.6"
    if not libc or not os.path.exists(libc):
        pytest.skip("no Debian-layout libc.so.6 here")
    shutil.copy(libc, tmp_path / "libc.so.6")
    [need] = glibc.scan_tree(str(tmp_path))
    assert need.version >= (2, 2)


def test_version_parsing():
    assert glibc.parse_version("2.34") == (2, 34)
    assert glibc.format_version((2, 26)) == "2.26"
    with pytest.raises(ValueError):
        glibc.parse_version("2.x")
