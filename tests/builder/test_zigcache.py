"""The ccache shim for zig builds: compiles go through ccache (a rebuild hits), the rest straight to zig."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lambda_native.builder.target.toolchain import find_zig
from lambda_native.builder.target.zigcache import ccache_shim

ZIG = find_zig()
pytestmark = pytest.mark.skipif(
    ZIG is None or shutil.which("ccache") is None, reason="needs ziglang and ccache"
)

SOURCE = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n'


def stats(env) -> dict[str, int]:
    out = subprocess.run(
        ["ccache", "--print-stats"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return {key: int(value) for key, value in (line.split("\t") for line in out.splitlines())}


def test_compiles_hit_ccache_and_links_run_zig(tmp_path):
    folder, settings = ccache_shim(ZIG, str(tmp_path / "shim"), str(tmp_path))
    env = dict(os.environ, **settings, CCACHE_DIR=str(tmp_path / "ccache"))
    zig = os.path.join(folder, "zig")
    (tmp_path / "hi.c").write_text(SOURCE)
    target = ["-target", "x86_64-linux-gnu.2.34"]
    for _ in range(2):
        subprocess.run([zig, "cc", *target, "-c", "-o", "hi.o", "hi.c"], cwd=tmp_path, env=env, check=True)
    counts = stats(env)
    assert counts["direct_cache_hit"] + counts["preprocessed_cache_hit"] == 1
    assert counts["cache_miss"] == 1
    subprocess.run([zig, "cc", *target, "-o", "hi", "hi.o"], cwd=tmp_path, env=env, check=True)
    assert subprocess.run([str(tmp_path / "hi")], capture_output=True, text=True, check=True).stdout == "hi\n"
    version = subprocess.run([zig, "version"], env=env, capture_output=True, text=True, check=True).stdout
    assert version.strip() == subprocess.run([ZIG, "version"], capture_output=True, text=True).stdout.strip()


def test_rewriting_the_same_shim_keeps_its_mtime(tmp_path):
    folder, _ = ccache_shim(ZIG, str(tmp_path / "shim"), str(tmp_path))
    before = os.stat(os.path.join(folder, "zig-clang")).st_mtime_ns
    os.utime(os.path.join(folder, "zig-clang"), ns=(before - 10**9, before - 10**9))
    ccache_shim(ZIG, str(tmp_path / "shim"), str(tmp_path))
    assert os.stat(os.path.join(folder, "zig-clang")).st_mtime_ns == before - 10**9
