"""`python build.py --arch arm64` end to end: examples/hello and a function with a compiled dependency
(pydantic-core) cross-built for aarch64, their ELF files checked, and invoked through qemu.

Marked `arm64`: the first run builds CPython for aarch64 (about 3 minutes on 2 cores, then cached in
~/.cache/lambda-native) and a venv of Debian's python3, whose exact source Debian's archive has (the arm64
build needs the source of the very version that runs it; pyenv's versions' sources are not reachable here).
"""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from lambda_native.builder.target import glibc
from lambda_native.builder.target.arch import ARCHES
from lambda_native.builder.target.elf import read_elf
from lambda_native.builder.target.glibc import elf_files
from lambda_native.builder.target.target_dist import check_machine
from lambda_native.emulator.task_root import extract_zip

from .conftest import ROOT

pytestmark = pytest.mark.arm64
LAMBDA_NATIVE = os.path.join(os.path.dirname(sys.executable), "lambda-native")
ARM64 = ARCHES["arm64"]

VALIDATE_APP = """
from pydantic_core import SchemaValidator, ValidationError, core_schema

ORDER = SchemaValidator(
    core_schema.typed_dict_schema(
        {
            "item": core_schema.typed_dict_field(core_schema.str_schema(min_length=1)),
            "quantity": core_schema.typed_dict_field(core_schema.int_schema(gt=0)),
        }
    )
)


def handler(event, context):
    try:
        order = ORDER.validate_python(event)
    except ValidationError as exc:
        return {"valid": False, "errors": exc.error_count()}
    return {"valid": True, "order": order}
"""


def build_arm64(python: str, out, *args: str):
    """`nice -n 10 python build.py --arch arm64 ARGS` into `out`, as a user on a shared machine runs it."""
    result = subprocess.run(
        ["nice", "-n", "10", python, os.path.join(ROOT, "build.py"), "--arch", "arm64", "--out", str(out),
         "--work-dir", str(out / "work"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def arm64_hello(debian_python, tmp_path_factory):
    """examples/hello built for arm64: (the zip, the build's output)."""
    out = tmp_path_factory.mktemp("arm64-hello")
    result = build_arm64(debian_python, out)
    return str(out / "function.zip"), result.stdout


def unpacked(zip_path: str, dest) -> str:
    """The zip unpacked with its modes, as Lambda unpacks it."""
    extract_zip(zip_path, dest)
    return str(dest)


def invoke(zip_path: str, event: dict) -> subprocess.CompletedProcess:
    """`lambda-native invoke ZIP` with `event` on stdin, as a user runs it."""
    return subprocess.run(
        [LAMBDA_NATIVE, "invoke", zip_path],
        input=orjson.dumps(event),
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_hello_for_arm64_is_aarch64_throughout_and_needs_glibc_234_at_most(arm64_hello, tmp_path):
    root = unpacked(arm64_hello[0], tmp_path)
    bootstrap = read_elf(os.path.join(root, "bootstrap"))
    assert bootstrap.machine == "EM_AARCH64"
    assert bootstrap.interpreter == "/lib/ld-linux-aarch64.so.1"
    check_machine(root, ARM64)
    assert len(elf_files(root)) > 3  # bootstrap, the stdlib's modules, orjson
    assert os.path.isfile(os.path.join(root, "orjson", "orjson.so"))
    floor = glibc.floor_of(glibc.scan_tree(root))
    assert floor is not None and (2, 17) <= floor <= (2, 34)


def test_the_summary_says_arm64_and_how_to_deploy_it(arm64_hello):
    summary = arm64_hello[1]
    assert "runtime provided.al2023, architecture arm64" in summary
    assert "zig cc -target aarch64-linux-gnu.2.34" in summary
    assert "--architectures arm64 (SAM: Architectures: [arm64])" in summary
    assert "glibc floor   2." in summary


def test_hello_for_arm64_answers_under_qemu(arm64_hello):
    result = invoke(arm64_hello[0], {"name": "Graviton"})
    assert result.returncode == 0, result.stderr.decode()
    answer = orjson.loads(result.stdout)
    assert answer["message"] == "Hello, Graviton!"
    report = [line for line in result.stderr.decode().splitlines() if line.startswith("REPORT")]
    assert "Init Duration:" in report[0]
    assert "(emulated by qemu-aarch64, not the real CPU's)" in report[0]


def test_a_function_with_pydantic_core_from_requirements_runs_on_arm64(debian_python, tmp_path_factory):
    src = tmp_path_factory.mktemp("validate-src")
    (src / "app.py").write_text(VALIDATE_APP)
    (src / "requirements.txt").write_text("pydantic-core\n")
    out = tmp_path_factory.mktemp("arm64-validate")
    build_arm64(debian_python, out, "--src", str(src), "--requirements", str(src / "requirements.txt"))
    zip_path = str(out / "function.zip")
    root = unpacked(zip_path, tmp_path_factory.mktemp("validate-root"))
    [module] = [path for path in elf_files(root) if "pydantic_core" in path]
    assert read_elf(module).machine == "EM_AARCH64"
    check_machine(root, ARM64)
    good = invoke(zip_path, {"item": "widget", "quantity": 3})
    assert good.returncode == 0, good.stderr.decode()
    assert orjson.loads(good.stdout) == {"valid": True, "order": {"item": "widget", "quantity": 3}}
    bad = invoke(zip_path, {"item": "", "quantity": 0})
    assert orjson.loads(bad.stdout) == {"valid": False, "errors": 2}
