"""CPython's source of exactly the version that runs the build, for compiling a target CPython from it.

Nuitka's generated C reaches into CPython's internals and embeds the standard library as this Python's
bytecode, so the target CPython's libpython must come from the same release, to the patch level (3.11.7
is not 3.11.2). The source is looked for, in order: a tarball or folder the user names
(`LAMBDA_NATIVE_PYTHON_SOURCE`), an earlier download in the cache, pyenv's download cache, Debian's
archive (which keeps the pristine upstream tarball of each version it packages), and python.org. When
no download succeeds, that is remembered for a day, so builds that can do without the source (newer_host)
do not try again each time.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import tarfile
import time

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.target.debian import MIRROR, download

SOURCE_ENV = "LAMBDA_NATIVE_PYTHON_SOURCE"
PYTHON_ORG = "https://www.python.org/ftp/python/{version}/Python-{version}.tar.xz"
# How long a failed search's downloads are not tried again.
UNREACHABLE_SECONDS = 24 * 3600


def source_version(folder: str) -> str | None:
    """PY_VERSION from `folder`/Include/patchlevel.h (e.g. "3.11.7"); None when it is not CPython's."""
    try:
        with open(os.path.join(folder, "Include", "patchlevel.h"), encoding="utf-8") as f:
            match = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', f.read())
    except OSError:
        return None
    return match.group(1) if match else None


def candidate_urls(version: str) -> list[str]:
    """Where the source tarball of `version` can be downloaded from: Debian's archive, then python.org."""
    minor = ".".join(version.split(".")[:2])
    debian = [
        f"{MIRROR}/pool/main/p/python{minor}/python{minor}_{version}.orig.tar.{ext}" for ext in ("xz", "gz")
    ]
    return [*debian, PYTHON_ORG.format(version=version)]


def local_tarballs(version: str, cache: str) -> list[str]:
    """Tarballs of `version` that may already be on this machine: our cache and pyenv's."""
    pyenv = os.path.join(os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "cache")
    return [
        os.path.join(folder, f"Python-{version}.{ext}")
        for folder in (cache, pyenv)
        for ext in ("tar.xz", "tgz", "tar.gz")
    ]


def unpack(tarball: str, dest: str) -> str:
    """Unpack a CPython source tarball into `dest` (emptied first); the source tree's path."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    try:
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if _is_safe(m)]
            # Pythons with extraction filters check again (and do not warn about their absence).
            checks = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(dest, members=members, **checks)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(f"cannot unpack {tarball}: {exc}") from None
    entries = os.listdir(dest)
    return os.path.join(dest, entries[0]) if len(entries) == 1 else dest


def _is_safe(member: tarfile.TarInfo) -> bool:
    parts = member.name.split("/")
    if member.name.startswith("/") or ".." in parts:
        return False
    if member.issym() or member.islnk():
        return not member.linkname.startswith("/") and ".." not in member.linkname.split("/")[:-1]
    return member.isfile() or member.isdir()


def unreachable_marker(version: str, cache: str) -> str:
    """The file that records where the source of `version` could not be downloaded from."""
    return os.path.join(cache, f"Python-{version}.unreachable")


def find_source(work: str, cache: str, out=None, target: str = "the target") -> str:
    """An unpacked CPython source tree of this Python's exact version, below `work`; BuildError naming
    every place looked in (and what the build compiles it for, `target`) when there is none."""
    version = platform.python_version()
    tried = []
    given = os.environ.get(SOURCE_ENV)
    if given:
        tree = given if os.path.isdir(given) else unpack(given, os.path.join(work, "source"))
        found = source_version(tree)
        if found != version:
            raise BuildError(
                f"{SOURCE_ENV}={given} holds CPython {found or 'nothing recognisable'}, but this build "
                f"runs on Python {version}: the versions must match exactly"
            )
        return tree
    for tarball in local_tarballs(version, cache):
        if os.path.isfile(tarball):
            return _checked(unpack(tarball, os.path.join(work, "source")), version, tarball)
        tried.append(tarball)
    os.makedirs(cache, exist_ok=True)
    marker = unreachable_marker(version, cache)
    try:
        fresh = time.time() - os.path.getmtime(marker) < UNREACHABLE_SECONDS
    except OSError:
        fresh = False
    if fresh:
        with open(marker, encoding="utf-8") as f:
            tried += f.read().splitlines()
        tried.append(f"(downloads not tried again until a day after the last try: remove {marker})")
        raise source_missing(version, target, cache, tried)
    failed = []
    for url in candidate_urls(version):
        if out is not None:
            print(f"  fetching CPython {version}'s source: {url}", file=out, flush=True)
        kept = os.path.join(cache, f"Python-{version}" + (".tar.xz" if url.endswith(".xz") else ".tgz"))
        try:
            download(url, kept)
        except BuildError as exc:
            failed.append(str(exc))
            continue
        return _checked(unpack(kept, os.path.join(work, "source")), version, url)
    with open(marker, "w", encoding="utf-8") as f:
        f.write("\n".join(failed))
    raise source_missing(version, target, cache, tried + failed)


def source_missing(version: str, target: str, cache: str, tried: list[str]) -> BuildError:
    """The error for a source found nowhere: every place looked in, and what to do."""
    listed = "\n".join(f"  {entry}" for entry in tried)
    return BuildError(
        f"the build compiles CPython {version} (the Python running this build) for {target} once, "
        f"and its source was not found:\n{listed}\n"
        f"Put Python-{version}.tar.xz (from python.org) in {cache}, or point {SOURCE_ENV} at it, "
        "or build with a Python whose source is reachable (e.g. Debian's own python3)"
    )


def _checked(tree: str, version: str, origin: str) -> str:
    found = source_version(tree)
    if found != version:
        raise BuildError(f"{origin} holds CPython {found}, not {version}: remove it and build again")
    return tree
