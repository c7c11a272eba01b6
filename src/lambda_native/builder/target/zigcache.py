"""ccache for zig builds, which Nuitka 4.3.3 leaves out.

Nuitka puts ccache in front of gcc and clang but not of `zig cc` (`enableCcache` in its
`build/SconsCaching.py` skips zig mode), and zig's own cache hardly helps a rebuild: Nuitka rewrites its C
files every build. So a `zig` found first on PATH sends each compile (`zig cc ... -c ...`) through ccache
to a `zig-clang` wrapper of the real `zig cc`; everything else (`zig version`, linking) goes to zig as is.
"""

from __future__ import annotations

import os
import shutil

ZIG_SCRIPT = """#!/bin/sh
# Written by lambda-native build: compiles through ccache, everything else straight to zig.
if [ "$1" = cc ]; then
    for arg in "$@"; do
        if [ "$arg" = -c ]; then
            shift
            exec "{ccache}" "{folder}/zig-clang" "$@"
        fi
    done
fi
exec "{zig}" "$@"
"""
# ccache recognises clang options by the compiler's name; the zig version in the content makes ccache
# (told to check the compiler's content) forget objects built by another zig.
CLANG_SCRIPT = """#!/bin/sh
# zig {version}
exec "{zig}" cc "$@"
"""


def _write_if_changed(path: str, text: str) -> None:
    # An unchanged script keeps its mtime, so nothing downstream sees a new compiler.
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o755)


def zig_version() -> str:
    """The installed ziglang wheel's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ziglang")
    except PackageNotFoundError:
        return "unknown"


def ccache_shim(zig: str, folder: str, base_dir: str) -> tuple[str, dict[str, str]] | None:
    """Write the shim into `folder`; returns (folder for PATH, ccache settings), or None without ccache."""
    ccache = shutil.which("ccache")
    if ccache is None:
        return None
    os.makedirs(folder, exist_ok=True)
    _write_if_changed(os.path.join(folder, "zig-clang"), CLANG_SCRIPT.format(version=zig_version(), zig=zig))
    _write_if_changed(os.path.join(folder, "zig"), ZIG_SCRIPT.format(ccache=ccache, folder=folder, zig=zig))
    settings = {
        "CCACHE_COMPILERCHECK": "content",
        # Nuitka writes its C files and headers just before compiling them, as it does for gcc.
        "CCACHE_SLOPPINESS": "include_file_ctime,include_file_mtime",
        # Paths below the work folder are hashed relative to it, so builds in other folders hit too.
        "CCACHE_BASEDIR": base_dir,
    }
    return folder, settings
