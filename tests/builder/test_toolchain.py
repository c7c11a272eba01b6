"""Choosing the compiler for a target on this host, and the paths zig needs for Debian's Python."""

from __future__ import annotations

import os
import subprocess

import pytest

from lambda_native.builder.target import glibc
from lambda_native.builder.target.toolchain import TARGETS, choose_toolchain, find_c_compiler

from .conftest import ROOT

SYSTEM_PYTHON = "/usr/bin/python3"


def test_a_host_newer_than_the_target_builds_with_zig_pinned_to_its_glibc():
    host = glibc.host_glibc()
    if host is None or host <= (2, 34):
        pytest.skip("the host glibc is not newer than al2023's")
    tools = choose_toolchain(TARGETS["al2023"])
    assert tools.nuitka_options == ["--zig"]
    assert tools.env["LDFLAGS"] == "-target x86_64-linux-gnu.2.34 -Wl,--gc-sections"
    assert tools.env["CFLAGS"].startswith("-target x86_64-linux-gnu.2.34 -ffunction-sections -fdata-sections")
    assert os.path.basename(tools.compiler) == "zig"


def test_the_host_compiler_also_drops_unreached_code(monkeypatch):
    from lambda_native.builder.target import toolchain

    monkeypatch.setattr(toolchain, "host_glibc", lambda: (2, 34))
    tools = choose_toolchain(TARGETS["al2023"])
    assert tools.nuitka_options == []
    assert tools.env == {"CFLAGS": "-ffunction-sections -fdata-sections", "LDFLAGS": "-Wl,--gc-sections"}


def test_no_compiler_on_an_empty_path(tmp_path, monkeypatch):
    monkeypatch.delenv("CC", raising=False)
    assert find_c_compiler(path=str(tmp_path)) is None
    assert find_c_compiler() is not None


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason="no system Python")
def test_debian_multiarch_headers_are_searched_after_zigs_own():
    script = (
        "from lambda_native.builder.target.toolchain import multiarch_flags as f; "
        "print(' '.join(sum(f(), [])))"
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    probe = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import sysconfig as s; print(s.get_paths()['include'], s.get_config_var('LIBDIR'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    include, libdir = probe.stdout.split()
    version = os.path.basename(include)
    multiarch_header = os.path.join(os.path.dirname(include), "x86_64-linux-gnu", version, "pyconfig.h")
    out = subprocess.run([SYSTEM_PYTHON, "-c", script], env=env, capture_output=True, text=True, check=True)
    expected = f"-idirafter {os.path.dirname(include)} -L{libdir}" if os.path.exists(multiarch_header) else ""
    assert out.stdout.strip() == expected
