"""Packages from Debian's archive for another architecture, fetched and unpacked without dpkg or root.

Cross builds need the target's libraries (OpenSSL, zlib, libffi...) to link CPython's extension modules
against, and Debian's archive is one every build host can reach. Debian 12 is the release used: its
libraries need glibc 2.34 at most, so what ships beside `bootstrap` runs on provided.al2023.
Every .deb is checked against the SHA-256 its Packages index gives.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import os
import posixpath
import shutil
import tarfile

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.search_path import first_on_path

MIRROR = "https://deb.debian.org/debian"
RELEASE = "bookworm"
AR_MAGIC = b"!<arch>\n"


def download(url: str, dest: str) -> str:
    """Fetch `url` into the file `dest` (written whole or not at all); its SHA-256; BuildError on failure."""
    import urllib3

    digest = hashlib.sha256()
    partial = dest + ".partial"
    try:
        with urllib3.PoolManager(retries=urllib3.Retry(3, redirect=5), timeout=60.0) as http:
            reply = http.request("GET", url, preload_content=False)
            try:
                if reply.status != 200:
                    raise BuildError(f"downloading {url} failed: HTTP {reply.status}")
                with open(partial, "wb") as out:
                    for chunk in reply.stream(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            finally:
                reply.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise BuildError(f"downloading {url} failed: {exc}") from None
    os.replace(partial, dest)
    return digest.hexdigest()


def parse_packages(text: str) -> dict[str, dict[str, str]]:
    """A Packages index as {package name: {field: value}}, first stanza of a name winning."""
    packages: dict[str, dict[str, str]] = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line[:1] not in (" ", "\t") and ": " in line:
                name, _, value = line.partition(": ")
                fields[name] = value.strip()
        if "Package" in fields:
            packages.setdefault(fields["Package"], fields)
    return packages


class Archive:
    """One Debian release's packages for one architecture, with downloads kept in `cache`."""

    __slots__ = ("arch", "cache", "packages", "release")

    def __init__(self, arch: str, cache: str, release: str = RELEASE) -> None:
        self.arch = arch
        self.cache = cache
        self.release = release
        os.makedirs(cache, exist_ok=True)
        index = os.path.join(cache, f"Packages-{release}-{arch}.xz")
        if not os.path.isfile(index):
            download(f"{MIRROR}/dists/{release}/main/binary-{arch}/Packages.xz", index)
        try:
            with lzma.open(index) as f:
                self.packages = parse_packages(f.read().decode("utf-8", "replace"))
        except (lzma.LZMAError, EOFError) as exc:
            os.unlink(index)
            raise BuildError(
                f"Debian's package index {index} is damaged ({exc}); it was removed, try again"
            ) from None

    def version(self, name: str) -> str:
        """The version of package `name` in the index."""
        return self._fields(name)["Version"]

    def _fields(self, name: str) -> dict[str, str]:
        fields = self.packages.get(name)
        if fields is None:
            raise BuildError(f"Debian {self.release} has no package {name} for {self.arch}")
        return fields

    def fetch(self, name: str) -> str:
        """The path of package `name`'s .deb, downloaded once and checked against the index's SHA-256."""
        fields = self._fields(name)
        path = os.path.join(self.cache, posixpath.basename(fields["Filename"]))
        if os.path.isfile(path) and _sha256(path) == fields["SHA256"]:
            return path
        got = download(f"{MIRROR}/{fields['Filename']}", path)
        if got != fields["SHA256"]:
            os.unlink(path)
            raise BuildError(f"{fields['Filename']} from Debian does not match its index (SHA-256 {got})")
        return path

    def unpack(self, names: list[str], dest: str) -> None:
        """Fetch packages `names` and unpack their files into `dest`, as dpkg would below `/`."""
        for name in names:
            extract_deb(self.fetch(name), dest)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of an `ar` archive (a .deb is one) by name."""
    if not data.startswith(AR_MAGIC):
        raise BuildError("not a Debian package (no ar header)")
    members, offset = {}, len(AR_MAGIC)
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        offset += 60
        members[name] = data[offset : offset + size]
        offset += size + (size & 1)  # members are 2-byte aligned
    return members


def extract_deb(deb: str, dest: str) -> None:
    """Unpack the data files of the .deb at `deb` into `dest`. Absolute symbolic links are made relative to
    `dest`, so links such as /usr/lib/.../libz.so -> /lib/.../libz.so.1 resolve inside it."""
    with open(deb, "rb") as f:
        members = ar_members(f.read())
    data = next((members[name] for name in members if name.startswith("data.tar")), None)
    if data is None:
        raise BuildError(f"{deb} has no data archive")
    root = os.path.realpath(dest)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            relative = posixpath.normpath(member.name.lstrip("./") or ".")
            if relative == "." or relative.startswith("../"):
                continue
            path = os.path.join(root, relative)
            if member.isdir():
                os.makedirs(path, exist_ok=True)
            elif member.isfile():
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with tar.extractfile(member) as src, open(path, "wb") as out:
                    shutil.copyfileobj(src, out)
                os.chmod(path, member.mode & 0o755)
            elif member.issym():
                target = member.linkname
                if target.startswith("/"):
                    target = os.path.relpath(os.path.join(root, target.lstrip("/")), os.path.dirname(path))
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
                if not resolved.startswith(root + os.sep):
                    continue  # a link out of the tree is of no use to a sysroot
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if os.path.lexists(path):
                    os.unlink(path)
                os.symlink(target, path)


def find_library(root: str, name: str, triple: str = "aarch64-linux-gnu") -> str | None:
    """Library file `name` in a tree of unpacked packages (`usr/lib/TRIPLE`, then `lib/TRIPLE`), its
    symbolic links resolved; None when no package put it there."""
    path = first_on_path(name, [os.path.join(root, top, triple) for top in ("usr/lib", "lib")])
    return os.path.realpath(path) if path is not None else None
