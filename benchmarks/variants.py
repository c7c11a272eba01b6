"""The runtimes compared: how each is prepared for a workload and the command that starts it.

Every variant ends as a task folder (what Lambda would unpack into `/var/task`), the command that
starts the runtime in it, and the size of the zip a user would upload for it.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import py_compile
import sys
from pathlib import Path
from typing import ClassVar

from benchmarks.artifacts import (
    WORK_DIR,
    PrepareError,
    cached_dir,
    copy_tree,
    inputs_key,
    install_requirements,
    run_tool,
    zip_sizes,
    zip_tree,
)
from benchmarks.machine import REPO_ROOT, package_version
from benchmarks.workloads import Workload
from lambda_native.emulator.task_root import extract_zip

SRC = REPO_ROOT / "src" / "lambda_native"

# Lambda's /var/task is read-only: a runtime cannot write the .pyc it compiles, so a stale one is
# recompiled on every cold start. PYTHONDONTWRITEBYTECODE reproduces that here.
READ_ONLY_TASK_ENV = {"PYTHONDONTWRITEBYTECODE": "1"}


class Prepared:
    """A variant ready to start for one workload.

    `command` starts the runtime in `task_dir`; None means the folder's own `bootstrap`, run exactly as
    Lambda runs a provided.al2023 function. `echoes` marks a runtime that answers with the event itself.
    """

    __slots__ = ("command", "echoes", "env", "size", "task_dir")

    def __init__(
        self, command: list[str] | None, task_dir: Path, env: dict[str, str], size: dict, echoes: bool = False
    ) -> None:
        self.command = command
        self.task_dir = task_dir
        self.env = env
        self.size = size
        self.echoes = echoes


def size_of(zip_path: Path, contents: str) -> dict:
    """The `size` figures of a result cell for a zip."""
    zipped, unzipped = zip_sizes(zip_path)
    return {"zip_bytes": zipped, "unzipped_bytes": unzipped, "contents": contents}


class Variant:
    """A runtime to measure: a name for `--variants`, a label for tables, and how to prepare it."""

    name = ""
    label = ""
    description = ""

    def prepare(self, workload: Workload, work_dir: Path = WORK_DIR) -> Prepared:
        """Make (or reuse) this variant's task folder for `workload`."""
        raise NotImplementedError

    def info(self) -> dict[str, str]:
        """The `variants` entry of a result file."""
        return {"label": self.label, "description": self.description}


def function_sources(workload: Workload, folder: Path, work_dir: Path) -> None:
    """Copy the handler and its installed requirements into `folder`, as a function zip holds them."""
    copy_tree(workload.source_dir, folder, ignore=("__pycache__", "*.pyc", "requirements.txt"))
    if workload.requirements is not None:
        copy_tree(install_requirements(workload.requirements, work_dir), folder)


def runtime_sources(folder: Path) -> None:
    """Copy this project's runtime (the package's `__init__`, `__main__` and `runtime/`) and orjson."""
    package = folder / "lambda_native"
    package.mkdir()
    for name in ("__init__.py", "__main__.py"):
        (package / name).write_bytes((SRC / name).read_bytes())
    copy_tree(SRC / "runtime", package / "runtime")
    spec = importlib.util.find_spec("orjson")
    if spec is None or not spec.submodule_search_locations:
        raise PrepareError("orjson is not installed as a package in this Python; the runtime needs it")
    copy_tree(Path(next(iter(spec.submodule_search_locations))), folder / "orjson")


def compile_valid(folder: Path) -> None:
    """Precompile every .py as a zip should ship it: unchecked-hash .pyc, valid whatever the file times."""
    if not compileall.compile_dir(
        folder, quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    ):
        raise PrepareError(f"compileall failed in {folder}")


def compile_stale(folder: Path) -> None:
    """Precompile every .py with timestamp .pyc, then move each source's mtime so every .pyc is stale."""
    if not compileall.compile_dir(
        folder, quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP
    ):
        raise PrepareError(f"compileall failed in {folder}")
    for source in folder.rglob("*.py"):
        st = source.stat()
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 3_600_000_000_000))


def runtime_key() -> tuple[Path, ...]:
    """The inputs that decide the shipped runtime."""
    return (SRC / "__init__.py", SRC / "__main__.py", SRC / "runtime")


class Interpreted(Variant):
    """`python -m lambda_native` from a task folder holding the handler, its deps and the runtime."""

    name = "interpreted"
    label = "interpreted"
    description = (
        "`python -m lambda_native`: this project's runtime, interpreted, shipped in the task folder with "
        "orjson, the handler and its requirements, all as valid (unchecked-hash) precompiled .pyc"
    )
    stale = False

    def prepare(self, workload: Workload, work_dir: Path = WORK_DIR) -> Prepared:
        def make(folder: Path) -> None:
            task = folder / "task"
            function_sources(workload, task, work_dir)
            runtime_sources(task)
            (compile_stale if self.stale else compile_valid)(task)
            zip_tree(task, folder / "function.zip")

        key = inputs_key(
            self.name, *workload.inputs, sys.version, package_version("orjson") or "", *runtime_key()
        )
        folder = cached_dir(f"{self.name}-{workload.name}", key, make, work_dir)
        contents = "handler, requirements, runtime and orjson, with .pyc (the interpreter not counted)"
        return Prepared(
            [sys.executable, "-m", "lambda_native"],
            folder / "task",
            dict(READ_ONLY_TASK_ENV),
            size_of(folder / "function.zip", contents),
        )


