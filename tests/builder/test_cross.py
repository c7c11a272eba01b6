"""The pieces of an arm64 build that need no Nuitka: --arch checks, CPython's source, Debian's packages,
and turning a standalone folder's host files into aarch64 ones."""

from __future__ import annotations

import hashlib
import io
import lzma
import os
import platform
import subprocess
import tarfile

import pytest

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target import cpython_source, debian, target_dist
from lambda_native.builder.target.arch import ARCHES
from lambda_native.builder.target.toolchain import find_zig

from .conftest import run_build

ARM64 = ARCHES["arm64"]


def test_an_unknown_arch_is_refused_before_anything_is_built(tmp_path):
    result = run_build("--arch", "sparc", "--out", str(tmp_path), "--work-dir", str(tmp_path / "w"))
    assert result.returncode == 2
    assert "--arch 'sparc' is unknown: choose one of x86_64, arm64" in result.stderr
    assert not (tmp_path / "w").exists()


def test_arm64_builds_only_for_al2023(tmp_path):
    result = run_build("--arch", "arm64", "--target", "al2", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--arch arm64 builds for al2023 only" in result.stderr


# CPython's source


def source_tarball(path, version: str) -> None:
    """A tarball laid out like CPython's release tarball, holding only Include/patchlevel.h."""
    text = f'#define PY_VERSION "{version}"\n'.encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"Python-{version}/Include/patchlevel.h")
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))


def test_the_source_given_must_be_this_pythons_exact_version(tmp_path, monkeypatch):
    tarball = tmp_path / "Python-3.0.1.tgz"
    source_tarball(tarball, "3.0.1")
    monkeypatch.setenv(cpython_source.SOURCE_ENV, str(tarball))
    with pytest.raises(
        BuildError, match=rf"holds CPython 3.0.1, but this build runs on Python {platform.python_version()}"
    ):
        cpython_source.find_source(str(tmp_path / "work"), str(tmp_path / "cache"))


def test_the_source_is_downloaded_once_then_found_in_the_cache(tmp_path, served, monkeypatch):
    www, base = served
    version = platform.python_version()
    source_tarball(www / "python.tgz", version)
    monkeypatch.delenv(cpython_source.SOURCE_ENV, raising=False)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setattr(
        cpython_source, "candidate_urls", lambda v: [f"{base}/missing.tar.xz", f"{base}/python.tgz"]
    )
    tree = cpython_source.find_source(str(tmp_path / "work"), str(tmp_path / "cache"))
    assert cpython_source.source_version(tree) == version
    assert os.path.isfile(tmp_path / "cache" / f"Python-{version}.tgz")
    monkeypatch.setattr(cpython_source, "candidate_urls", lambda v: [])
    assert (
        cpython_source.source_version(
            cpython_source.find_source(str(tmp_path / "w2"), str(tmp_path / "cache"))
        )
        == version
    )


def test_no_source_anywhere_names_every_place_looked_in(tmp_path, served, monkeypatch):
    _, base = served
    monkeypatch.delenv(cpython_source.SOURCE_ENV, raising=False)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setattr(cpython_source, "candidate_urls", lambda v: [f"{base}/Python.tar.xz"])
    with pytest.raises(BuildError) as caught:
        cpython_source.find_source(str(tmp_path / "work"), str(tmp_path / "cache"))
    message = str(caught.value)
    version = platform.python_version()
    assert f"compiles CPython {version} (the Python running this build) for the target once" in message
    assert str(tmp_path / "pyenv" / "cache" / f"Python-{version}.tar.xz") in message
    assert f"downloading {base}/Python.tar.xz failed: HTTP 404" in message
    assert cpython_source.SOURCE_ENV in message


def test_a_failed_search_is_not_downloaded_again_for_a_day_but_local_sources_still_count(
    tmp_path, served, monkeypatch
):
    www, base = served
    version = platform.python_version()
    monkeypatch.delenv(cpython_source.SOURCE_ENV, raising=False)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setattr(cpython_source, "candidate_urls", lambda v: [f"{base}/python.tgz"])
    cache = str(tmp_path / "cache")
    with pytest.raises(BuildError, match="HTTP 404"):
        cpython_source.find_source(str(tmp_path / "work"), cache)
    source_tarball(www / "python.tgz", version)  # reachable now, but not asked for again yet
    marker = cpython_source.unreachable_marker(version, cache)
    with pytest.raises(BuildError, match=f"downloads not tried again .*: remove {marker}"):
        cpython_source.find_source(str(tmp_path / "work"), cache)
    monkeypatch.setenv(cpython_source.SOURCE_ENV, str(www / "python.tgz"))
    assert cpython_source.source_version(cpython_source.find_source(str(tmp_path / "w2"), cache)) == version
    monkeypatch.delenv(cpython_source.SOURCE_ENV)
    os.utime(marker, (0, 0))  # a day later
    assert cpython_source.source_version(cpython_source.find_source(str(tmp_path / "w3"), cache)) == version


