"""The corpus (benchmarks/corpus): each function run as ours interpreted, as the official client, and
natively, against real servers on 127.0.0.1 for those that call one. Native builds run two at a time in
the background from the first native test on, each once per session, in work folders kept between
sessions (a rebuild reuses its installed requirements and ccache). They are made with Debian's python3, as
on a fresh Debian machine: its exact source is reachable, so the standard library ships built for al2023's
glibc (builder/target/newer_host.py); pyenv's Pythons here have none, and pandas' cmath would fail the glibc
check, as the build then says."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.corpus_functions import CORPUS_DIR as CORPUS
from benchmarks.corpus_functions import FUNCTIONS
from benchmarks.services import SERVICES
from lambda_native.builder.requirements import install_requirements
from lambda_native.emulator import Function

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / ".build" / "corpus"
INTERPRETED = {
    "interpreted": [sys.executable, "-m", "lambda_native"],
    "awslambdaric": [sys.executable, "-m", "awslambdaric"],
}
BUILDS_AT_ONCE = 2


def requirements_site(name: str) -> str:
    """The function's requirements, installed as the build installs them (reused while unchanged)."""
    site = WORK / name / "requirements"
    install_requirements(str(CORPUS / name / "requirements.txt"), str(site))
    return str(site)


def build(name: str, python: str) -> str:
    """`python build.py --requirements requirements.txt` in the function's folder, as its users build
    it, in a work folder of its own (its requirements installed for `python`); the zip's path."""
    work = WORK / name / "native"
    out = work / "dist"
    command = [python, str(ROOT / "build.py"), "--requirements", "requirements.txt"]
    command += ["--out", str(out), "--work-dir", str(work)]
    done = subprocess.run(
        command, cwd=CORPUS / name, capture_output=True, text=True, timeout=1800, check=False
    )
    assert done.returncode == 0, f"building corpus/{name} failed:\n{done.stdout}\n{done.stderr}"
    return str(out / "function.zip")


class NativeBuilds:
    """The native builds of the corpus functions this session tests natively, started together on first
    use, BUILDS_AT_ONCE at a time."""

    def __init__(self, python: str, names: list[str]) -> None:
        self.python = python
        self.names = names
        self.pool: ThreadPoolExecutor | None = None
        self.futures: dict[str, Future] = {}

    def zip(self, name: str) -> str:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(BUILDS_AT_ONCE)
            for function in self.names:
                self.futures[function] = self.pool.submit(build, function, self.python)
        return self.futures[name].result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def native_builds(debian_python, request):
    """The corpus's native builds; asked for only by the native tests (see test_corpus.answer)."""
    # The corpus's own native tests: other folders' tests have a `runtime` parameter too.
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if Path(item.path).parent == HERE
        and getattr(item, "callspec", None)
        and item.callspec.params.get("runtime") == "native"
    }
    builds = NativeBuilds(debian_python, [name for name in FUNCTIONS if name in selected])
    yield builds
    builds.close()


@pytest.fixture(scope="session")
def service_urls():
    """The URL of each service, started on first use and stopped at the end of the session."""
    with contextlib.ExitStack() as stack:
        started: dict[str, str] = {}

        def url(service: str) -> str:
            if service not in started:
                started[service] = stack.enter_context(SERVICES[service]())
            return started[service]

        yield url


def corpus_function(runtime: str, name: str, env: dict[str, str], request) -> Function:
    """A Function running `benchmarks/corpus/<name>` under `runtime` (natively: from the session's
    builds, which `request` is asked for)."""
    if runtime == "native":
        zip_path = request.getfixturevalue("native_builds").zip(name)
        return Function(zip_path, handler="app.handler", env=env)
    env = {**env, "PYTHONPATH": requirements_site(name), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [*INTERPRETED[runtime], "app.handler"]
    return Function(str(CORPUS / name), command=command, handler="app.handler", env=env)
