"""Everything the suite prepares before it measures, cached under `benchmarks/.work/` by a hash of its inputs.

A native build takes a minute; a dependency install a few seconds. Each artifact lives in a folder named
after the hash of what it was made from (sources, requirements, Python and Nuitka versions, build flags),
so an unchanged input is reused and a changed one is rebuilt, and an interrupted build never counts:
artifacts are made in a temporary folder and renamed into place when complete.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks.machine import REPO_ROOT

WORK_DIR = REPO_ROOT / "benchmarks" / ".work"


class PrepareError(RuntimeError):
    """An artifact could not be made; the message says which and why (with the tool's output)."""


def tree_files(root: Path) -> list[Path]:
    """Every file below `root`, sorted, skipping byte-code caches."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def inputs_key(*parts: str | bytes | Path) -> str:
    """A short hash of the inputs: strings and bytes as given, paths by their relative names and contents."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            files = tree_files(part) if part.is_dir() else [part]
            for file in files:
                digest.update(str(file.relative_to(part) if part.is_dir() else file.name).encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
        else:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_dir(kind: str, key: str, make: Callable[[Path], None], work_dir: Path = WORK_DIR) -> Path:
    """`work_dir/kind/key`, made by `make(folder)` into a temporary folder if it does not exist yet.

    Once a new one is made, the other complete folders of the same kind (older inputs) are removed.
    """
    final = work_dir / kind / key
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=final.parent))
    try:
        make(partial)
        partial.rename(final)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not final.is_dir():
            raise
        # Another run made the same artifact first: use theirs.
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for old in final.parent.iterdir():
        if old != final and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return final


def run_tool(argv: list[str], what: str, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None) -> None:
    """Run a preparation tool; PrepareError with its output's tail if it fails."""
    try:
        done = subprocess.run(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
    except OSError as exc:
        raise PrepareError(f"{what}: cannot run {argv[0]}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-25:])
        raise PrepareError(f"{what} failed (exit {done.returncode}): {' '.join(argv)}\n{tail}")


def install_requirements(requirements: Path, work_dir: Path = WORK_DIR) -> Path:
    """A folder holding `pip install --target` of `requirements`, as a Lambda zip's dependencies are made."""

    def make(folder: Path) -> None:
        run_tool(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
             "--only-binary", ":all:", "--target", str(folder), "-r", str(requirements)],
            f"installing {requirements}",
        )  # fmt: skip

    # One kind per function folder: a kind keeps only its newest folder, and workloads install different
    # requirements.
    kind = f"deps-{requirements.parent.name}"
    return cached_dir(kind, inputs_key(requirements, sys.version), make, work_dir)


def copy_tree(source: Path, dest: Path, ignore: Iterable[str] = ("__pycache__", "*.pyc")) -> None:
    """Copy `source`'s contents into `dest` (which may exist), leaving out byte-code caches."""
    shutil.copytree(source, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*ignore))


def zip_tree(root: Path, zip_path: Path) -> None:
    """Pack `root` into `zip_path` as a user would upload it (deflate, modes kept, sorted names)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(file, file.relative_to(root).as_posix())


def zip_sizes(zip_path: Path) -> tuple[int, int]:
    """(bytes of the zip, bytes of its files once extracted)."""
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return zip_path.stat().st_size, unzipped
