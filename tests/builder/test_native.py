"""The native build of examples/hello, end to end: one Nuitka build per session (reused from setup.sh's
dist/function.zip when that is newer than every input), run by the project's emulator as Lambda runs it:
unpacked into a task root, with a real Runtime API on 127.0.0.1."""

from __future__ import annotations

import os
import stat
import zipfile

import orjson
import pytest

from lambda_native.builder import archive as package
from lambda_native.builder.target import glibc
from lambda_native.builder.target.arch import ARCHES
from lambda_native.builder.target.target_dist import check_machine
from lambda_native.emulator import Function

pytestmark = pytest.mark.native


def test_zip_has_an_executable_bootstrap_the_data_file_and_the_functions_source(native_zip):
    with zipfile.ZipFile(native_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert package.recorded_handler(archive) == "app.handler"  # for `lambda-native deploy`
    assert stat.S_IMODE(infos["bootstrap"].external_attr >> 16) == 0o755
    assert "greeting.txt" in infos
    # app.py is compiled in, and shipped for its stack traces' source lines; nothing else is Python.
    assert [name for name in infos if name.endswith((".py", ".pyc"))] == ["app.py"]


def test_glibc_floor_fits_al2023(task_root):
    needs = glibc.scan_tree(task_root)
    assert needs, "a native build has ELF files"
    assert glibc.floor_of(needs) <= (2, 34), [n.describe() for n in needs[:3]]


def test_the_default_build_here_is_x86_64_throughout_and_runs_without_emulation(task_root):
    check_machine(task_root, ARCHES["x86_64"])  # every ELF file x86_64, bootstrap's loader Lambda's
    with Function(task_root) as fn:
        assert fn.package.emulator is None
        assert "emulated" not in fn.invoke(b"{}").report


def test_invoke_succeeds_and_reads_the_data_file(native_zip):
    with Function(native_zip) as fn:
        result = fn.invoke({"name": "Ada"})
        assert result.ok, result.payload
        assert result.cold
        assert result.json()["message"] == "Hello, Ada!"
        assert result.json()["request_id"] == result.request_id
        warm = fn.invoke({"name": "Grace"})
        assert not warm.cold
        assert warm.json()["message"] == "Hello, Grace!"


def test_the_data_file_is_read_at_run_time_from_the_task_root(task_root):
    greeting = os.path.join(task_root, "greeting.txt")
    with open(greeting) as f:
        original = f.read()
    try:
        with open(greeting, "w") as f:
            f.write("Bonjour\n")
        with Function(task_root) as fn:
            assert fn.invoke({"name": "Ada"}).json()["message"] == "Bonjour, Ada!"
    finally:
        with open(greeting, "w") as f:
            f.write(original)


def test_handler_exception_is_the_official_error_document(native_zip):
    with Function(native_zip) as fn:
        result = fn.invoke({"error": "boom"})
        assert result.status == "error"
        document = orjson.loads(result.payload)
        assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert document["errorMessage"] == "boom"
        assert document["errorType"] == "ValueError"
        assert document["requestId"] == result.request_id
        # The frame of the compiled handler, with its source line, as the python runtime shows it.
        [frame] = document["stackTrace"]
        assert frame.endswith(', in handler\n    raise ValueError(event["error"])\n'), frame
        # The runtime carries on: the next invoke, warm, succeeds.
        after = fn.invoke({"name": "again"})
        assert after.ok and not after.cold


def test_a_handler_setting_that_names_no_compiled_module_is_an_init_error(native_zip):
    with Function(native_zip, handler="missing.handler") as fn:
        result = fn.invoke({})
        assert result.status == "error"
        document = orjson.loads(result.payload)
        assert "missing" in document["errorMessage"]
        assert "app.handler" in document["errorMessage"]  # what this bootstrap was built with


def read_only_pages_of_bootstrap(pid: int) -> tuple[int, int]:
    """(kB mapped, kB resident) of the bootstrap's read-only data mappings, from /proc/PID/smaps."""
    mapped = resident = 0
    ours = False
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                ours = len(fields) > 5 and fields[5].endswith("/bootstrap") and fields[1] == "r--p"
            elif ours and fields[0] == "Size:":
                mapped += int(fields[1])
            elif ours and fields[0] == "Rss:":
                resident += int(fields[1])
    return mapped, resident


def test_bytecode_pages_are_given_back_once_unmarshalled(native_zip):
    """The standard library ships as bytecode inside the bootstrap; the patched Nuitka gives its pages back
    once a module is unmarshalled, so most of the executable's read-only data is not resident after a cold
    start (unpatched, 88% of it is for this build: all the bytecode, imported or not)."""
    with Function(native_zip) as fn:
        assert fn.invoke({"name": "Ada"}).ok
        mapped, resident = read_only_pages_of_bootstrap(fn.environment.proc.pid)
    assert mapped > 2048  # the bytecode of the standard library it ships, and more
    assert resident < 0.6 * mapped, (resident, mapped)
