"""An x86_64 build on a host whose glibc is newer than al2023's: the host's standard-library modules
(built for the host's glibc) swapped for a target CPython's, and what the build does without one. Real
ELF files compiled by zig, a real Debian index served on 127.0.0.1; no Nuitka."""

from __future__ import annotations

import json
import lzma
import math
import os
import platform
import re
import shutil
import subprocess
import sys

import orjson
import pytest

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import (
    cpython_source,
    debian,
    glibc,
    newer_host,
    target_dist,
    target_python,
    toolchain,
)
from lambda_native.builder.target.arch import ARCHES
from lambda_native.builder.target.steps import check_glibc
from lambda_native.builder.target.toolchain import LIBPYTHON_ENV, TARGETS

from .conftest import run_build
from .test_arm64 import invoke, unpacked
from .test_cross import FakeTarget, compile_c

X86_64 = ARCHES["x86_64"]
AL2023 = TARGETS["al2023"]
pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the host's own CPU is x86_64")

CMATH = "#include <math.h>\ndouble PyInit_cmath(double a, double b) { return hypot(a, b); }\n"
SSL = "int shared(void); int PyInit__ssl(void) { return shared(); }\n"


def compile_at(source: str, output, glibc: str, *args: str) -> str:
    """`source` compiled by zig for x86_64 Linux at `glibc` into `output`."""
    return compile_c(source, output, "x86_64", *args, glibc=glibc)


def defined_symbols(path) -> set[str]:
    """The dynamic symbols `path` defines."""
    listing = subprocess.run(["nm", "-D", "--defined-only", str(path)], capture_output=True, text=True)
    return {line.split()[-1] for line in listing.stdout.splitlines() if line.strip()}


def test_the_hosts_stdlib_modules_and_the_libraries_only_they_needed_give_way_to_the_target_cpythons(
    tmp_path,
):
    dist = tmp_path / "dist"
    (dist / "pkg").mkdir(parents=True)
    compile_at("int main(void) { return 0; }", dist / "bootstrap", "2.34")
    # The host's: cmath built for glibc 2.35 with a library only it needs, _ssl with the host's OpenSSL.
    compile_at("int hostm(void) { return 1; }", dist / "libhostm.so.1", "2.34", "-shared")
    host_cmath = "int hostm(void);\n" + CMATH.replace("hypot(a, b)", "hypot(a, b) + hostm()")
    compile_at(host_cmath, dist / "cmath.so", "2.35", "-shared", "-lm", f"-L{dist}", "-l:libhostm.so.1")
    compile_at("int shared(void) { return 1; }", dist / "libshared.so.3", "2.34", "-shared")
    compile_at(SSL, dist / "_ssl.so", "2.34", "-shared", f"-L{dist}", "-l:libshared.so.3")
    # A package's module (from a wheel chosen for the target) and its library stay as they are.
    compile_at("int other(void) { return 3; }", dist / "libother.so.1", "2.34", "-shared")
    compile_at("int other(void); int PyInit_mod(void) { return other(); }", dist / "pkg" / "mod.so", "2.34",
               "-shared", f"-L{dist}", "-l:libother.so.1")  # fmt: skip
    package_module = (dist / "pkg" / "mod.so").read_bytes()
    # One needing a library Nuitka left out as the OS's (as it does libgcc_s.so.1) is no concern here.
    elsewhere = tmp_path / "os-lib"
    elsewhere.mkdir()
    compile_at("int os_lib(void) { return 4; }", elsewhere / "libos.so.1", "2.34", "-shared")
    compile_at("int os_lib(void); int PyInit_uses_os(void) { return os_lib(); }", dist / "pkg" / "uses_os.so",
               "2.34", "-shared", f"-L{elsewhere}", "-l:libos.so.1")  # fmt: skip

    python = FakeTarget(tmp_path / "target")
    compile_at("int shared(void) { return 2; } int target_shared(void) { return 2; }",
               os.path.join(python.lib, "libshared.so.3"), "2.34", "-shared")  # fmt: skip
    compile_at(CMATH, os.path.join(python.lib_dynload, "cmath.cpython-311-x86_64-linux-gnu.so"), "2.34",
               "-shared", "-lm")  # fmt: skip
    compile_at(SSL, os.path.join(python.lib_dynload, "_ssl.cpython-311-x86_64-linux-gnu.so"), "2.34",
               "-shared", f"-L{python.lib}", "-l:libshared.so.3")  # fmt: skip

    with pytest.raises(BuildError) as caught:
        check_glibc(str(dist), AL2023, "ADVICE")
    assert "cmath.so: hypot@GLIBC_2.35" in str(caught.value)
    assert str(caught.value).endswith("\nADVICE")

    done = target_dist.retarget(str(dist), X86_64, python, [], str(tmp_path / "wheels"))
    assert sorted(done.stdlib_modules) == ["_ssl", "cmath"]
    assert done.libraries == ["libshared.so.3"]
    assert done.dropped == ["libhostm.so.1"]
    assert sorted(os.listdir(dist)) == ["_ssl.so", "bootstrap", "cmath.so", "libother.so.1", "libshared.so.3",
                                        "pkg"]  # fmt: skip
    assert "target_shared" in defined_symbols(dist / "libshared.so.3")
    assert (dist / "pkg" / "mod.so").read_bytes() == package_module
    assert check_glibc(str(dist), AL2023) <= (2, 34)


