"""`python build.py` with bad input: each a clear error and exit status 2, before any compiling."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lambda_native.builder.build_error import BuildError
from lambda_native.builder.handler_check import check_handler
from lambda_native.builder.nuitka_command import Progress, run_nuitka

from .conftest import ROOT, run_build

BASE_PYTHON = os.path.join(sys.base_prefix, "bin", "python3")


def function_dir(tmp_path, source: str, name: str = "app.py"):
    src = tmp_path / "fn"
    os.makedirs(os.path.dirname(src / name), exist_ok=True)
    (src / name).write_text(source)
    return src


def fails_with(*args: str, env: dict | None = None, python: str = sys.executable, cwd=None) -> str:
    result = run_build(*args, env=env, python=python, cwd=cwd or ROOT)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("build: error: ")
    assert "starting Nuitka" not in result.stdout
    return result.stderr


def test_src_missing(tmp_path):
    message = fails_with("--src", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert f"--src {tmp_path / 'nope'}: no such directory" in message


def test_src_without_the_handler_module(tmp_path):
    src = function_dir(tmp_path, "def handler(event, context):\n    return 1\n", name="other.py")
    message = fails_with("--src", str(src), "--out", str(tmp_path))
    assert f"module 'app' not found in --src ({src / 'app.py'} does not exist)" in message


@pytest.mark.parametrize(
    "handler",
    ["app", "app.", ".handler", "1app.handler", "app.handler-x", "app..h", "", "lib/.h", "/app.h", "lib/app"],
)
def test_handler_malformed(tmp_path, handler):
    src = function_dir(tmp_path, "def handler(event, context):\n    return 1\n")
    message = fails_with("--handler", handler, "--src", str(src), "--out", str(tmp_path))
    assert f"--handler {handler!r} is malformed: expected MODULE.FUNCTION" in message


@pytest.mark.parametrize(
    "handler", ["lib/inner/mod.handler", "lib/inner.mod.handler", "lib.inner.mod.handler"]
)
def test_a_handler_path_with_slashes_names_the_module_as_awslambdaric_resolves_it(tmp_path, handler):
    src = function_dir(tmp_path, "def handler(event, context):\n    return 1\n", name="lib/inner/mod.py")
    spec = check_handler(handler, str(src))
    assert (spec.module, spec.function, str(spec)) == ("lib.inner.mod", "handler", handler)
    assert spec.path == str(src / "lib" / "inner" / "mod.py")


def test_src_defaults_to_the_folder_of_the_requirements(tmp_path):
    src = function_dir(tmp_path, "def handle(event, context):\n    return 1\n")
    (src / "requirements.txt").write_text("")
    message = fails_with("--requirements", str(src / "requirements.txt"), "--out", str(tmp_path))
    assert f"{src / 'app.py'} defines no 'handler' at top level" in message


def test_src_defaults_to_this_folder_when_it_holds_the_handlers_module(tmp_path):
    src = function_dir(tmp_path, "def handle(event, context):\n    return 1\n")
    message = fails_with("--out", str(tmp_path), cwd=src)
    assert "app.py defines no 'handler' at top level" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--library-mode", "pydantic"], "--library-mode 'pydantic': expected PACKAGE=MODE"),
        (
            ["--library-mode", "pydantic=fast"],
            "--library-mode pydantic=fast: the mode is one of bytecode, compiled",
        ),
    ],
)
def test_a_library_mode_must_be_known(tmp_path, args, expected):
    assert expected in fails_with(*args, "--out", str(tmp_path))


def test_handler_function_missing(tmp_path):
    src = function_dir(
        tmp_path, "import os\n\ndef handle(event, context):\n    return 1\n\ndef other():\n    pass\n"
    )
    message = fails_with("--src", str(src), "--out", str(tmp_path))
    assert "defines no 'handler' at top level (functions defined: handle, other)" in message


def test_handler_module_with_a_syntax_error(tmp_path):
    src = function_dir(tmp_path, "def handler(event, context)\n    return 1\n")
    message = fails_with("--src", str(src), "--out", str(tmp_path))
    assert "app.py:1: syntax error" in message


def test_handler_module_is_parsed_not_imported(tmp_path):
    marker = tmp_path / "imported"
    src = function_dir(tmp_path, f"open({str(marker)!r}, 'w').close()\n\ndef other():\n    pass\n")
    fails_with("--src", str(src), "--out", str(tmp_path))
    assert not marker.exists()


def test_unknown_target(tmp_path):
    message = fails_with("--target", "al2099", "--out", str(tmp_path))
    assert "--target 'al2099' is unknown: choose one of al2023, al2" in message


def test_al2_is_refused_with_the_way_to_build_it(tmp_path):
    message = fails_with("--target", "al2", "--out", str(tmp_path))
    assert "target al2 needs glibc 2.26" in message
    assert "Dockerfile" in message and "docker build" in message


def test_requirements_file_missing(tmp_path):
    message = fails_with("--requirements", str(tmp_path / "requirements.txt"), "--out", str(tmp_path))
    assert "requirements.txt: no such file" in message


@pytest.mark.skipif(not os.path.exists(BASE_PYTHON), reason="no base interpreter beside this venv")
def test_nuitka_missing(tmp_path):
    probe = subprocess.run([BASE_PYTHON, "-c", "import nuitka"], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the base interpreter has Nuitka")
    message = fails_with("--out", str(tmp_path), python=BASE_PYTHON)
    assert f"Nuitka is not installed for {BASE_PYTHON}" in message


@pytest.mark.skipif(not os.path.exists(BASE_PYTHON), reason="no base interpreter beside this venv")
def test_zig_missing_on_a_newer_glibc_host(tmp_path):
    import nuitka

    probe = subprocess.run([BASE_PYTHON, "-c", "import ziglang"], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the base interpreter has ziglang")
    # Nuitka (and nothing else from the venv) visible to the base interpreter, patchelf on PATH.
    site = tmp_path / "site"
    os.makedirs(site)
    os.symlink(os.path.dirname(nuitka.__file__), site / "nuitka")
    env = dict(
        os.environ, PYTHONPATH=str(site), PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"]
    )
    message = fails_with("--out", str(tmp_path), python=BASE_PYTHON, env=env)
    assert "the ziglang wheel is not installed" in message
    assert "docker build" in message


@pytest.mark.parametrize(
    ("source", "handler"),
    [
        ("async def handler(event, context):\n    return 1\n", "app.handler"),
        ("def make():\n    return print\n\nhandler = make()\n", "app.handler"),
        ("try:\n    from json import dumps as handler\nexcept ImportError:\n    pass\n", "app.handler"),
    ],
)
def test_handler_forms_accepted(tmp_path, source, handler):
    src = function_dir(tmp_path, source)
    spec = check_handler(handler, str(src))
    assert (spec.module, spec.function, spec.path) == ("app", "handler", str(src / "app.py"))


def test_handler_in_a_package(tmp_path):
    src = function_dir(tmp_path, "def main(event, context):\n    return 1\n", name="pkg/api/__init__.py")
    spec = check_handler("pkg.api.main", str(src))
    assert spec.path == str(src / "pkg" / "api" / "__init__.py")


def test_handler_that_is_a_class(tmp_path):
    src = function_dir(tmp_path, "class handler:\n    pass\n")
    with pytest.raises(BuildError, match=r"'handler' in .* is a class, not a function"):
        check_handler("app.handler", str(src))


def test_a_failing_compile_shows_the_command_and_its_output(tmp_path, capsys):
    script = (
        "import sys\nprint('Nuitka: Starting Python compilation with:')\nprint('error: boom')\nsys.exit(3)\n"
    )
    command = [sys.executable, "-c", script]
    progress = Progress(sys.stdout)
    with pytest.raises(BuildError) as error:
        run_nuitka(command, dict(os.environ), str(tmp_path), str(tmp_path / "nuitka.log"), progress)
    message = str(error.value)
    assert "Nuitka failed (exit status 3)" in message
    assert "command: " + sys.executable + " -c " in message
    assert "  error: boom" in message
    assert f"full log: {tmp_path / 'nuitka.log'}" in message
    assert "compiling Python to C" in capsys.readouterr().out
    assert "error: boom" in (tmp_path / "nuitka.log").read_text()


def test_a_nuitka_error_is_shown_with_its_command(tmp_path):
    result = run_build(
        "--nuitka-option=--no-such-option", "--out", str(tmp_path), "--work-dir", str(tmp_path / "w")
    )
    assert result.returncode == 2
    assert "Nuitka failed (exit status" in result.stderr
    assert "command: " in result.stderr and "-m nuitka --standalone" in result.stderr
    assert "--no-such-option" in result.stderr
    assert f"full log: {tmp_path / 'w' / 'nuitka.log'}" in result.stderr
    assert not (tmp_path / "function.zip").exists()


def test_nuitka_warnings_are_shown_but_not_the_one_about_our_own_configuration(capsys):
    progress = Progress(sys.stdout)
    progress.line("Nuitka:WARNING: Cannot validate schema due to lack of 'jsonschema' package.\n")
    progress.line("Nuitka-Plugins:WARNING: anti-bloat: Undesirable import of 'setuptools'.\n")
    out = capsys.readouterr().out
    assert "jsonschema" not in out
    assert "Undesirable import of 'setuptools'" in out


def test_repeated_warnings_are_shown_once_then_counted(capsys):
    progress = Progress(sys.stdout)
    for package, name in (("boto3", "a.json"), ("botocore", "b/c.json"), ("boto3", "d.json")):
        progress.line(
            f"Nuitka-Inclusion:WARNING: Duplicate data file '{package}/{name}' from 'package data directory "
            f"'data' for '{package}'' is already provided via 'package '{package}' package data' -- "
            "ignored.\n"
        )
    progress.line("Nuitka-Plugins:WARNING: anti-bloat: Undesirable import of 'setuptools'.\n")
    progress.line("Nuitka-Plugins:WARNING: anti-bloat: Undesirable import of 'pytest'.\n")
    progress.finish(".build/nuitka.log")
    lines = [line.split("] ", 1)[1] for line in capsys.readouterr().out.splitlines()[1:]]
    assert lines == [
        "  Nuitka-Inclusion:WARNING: Duplicate data file 'boto3/a.json' from 'package data directory "
        "'data' for 'boto3'' is already provided via 'package 'boto3' package data' -- ignored.",
        "  Nuitka-Plugins:WARNING: anti-bloat: Undesirable import of 'setuptools'.",
        "  3 duplicate data files ignored (each in .build/nuitka.log)",
        "  2 times: anti-bloat: Undesirable import of '…'. (each in .build/nuitka.log)",
    ]


def build_result(tmp_path, **changes):
    """A BuildResult as a zig build of app.handler for al2023 would give, with `changes` applied."""
    from lambda_native.builder.pipeline import BuildResult
    from lambda_native.builder.target.arch import ARCHES
    from lambda_native.builder.target.toolchain import TARGETS

    fields = dict(
        arch=ARCHES["x86_64"], checked=None, compile_seconds=12.0, data_files=[], file_count=3,
        glibc_floor=(2, 34), handler="app.handler", inspect_deferred=True, log_path=None, precompiled=0,
        stdlib_left_out=200, stdlib_from="CPython 3.11.2 built for x86_64-linux-gnu.2.34 (cache)",
        target=TARGETS["al2023"], toolchain="zig", unzipped_bytes=10**7,
        zip_path=str(tmp_path / "function.zip"), zipped_bytes=4 * 10**6,
    )  # fmt: skip
    return BuildResult(**{**fields, **changes})


def test_the_summary_names_the_precompiled_sources_only_when_there_are_some(tmp_path):
    from lambda_native.commands.build import summary

    with_table = summary(build_result(tmp_path, precompiled=368), str(tmp_path))
    assert (
        "  precompiled   368 generated sources and regular expressions of the function's libraries"
        in with_table.splitlines()
    )
    assert "precompiled" not in summary(build_result(tmp_path), str(tmp_path))
    assert "  start-up      not checked (--no-check)" in with_table.splitlines()
    assert "  stdlib from   CPython 3.11.2 built for x86_64-linux-gnu.2.34 (cache)" in with_table.splitlines()


def test_the_summary_counts_data_files_in_words(tmp_path):
    from lambda_native.commands.build import summary

    def files_line(data_files: list[str]) -> str:
        text = summary(build_result(tmp_path, data_files=data_files), "src")
        return next(line for line in text.splitlines() if line.startswith("  files"))

    assert files_line(["a.txt"]) == "  files         3 (1 data file from src)"
    assert files_line([]) == "  files         3 (0 data files from src)"
    assert files_line(["a.txt", "b.txt"]) == "  files         3 (2 data files from src)"