class InterpretedStale(Interpreted):
    """The same, with every .pyc stale: what a zip made carelessly costs on each cold start."""

    name = "interpreted-stale"
    label = "interpreted, stale .pyc"
    description = (
        "as `interpreted`, but every shipped .pyc is stale (timestamp .pyc whose source mtime moved), so "
        "each cold start recompiles the runtime, handler and requirements (/var/task is read-only)"
    )
    stale = True


class Awslambdaric(Variant):
    """The official client, `python -m awslambdaric app.handler`, as the managed python3.x runtimes run."""

    name = "awslambdaric"
    label = "awslambdaric"
    description = (
        "`python -m awslambdaric app.handler`: the official runtime interface client "
        f"{package_version('awslambdaric')}, with the handler and requirements as valid precompiled .pyc"
    )

    def prepare(self, workload: Workload, work_dir: Path = WORK_DIR) -> Prepared:
        def make(folder: Path) -> None:
            task = folder / "task"
            function_sources(workload, task, work_dir)
            compile_valid(task)
            zip_tree(task, folder / "function.zip")

        if package_version("awslambdaric") is None:
            raise PrepareError("awslambdaric is not installed (pip install awslambdaric==4.2.2)")
        key = inputs_key(self.name, *workload.inputs, sys.version)
        folder = cached_dir(f"{self.name}-{workload.name}", key, make, work_dir)
        return Prepared(
            [sys.executable, "-m", "awslambdaric", workload.handler],
            folder / "task",
            dict(READ_ONLY_TASK_ENV),
            size_of(
                folder / "function.zip",
                "handler and requirements, with .pyc (the managed runtime not counted)",
            ),
        )


class Native(Variant):
    """The `bootstrap` built by `python build.py`: the product."""

    name = "native"
    label = "native"
    description = (
        "the `bootstrap` from `python build.py --handler app.handler` (Nuitka standalone, the shipped build "
        "flags), unpacked from function.zip"
    )

    # What the build's environment adds (a variant of the build, e.g. one builder switch).
    build_env: ClassVar[dict[str, str]] = {}

    def prepare(self, workload: Workload, work_dir: Path = WORK_DIR) -> Prepared:
        def make(folder: Path) -> None:
            src = folder / "src"  # the handler alone: build.py ships every other file of --src beside it
            copy_tree(workload.source_dir, src, ignore=("__pycache__", "*.pyc", "requirements.txt"))
            suffix = f"-{self.name}" if self.build_env else ""
            nuitka_dir = work_dir / f"nuitka-{workload.name}{suffix}"
            argv = [sys.executable, str(REPO_ROOT / "build.py"), "--quiet", "--handler", workload.handler,
                    "--src", str(src), "--out", str(folder / "build"),
                    "--work-dir", str(nuitka_dir)]  # fmt: skip
            if workload.requirements is not None:
                argv += ["--requirements", str(workload.requirements)]
            env = {**os.environ, **self.build_env} if self.build_env else None
            run_tool(argv, f"{self.name} build of {workload.name}", env=env)
            extract_zip(folder / "build" / "function.zip", folder / "task")

        key = inputs_key(
            self.name,
            *sorted(f"{k}={v}" for k, v in self.build_env.items()),
            *workload.inputs,
            sys.version,
            package_version("nuitka") or "",
            REPO_ROOT / "build.py",
            SRC / "builder",
            *runtime_key(),
        )
        folder = cached_dir(f"{self.name}-{workload.name}", key, make, work_dir)
        return Prepared(
            None,
            folder / "task",
            {},
            size_of(folder / "build" / "function.zip", "the whole function.zip built by build.py"),
        )


class NativeGeneric(Native):
    """The same build with every per-library entry (`builder/libraries/`) turned off: what is generic."""

    name = "native-generic"
    label = "native, no library entries"
    description = (
        "as `native`, built with `LAMBDA_NATIVE_LIBRARY_ENTRIES=off`: none of builder/libraries/' source "
        "changes, lazy imports or implicit imports, only what works for any library"
    )
    build_env: ClassVar[dict[str, str]] = {"LAMBDA_NATIVE_LIBRARY_ENTRIES": "off"}


class CFloor(Variant):
    """`bootstrap.c` from `python build.py --c-floor`: the physical floor, and a check on the harness."""

    name = "c-floor"
    label = "C floor"
    description = (
        "`bootstrap.c` (`python build.py --c-floor`): a minimal runtime in C that echoes each event back "
        "without running the handler; the floor any runtime, and the harness itself, can reach"
    )

    def prepare(self, workload: Workload, work_dir: Path = WORK_DIR) -> Prepared:
        def make(folder: Path) -> None:
            run_tool(
                [sys.executable, str(REPO_ROOT / "build.py"), "--c-floor", "--out", str(folder)], "C floor"
            )
            (folder / "c-floor" / "bootstrap").chmod(0o755)
            zip_tree(folder / "c-floor", folder / "function.zip")

        key = inputs_key(self.name, REPO_ROOT / "bootstrap.c", SRC / "builder" / "cfloor.py")
        folder = cached_dir(self.name, key, make, work_dir)
        size = size_of(folder / "function.zip", "the bootstrap alone")
        return Prepared(None, folder / "c-floor", {}, size, echoes=True)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (Native(), Interpreted(), InterpretedStale(), Awslambdaric(), CFloor(), NativeGeneric())
}
# What a plain `python -m benchmarks` measures; native-generic is the A/B one asks for by name.
DEFAULT_VARIANTS: list[str] = [name for name in VARIANTS if name != NativeGeneric.name]