def write_index(www, packages: tuple[str, ...]) -> None:
    """A Debian amd64 Packages.xz under `www` listing `packages` (version 1)."""
    index = www / "dists" / debian.RELEASE / "main" / "binary-amd64"
    index.mkdir(parents=True)
    stanzas = [f"Package: {name}\nVersion: 1\nFilename: pool/{name}.deb\nSHA256: 0\n" for name in packages]
    (index / "Packages.xz").write_bytes(lzma.compress("\n".join(stanzas).encode()))


@pytest.fixture
def isolated_cache(tmp_path, served, monkeypatch):
    """A cache of its own, Debian's archive on 127.0.0.1, no source of this Python anywhere."""
    www, base = served
    write_index(www, target_python.DEB_PACKAGES)
    monkeypatch.setattr(debian, "MIRROR", base)
    monkeypatch.setenv(target_python.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.delenv(cpython_source.SOURCE_ENV, raising=False)
    monkeypatch.setattr(cpython_source, "candidate_urls", lambda version: [f"{base}/Python-{version}.tgz"])
    return tmp_path / "cache"


def zig_tools() -> toolchain.Toolchain:
    if toolchain.find_zig() is None:
        pytest.skip("the ziglang wheel is not installed")
    return toolchain.zig_toolchain(AL2023)


def test_without_this_pythons_source_the_build_keeps_the_hosts_files_and_says_how_to_fix_it(
    isolated_cache, tmp_path, capsys
):
    tools = zig_tools()
    chosen, python, advice = newer_host.prepare(AL2023, X86_64, tools, str(tmp_path / "w"), sys.stdout, False)
    assert chosen is tools and python is None
    version = platform.python_version()
    assert f"this host's CPython {version}'s ({sys.base_prefix})" in advice
    assert f"Python-{version}.tgz failed: HTTP 404" in advice
    assert f"Put Python-{version}.tar.xz (from python.org) in {isolated_cache / 'sources'}" in advice
    assert cpython_source.SOURCE_ENV in advice and "Debian's own python3" in advice
    assert "its source is out of reach" in capsys.readouterr().out
    assert target_python.describe(None, "2.34", X86_64).startswith(f"this host's CPython {version} (")


def test_a_cached_target_cpython_is_compiled_against_and_named(isolated_cache, tmp_path):
    tools = zig_tools()
    archive = debian.Archive("amd64", str(isolated_cache / "debian"))
    root = target_python.target_root(X86_64, archive, str(isolated_cache))
    os.makedirs(root)
    manifest = {
        "version": platform.python_version(),
        "include": "include/python3",
        "libpython": "lib/libpy.a",
        "lib_dynload": "lib-dynload",
        "ldflags": ["{lib}/libmpdec.a"],
    }
    with open(os.path.join(root, target_python.MANIFEST), "w") as f:
        json.dump(manifest, f)
    chosen, python, advice = newer_host.prepare(AL2023, X86_64, tools, str(tmp_path / "w"), sys.stdout, True)
    assert advice is None and python.root == root
    assert chosen.env[LIBPYTHON_ENV] == os.path.join(root, "lib", "libpy.a")
    assert f"-I{root}/include/python3" in chosen.env["CFLAGS"]
    assert chosen.env["LDFLAGS"].endswith(f"{root}/lib/libmpdec.a")
    assert "--target-arch" not in " ".join(chosen.nuitka_options)
    described = target_python.describe(python, "2.34", X86_64)
    assert described == f"CPython {platform.python_version()} built for x86_64-linux-gnu.2.34 ({root})"


# Whole builds (native): a function reaching cmath and numpy, with and without a target CPython.

CMATH_NUMPY_APP = """
import cmath

import numpy as np


def handler(event, context):
    root = cmath.sqrt(complex(event["re"], event["im"]))
    values = np.array(event["values"], dtype=np.float64)
    return {"sqrt": [root.real, root.imag], "mean": float(values.mean()), "phase": cmath.phase(-1)}
"""


@pytest.mark.native
def test_a_cmath_and_numpy_function_ships_nothing_built_for_the_hosts_glibc_and_answers(
    debian_python, tmp_path_factory
):
    src = tmp_path_factory.mktemp("cmath-numpy-src")
    (src / "app.py").write_text(CMATH_NUMPY_APP)
    (src / "requirements.txt").write_text("numpy\n")
    out = tmp_path_factory.mktemp("cmath-numpy")
    result = run_build("--src", str(src), "--requirements", str(src / "requirements.txt"), "--out", str(out),
                       "--work-dir", str(out / "work"), python=debian_python)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"stdlib from   CPython 3\.\d+\.\d+ built for x86_64-linux-gnu\.2\.34 \(", result.stdout)
    root = unpacked(str(out / "function.zip"), tmp_path_factory.mktemp("cmath-numpy-root"))
    needs = glibc.scan_tree(root)
    assert any("numpy" in need.path for need in needs)
    assert glibc.too_new(needs, AL2023.glibc) == []
    answer = invoke(str(out / "function.zip"), {"re": -4, "im": 0, "values": [1, 2, 3, 6]})
    assert answer.returncode == 0, answer.stderr.decode()
    assert orjson.loads(answer.stdout) == {"sqrt": [0.0, 2.0], "mean": 3.0, "phase": math.pi}