# Debian's packages


def deb_bytes(files: dict[str, bytes], links: dict[str, str]) -> bytes:
    """A .deb (an ar archive) whose data.tar.xz holds `files` and symbolic `links`."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(content)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(content))
        for name, target in links.items():
            info = tarfile.TarInfo("./" + name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    out = io.BytesIO()
    out.write(debian.AR_MAGIC)
    for name, content in (("debian-binary", b"2.0\n"), ("data.tar.xz", data.getvalue())):
        header = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}`\n".encode()
        out.write(header + content + (b"\n" if len(content) % 2 else b""))
    return out.getvalue()


def test_a_deb_unpacks_with_absolute_links_made_relative_and_escaping_links_dropped(tmp_path):
    deb = tmp_path / "libz.deb"
    deb.write_bytes(
        deb_bytes(
            {"lib/aarch64-linux-gnu/libz.so.1.2.13": b"ELF"},
            {
                "usr/lib/aarch64-linux-gnu/libz.so": "/lib/aarch64-linux-gnu/libz.so.1.2.13",
                "usr/lib/escape": "../../../../etc/passwd",
            },
        )
    )
    root = tmp_path / "root"
    debian.extract_deb(str(deb), str(root))
    link = root / "usr/lib/aarch64-linux-gnu/libz.so"
    assert not os.readlink(link).startswith("/")
    assert link.read_bytes() == b"ELF"
    assert not os.path.lexists(root / "usr/lib/escape")
    # Found through the link in usr/lib, resolved to the file under lib; what no package put there is None.
    real = os.path.realpath(root / "lib/aarch64-linux-gnu/libz.so.1.2.13")
    assert debian.find_library(str(root), "libz.so") == real
    assert debian.find_library(str(root), "libz.so.1.2.13") == real
    assert debian.find_library(str(root), "libssl.so.3") is None


def test_packages_are_checked_against_the_index(tmp_path, served, monkeypatch):
    www, base = served
    good = deb_bytes({"usr/include/zlib.h": b"/* zlib */"}, {})
    (www / "pool").mkdir()
    (www / "pool" / "zlib1g-dev.deb").write_bytes(good)
    (www / "pool" / "tampered.deb").write_bytes(good + b"x")
    stanzas = [
        f"Package: {name}\nVersion: 1\nFilename: pool/{file}\nSHA256: {hashlib.sha256(good).hexdigest()}\n"
        for name, file in (("zlib1g-dev", "zlib1g-dev.deb"), ("tampered", "tampered.deb"))
    ]
    index = www / "dists" / debian.RELEASE / "main" / "binary-arm64"
    index.mkdir(parents=True)
    (index / "Packages.xz").write_bytes(lzma.compress("\n".join(stanzas).encode()))
    monkeypatch.setattr(debian, "MIRROR", base)
    archive = debian.Archive("arm64", str(tmp_path / "cache"))
    assert archive.version("zlib1g-dev") == "1"
    archive.unpack(["zlib1g-dev"], str(tmp_path / "root"))
    assert (tmp_path / "root" / "usr/include/zlib.h").read_bytes() == b"/* zlib */"
    with pytest.raises(BuildError, match="does not match its index"):
        archive.fetch("tampered")
    with pytest.raises(BuildError, match="Debian bookworm has no package nothing for arm64"):
        archive.fetch("nothing")


# A standalone folder made all-aarch64


def compile_c(source: str, output, cpu: str, *args: str, glibc: str = "2.34") -> str:
    """`source` compiled by zig for `cpu` Linux at `glibc` into `output`."""
    zig = find_zig()
    if zig is None:
        pytest.skip("the ziglang wheel is not installed")
    c_file = str(output) + ".c"
    with open(c_file, "w") as f:
        f.write(source)
    subprocess.run(
        [zig, "cc", "-target", f"{cpu}-linux-gnu.{glibc}", *args, "-o", str(output), c_file], check=True
    )
    os.unlink(c_file)
    return str(output)


class FakeTarget:
    """The two folders of a target CPython that retargeting reads."""

    def __init__(self, root):
        self.lib = str(root / "lib")
        self.lib_dynload = str(root / "lib-dynload")
        os.makedirs(self.lib)
        os.makedirs(self.lib_dynload)


def test_host_modules_and_libraries_are_swapped_for_aarch64_ones(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    compile_c("int main(void) { return 0; }", dist / "bootstrap", "aarch64")
    compile_c("int hostonly(void) { return 1; }", dist / "libhostonly.so.1", "x86_64", "-shared")
    compile_c("int PyInit__fake(void) { return 0; }", dist / "_fake.so", "x86_64", "-shared")
    python = FakeTarget(tmp_path / "target")
    compile_c("int dep(void) { return 2; }", os.path.join(python.lib, "libdep.so.1"), "aarch64", "-shared")
    compile_c(
        "int dep(void); int PyInit__fake(void) { return dep(); }",
        os.path.join(python.lib_dynload, "_fake.cpython-311-aarch64-linux-gnu.so"),
        "aarch64",
        "-shared",
        f"-L{python.lib}",
        "-l:libdep.so.1",
    )
    with pytest.raises(BuildError, match=r"_fake.so: EM_X86_64"):
        target_dist.check_machine(str(dist), ARM64)
    done = target_dist.retarget(str(dist), ARM64, python, [], str(tmp_path / "wheels"))
    assert done.stdlib_modules == ["_fake"]
    assert done.libraries == ["libdep.so.1"]
    assert sorted(os.listdir(dist)) == ["_fake.so", "bootstrap", "libdep.so.1"]
    target_dist.check_machine(str(dist), ARM64)
    rpath = subprocess.run(["readelf", "-d", str(dist / "_fake.so")], capture_output=True, text=True).stdout
    assert "[$ORIGIN]" in rpath


def test_a_host_module_nothing_provides_for_aarch64_is_an_error(tmp_path):
    dist = tmp_path / "dist"
    (dist / "pkg").mkdir(parents=True)
    compile_c("int main(void) { return 0; }", dist / "bootstrap", "aarch64")
    compile_c("int PyInit_mod(void) { return 0; }", dist / "pkg" / "mod.so", "x86_64", "-shared")
    with pytest.raises(
        BuildError, match=r"extension module pkg\.mod in the build is compiled for this machine"
    ):
        target_dist.retarget(str(dist), ARM64, FakeTarget(tmp_path / "target"), [], str(tmp_path / "wheels"))


def test_a_bootstrap_asking_for_another_loader_is_refused(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    compile_c(
        "int main(void) { return 0; }",
        dist / "bootstrap",
        "aarch64",
        "-Wl,--dynamic-linker=/lib/ld-musl-aarch64.so.1",
    )
    with pytest.raises(BuildError, match=r"asks for the dynamic loader /lib/ld-musl-aarch64\.so\.1"):
        target_dist.check_machine(str(dist), ARM64)


# Which builds a host can make


def test_an_arm64_host_builds_arm64_natively_with_zig_for_aarch64(monkeypatch):
    from lambda_native.builder.target import arch, toolchain
    from lambda_native.builder.target.toolchain import TARGETS, choose_toolchain

    monkeypatch.setattr(arch.platform, "machine", lambda: "aarch64")
    assert arch.host_arch() is ARM64
    monkeypatch.setattr(toolchain, "host_glibc", lambda: (2, 36))
    tools = choose_toolchain(TARGETS["al2023"], ARM64.triple_cpu)
    assert tools.env["LDFLAGS"] == "-target aarch64-linux-gnu.2.34 -Wl,--gc-sections"


def test_an_arm64_host_cannot_build_x86_64_and_says_where_to(monkeypatch, tmp_path):
    from lambda_native.builder.pipeline import BuildOptions, preflight
    from lambda_native.builder.target import arch

    monkeypatch.setattr(arch.platform, "machine", lambda: "aarch64")
    src = tmp_path / "fn"
    src.mkdir()
    (src / "app.py").write_text("def handler(event, context):\n    return event\n")
    options = BuildOptions("app.handler", str(src), str(tmp_path / "out"), str(tmp_path / "w"), arch="x86_64")
    with pytest.raises(BuildError, match="--arch x86_64 cannot be built on this arm64 machine"):
        preflight(options)


def test_an_unknown_host_cpu_is_named(monkeypatch):
    from lambda_native.builder.target import arch

    monkeypatch.setattr(arch.platform, "machine", lambda: "riscv64")
    with pytest.raises(BuildError, match=r"x86_64 or arm64 Linux hosts only \(this one is riscv64\)"):
        arch.host_arch()
