"""The deployment zip: a folder packed reproducibly, with `bootstrap` executable at its root.

Same folder contents -> same zip bytes: entries sorted, one fixed timestamp, modes decided from the files
(0755 for executables, 0644 otherwise), never from the umask or the clock.
"""

from __future__ import annotations

import os
import stat
import zipfile

from lambda_native.builder.build_error import BuildError

# The earliest time a zip can record (DOS dates start in 1980).
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE = 0o755
REGULAR = 0o644
# Lambda's deployment package quotas: a zip uploaded directly, and its contents unzipped (layers included).
ZIPPED_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024
BIGGEST_SHOWN = 6
# The zip's comment records the handler the bootstrap was built with, for `lambda-native deploy`: the
# runtime honours `_HANDLER` (Lambda's Handler setting) over the built one, so the two must agree.
HANDLER_COMMENT = "lambda-native handler="


def file_mode(path: str) -> int:
    """0755 when any execute bit is set or the file is an ELF executable/library, else 0644."""
    if os.stat(path).st_mode & 0o111:
        return EXECUTABLE
    with open(path, "rb") as f:
        return EXECUTABLE if f.read(4) == b"\x7fELF" else REGULAR


def list_files(root: str) -> list[str]:
    """Paths relative to `root` of every file below it, `/`-separated and sorted."""
    names = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            names.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(names)


def write_zip(root: str, zip_path: str, handler: str | None = None) -> int:
    """Pack `root` into `zip_path` (replaced atomically), recording `handler` in its comment; returns the
    number of files."""
    names = list_files(root)
    partial = zip_path + ".partial"
    with zipfile.ZipFile(partial, "w") as archive:
        if handler is not None:
            archive.comment = (HANDLER_COMMENT + handler).encode()
        for name in names:
            path = os.path.join(root, name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # Unix, so unzip and Lambda honour the mode bits below
            info.external_attr = (stat.S_IFREG | file_mode(path)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                archive.writestr(info, f.read(), compresslevel=9)
    os.replace(partial, zip_path)
    return len(names)


def recorded_handler(archive: zipfile.ZipFile) -> str | None:
    """The handler `write_zip` recorded in `archive`'s comment, None for a zip made otherwise."""
    comment = archive.comment.decode("utf-8", "replace")
    return comment.removeprefix(HANDLER_COMMENT) if comment.startswith(HANDLER_COMMENT) else None


def biggest(root: str, count: int = BIGGEST_SHOWN) -> list[tuple[str, int, int]]:
    """The largest entries at the top of `root`: (name, bytes, files), a folder counting all below it."""
    sizes: dict[str, list[int]] = {}
    for name in list_files(root):
        top, sep, _ = name.partition("/")
        entry = sizes.setdefault(top + sep, [0, 0])
        entry[0] += os.path.getsize(os.path.join(root, name))
        entry[1] += 1
    ranked = sorted(sizes.items(), key=lambda item: -item[1][0])
    return [(name, size, files) for name, (size, files) in ranked[:count]]


def check_size(root: str, size: int, limit: int, what: str) -> None:
    """BuildError when `size` is over Lambda's `limit`, naming the biggest entries of `root`."""
    if size <= limit:
        return
    lines = "\n".join(
        f"  {size / 1e6:8.1f} MB  {name}" + (f" ({files} files)" if name.endswith("/") else "")
        for name, size, files in biggest(root)
    )
    raise BuildError(
        f"the function is {size / 1e6:.1f} MB {what}, over Lambda's limit of {limit / 1e6:.1f} MB, so it "
        f"cannot be deployed. Biggest:\n{lines}"
    )


def unzipped_tree_size(root: str) -> int:
    """The total size of the files below `root`."""
    return sum(os.path.getsize(os.path.join(root, name)) for name in list_files(root))