CMATH_APP = "import cmath\n\n\ndef handler(event, context):\n    return {'abs': abs(cmath.sqrt(-4))}\n"


@pytest.mark.native
def test_without_this_pythons_source_a_cmath_function_fails_the_glibc_check_saying_what_to_do(tmp_path):
    import cmath

    need = glibc.glibc_need(cmath.__file__) if hasattr(cmath, "__file__") else None
    if need is None or need.version <= AL2023.glibc:
        pytest.skip("this Python's cmath is not an extension module built for a newer glibc than al2023's")
    cache = tmp_path / "cache"
    version = platform.python_version()
    # pyenv's own download cache is looked in first (PYENV_ROOT stays: Nuitka reads it to link pyenv's
    # static libpython).
    if any(os.path.isfile(path) for path in cpython_source.local_tarballs(version, str(cache / "sources"))):
        pytest.skip(f"pyenv's cache holds CPython {version}'s source")
    index = os.path.join(target_python.cache_dir(), "debian", f"Packages-{debian.RELEASE}-amd64.xz")
    if os.path.isfile(index):  # spare a download of Debian's index
        os.makedirs(cache / "debian")
        shutil.copyfile(index, cache / "debian" / os.path.basename(index))
    # As after a search that found the source nowhere: no download is tried.
    marker = cpython_source.unreachable_marker(version, str(cache / "sources"))
    os.makedirs(os.path.dirname(marker))
    with open(marker, "w") as f:
        f.write("downloading https://example.invalid/Python.tgz failed: HTTP 404")
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text(CMATH_APP)
    env = {k: v for k, v in os.environ.items() if k != cpython_source.SOURCE_ENV}
    env[target_python.CACHE_ENV] = str(cache)
    result = run_build("--src", str(src), "--out", str(tmp_path / "out"), "--work-dir", str(tmp_path / "w"),
                       env=env)  # fmt: skip
    assert result.returncode != 0
    assert "its source is out of reach" in result.stdout
    assert re.search(r"\n  cmath\.so: \w+@GLIBC_2\.(3[5-9]|[4-9]\d)\n", result.stderr), result.stderr
    assert f"this host's CPython {version}'s ({sys.base_prefix})" in result.stderr
    assert f"Put Python-{version}.tar.xz (from python.org) in {cache / 'sources'}" in result.stderr
    assert cpython_source.SOURCE_ENV in result.stderr and "Debian's own python3" in result.stderr
    assert not os.path.exists(tmp_path / "out" / "function.zip")
