"""Docker: the Dockerfile builds examples/hello on a Debian base made here, and the native build runs in a
container with no Python at all, answering the emulator on the host's 127.0.0.1.

Needs a Docker daemon (DOCKER_HOST, or the default socket); the base image is made with debootstrap when
it is missing. No registry is used: builds run with the classic builder and host networking. Where the
build container cannot reach PyPI, set LAMBDA_NATIVE_TEST_PIP_FIND_LINKS to a wheelhouse URL.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
import zipfile

import orjson
import pytest

from lambda_native.build import glibc
from lambda_native.emulator import Function

from .conftest import ROOT

pytestmark = pytest.mark.docker

BASE_IMAGE = "lambda-native-test/debian-minbase:bookworm"
EXPORT = "lambda-native-test/hello-export"
# What the runtime reads from its environment; `docker run -e NAME` passes each on from the emulator.
FORWARDED = (
    "AWS_LAMBDA_RUNTIME_API",
    "_HANDLER",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "TZ",
    "LANG",
)


# Signs in a failed build that the container had no usable route to PyPI (e.g. a TLS-inspecting proxy
# whose CA only the host trusts): an environment limit, not a defect of the Dockerfile.
OFFLINE_MARKERS = (
    "CERTIFICATE_VERIFY_FAILED",
    "Could not fetch URL",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def docker(*args: str, check: bool = True, timeout: float = 1800, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    return subprocess.run(
        ["docker", *args], env=env, capture_output=True, text=True, timeout=timeout, check=check, **kwargs
    )


@pytest.fixture(scope="session")
def daemon():
    if shutil.which("docker") is None:
        pytest.skip("no docker client")
    info = docker("info", check=False, timeout=30)
    if info.returncode != 0:
        pytest.skip(f"no Docker daemon: {info.stderr.strip()}")


@pytest.fixture(scope="session")
def base_image(daemon, tmp_path_factory) -> str:
    """A Debian bookworm minbase image (no Python), imported from debootstrap's output if missing."""
    if docker("image", "inspect", BASE_IMAGE, check=False).returncode == 0:
        return BASE_IMAGE
    if shutil.which("debootstrap") is None:
        pytest.skip("no base image and no debootstrap to make one")
    rootfs = tmp_path_factory.mktemp("rootfs")
    subprocess.run(
        ["debootstrap", "--variant=minbase", "bookworm", str(rootfs)], check=True, capture_output=True
    )
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    docker("import", "-", BASE_IMAGE, stdin=tar.stdout)
    assert tar.wait() == 0
    return BASE_IMAGE


def build_target(base: str, target: str, tag: str) -> None:
    args = ["--build-arg", f"BASE_IMAGE={base}"]
    wheelhouse = os.environ.get("LAMBDA_NATIVE_TEST_PIP_FIND_LINKS")
    if wheelhouse:  # where the container cannot reach PyPI: a wheelhouse URL (served on 127.0.0.1)
        args += ["--build-arg", "PIP_NO_INDEX=1", "--build-arg", f"PIP_FIND_LINKS={wheelhouse}"]
    result = docker("build", "--network", "host", *args, "--target", target, "-t", tag, ROOT, check=False)
    output = result.stdout + result.stderr
    unreachable = [marker for marker in OFFLINE_MARKERS if marker in output]
    if result.returncode != 0 and unreachable:
        pytest.skip(f"the build container cannot reach the package index ({unreachable[0]})")
    assert result.returncode == 0, output[-10000:]


@pytest.fixture(scope="session")
def docker_zip(base_image, tmp_path_factory) -> str:
    """dist/function.zip as the Dockerfile's export stage leaves it (taken out with create + cp)."""
    build_target(base_image, "export", EXPORT)
    container = docker("create", EXPORT, "/none").stdout.strip()
    out = tmp_path_factory.mktemp("docker-dist")
    try:
        docker("cp", f"{container}:/function.zip", str(out / "function.zip"))
    finally:
        docker("rm", container)
    return str(out / "function.zip")


def test_dockerfile_builds_the_example_zip(docker_zip, tmp_path):
    with zipfile.ZipFile(docker_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert stat.S_IMODE(infos["bootstrap"].external_attr >> 16) == 0o755
        assert "greeting.txt" in infos
        archive.extractall(tmp_path)
    assert glibc.floor_of(glibc.scan_tree(str(tmp_path))) <= (2, 34)
    with Function(docker_zip) as fn:
        assert fn.invoke({"name": "Docker"}).json()["message"] == "Hello, Docker!"


def test_the_zip_runs_in_a_container_without_python(base_image, task_root):
    probe = docker(
        "run", "--rm", "--network", "none", base_image, "sh", "-c", "command -v python3 python || true"
    )
    assert probe.stdout.strip() == "", "the base image must hold no Python"
    name = f"lambda-native-test-{uuid.uuid4().hex[:8]}"
    # The unpacked zip as /var/task, read-only; host networking reaches the emulator on 127.0.0.1.
    # The emulator gives its runtime Lambda's environment, not ours: name the daemon explicitly.
    daemon = ["-H", os.environ["DOCKER_HOST"]] if os.environ.get("DOCKER_HOST") else []
    command = ["docker", *daemon, "run", "--rm", "--name", name, "--network", "host"]
    command += ["-v", f"{task_root}:/var/task:ro", "-w", "/var/task", "-e", "LAMBDA_TASK_ROOT=/var/task"]
    for variable in FORWARDED:
        command += ["-e", variable]
    try:
        bootstrap = [*command, base_image, "/var/task/bootstrap"]
        with Function(None, command=bootstrap, handler="app.handler", timeout=30) as fn:
            result = fn.invoke({"name": "container"})
            assert result.ok, result.payload
            assert result.json()["message"] == "Hello, container!"
            error = fn.invoke({"error": "boom"})
            assert error.status == "error"
            assert orjson.loads(error.payload)["errorType"] == "ValueError"
    finally:
        docker("rm", "-f", name, check=False)
