"""An arm64 bootstrap on this x86_64 host runs under qemu's user-mode emulation, labelled as such."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import orjson
import pytest

from lambda_native.emulator import Function, qemu
from lambda_native.emulator.platform_log import parse_report, report_line
from lambda_native.emulator.task_root import PackageError, open_package

C_FLOOR = os.path.join(os.path.dirname(__file__), "..", "..", "bootstrap.c")
needs_qemu = pytest.mark.skipif(
    qemu.find_qemu("aarch64") is None or qemu.find_ld_prefix("aarch64") is None,
    reason="qemu-user-static and libc6-arm64-cross are not installed (setup.sh installs them)",
)


def zig() -> str:
    from lambda_native.builder.target.toolchain import find_zig

    found = find_zig()
    if found is None:
        pytest.skip("the ziglang wheel is not installed")
    return found


@pytest.fixture(scope="module")
def arm64_folder(tmp_path_factory) -> str:
    """The C floor runtime (bootstrap.c, echoes each event) compiled for aarch64 Linux."""
    folder = tmp_path_factory.mktemp("arm64-task")
    command = [
        zig(),
        "cc",
        "-target",
        "aarch64-linux-gnu.2.34",
        "-O2",
        "-o",
        str(folder / "bootstrap"),
        C_FLOOR,
    ]
    subprocess.run(command, check=True, capture_output=True)
    return str(folder)


def test_the_cpu_of_an_executable_is_read_from_its_elf_header(arm64_folder, tmp_path):
    assert qemu.elf_cpu(os.path.join(arm64_folder, "bootstrap")) == "aarch64"
    assert qemu.elf_cpu(os.path.realpath(sys.executable)) == "x86_64"
    script = tmp_path / "bootstrap"
    script.write_text("#!/bin/sh\nexit 0\n")
    assert qemu.elf_cpu(str(script)) is None


@needs_qemu
@pytest.mark.parametrize("sandbox", [False, True])
def test_an_arm64_bootstrap_answers_through_qemu_and_its_report_says_emulated(arm64_folder, sandbox):
    event = {"from": "an arm64 invoke"}
    with Function(arm64_folder, sandbox=sandbox) as fn:
        assert fn.package.argv[0] == qemu.find_qemu("aarch64")
        result = fn.invoke(orjson.dumps(event))
        with open(f"/proc/{fn.environment.proc.pid}/mountinfo") as f:
            mount_points = [line.split()[4] for line in f]
    assert ("/var/task" in mount_points) == sandbox  # qemu runs /var/task/bootstrap in the sandbox
    assert result.ok, result.payload
    assert orjson.loads(result.payload) == event
    fields = parse_report(result.report)
    assert fields["Init Duration"].endswith(" ms (emulated by qemu-aarch64, not the real CPU's)")
    assert fields["Max Memory Used"].endswith("(emulated by qemu-aarch64, not the real CPU's)")


def test_a_native_report_has_no_label():
    line = report_line("id", 1.0, 128, 20, 5.0)
    assert "emulated" not in line
    assert parse_report(line)["Init Duration"] == "5.00 ms"


def test_without_qemu_the_error_says_how_to_install_it(arm64_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PackageError) as caught:
        open_package(arm64_folder)
    message = str(caught.value)
    assert "bootstrap is built for aarch64" in message
    assert "apt-get install qemu-user-static libc6-arm64-cross" in message


def test_without_the_arm64_glibc_the_error_says_how_to_install_it(arm64_folder, tmp_path, monkeypatch):
    fake_qemu = tmp_path / "qemu-aarch64-static"
    fake_qemu.write_text("#!/bin/sh\n")
    fake_qemu.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(qemu, "find_ld_prefix", lambda cpu: None)
    with pytest.raises(PackageError, match=r"dynamic loader and glibc .*libc6-arm64-cross"):
        open_package(arm64_folder)


def test_a_zip_whose_bootstrap_cannot_run_leaves_no_folder_behind(arm64_folder, tmp_path, monkeypatch):
    zip_path = shutil.make_archive(str(tmp_path / "function"), "zip", arm64_folder)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    os.makedirs(tmp_path / "tmp")
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(PackageError, match="qemu"):
        open_package(zip_path)
    assert os.listdir(tmp_path / "tmp") == []


def test_qemu_ld_prefix_names_the_glibc_folder(tmp_path, monkeypatch):
    loader = tmp_path / "lib" / "ld-linux-aarch64.so.1"
    loader.parent.mkdir()
    loader.write_bytes(b"")
    monkeypatch.setenv("QEMU_LD_PREFIX", str(tmp_path))
    assert qemu.find_ld_prefix("aarch64") == str(tmp_path)
    assert qemu.find_ld_prefix("aarch64", candidates=(str(tmp_path / "nothing"),)) is None
