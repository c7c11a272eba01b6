"""Docker: the Dockerfile builds examples/hello on a base image made here, its `image` target runs the
native bootstrap with no Python in the image, and the native zip runs in a Python-free Debian container;
each answering the emulator on the host's 127.0.0.1.

Needs a Docker daemon (DOCKER_HOST, or the default socket); base images are made with debootstrap when
missing. No registry is used: builds run with the classic builder and host networking. Where the build
container cannot reach PyPI, set LAMBDA_NATIVE_TEST_PIP_FIND_LINKS to a wheelhouse URL.

The Dockerfile is built on Ubuntu 22.04, not Debian 12: Debian 12's Python links its libexpat, which
needs arc4random_buf@GLIBC_2.36, so no Debian 12 Python can produce a binary for al2023's glibc 2.34
(zig refuses the link, as it should). Ubuntu 22.04's glibc is 2.35: zig is still exercised.
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

from lambda_native.builder.target import glibc
from lambda_native.emulator import Function

from .conftest import ROOT

pytestmark = pytest.mark.docker

DEBIAN = ("lambda-native-test/debian-minbase:bookworm", "bookworm", "http://deb.debian.org/debian", "main")
UBUNTU = (
    "lambda-native-test/ubuntu-minbase:jammy",
    "jammy",
    "http://archive.ubuntu.com/ubuntu",
    "main universe",
)
UBUNTU_KEYRING = "/usr/share/keyrings/ubuntu-archive-keyring.gpg"
EXPORT = "lambda-native-test/hello-export"
IMAGE = "lambda-native-test/hello-image"
# Signs in a failed build that the container had no usable route to PyPI (e.g. a TLS-inspecting proxy
# whose CA only the host trusts): an environment limit, not a defect of the Dockerfile.
OFFLINE_MARKERS = (
    "CERTIFICATE_VERIFY_FAILED",
    "Could not fetch URL",
    "Temporary failure in name resolution",
    "Network is unreachable",
)
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


def minbase_image(spec: tuple[str, str, str, str], folder) -> str:
    """A minbase image (no Python) of `spec`, imported from debootstrap's output if missing."""
    name, suite, mirror, components = spec
    if docker("image", "inspect", name, check=False).returncode == 0:
        return name
    if shutil.which("debootstrap") is None:
        pytest.skip(f"no image {name} and no debootstrap to make one")
    command = ["debootstrap", "--variant=minbase", f"--components={components.replace(' ', ',')}"]
    if suite == "jammy":
        # A Debian host has no Ubuntu keyring to check the release against unless it was installed.
        command.append(f"--keyring={UBUNTU_KEYRING}" if os.path.exists(UBUNTU_KEYRING) else "--no-check-gpg")
    subprocess.run([*command, suite, str(folder), mirror], check=True, capture_output=True)
    with open(folder / "etc" / "apt" / "sources.list", "w") as f:
        f.write(f"deb {mirror} {suite} {components}\n")
    tar = subprocess.Popen(["tar", "-C", str(folder), "-c", "."], stdout=subprocess.PIPE)
    docker("import", "-", name, stdin=tar.stdout)
    assert tar.wait() == 0
    return name


@pytest.fixture(scope="session")
def debian_image(daemon, tmp_path_factory) -> str:
    return minbase_image(DEBIAN, tmp_path_factory.mktemp("debian-rootfs"))


@pytest.fixture(scope="session")
def ubuntu_image(daemon, tmp_path_factory) -> str:
    return minbase_image(UBUNTU, tmp_path_factory.mktemp("ubuntu-rootfs"))


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
def docker_zip(ubuntu_image, tmp_path_factory) -> str:
    """dist/function.zip as the Dockerfile's export stage leaves it (taken out with create + cp)."""
    build_target(ubuntu_image, "export", EXPORT)
    container = docker("create", EXPORT, "/none").stdout.strip()
    out = tmp_path_factory.mktemp("docker-dist")
    try:
        docker("cp", f"{container}:/function.zip", str(out / "function.zip"))
    finally:
        docker("rm", container)
    return str(out / "function.zip")


def has_no_python(image: str) -> bool:
    probe = docker(
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        "command -v python3 python || true",
    )
    return probe.stdout.strip() == ""


def container_command(name: str, *args: str) -> list[str]:
    """`docker run` on host networking (the emulator is on 127.0.0.1), passing the runtime's variables."""
    # The emulator gives its runtime Lambda's environment, not ours: name the daemon explicitly.
    daemon = ["-H", os.environ["DOCKER_HOST"]] if os.environ.get("DOCKER_HOST") else []
    command = ["docker", *daemon, "run", "--rm", "--name", name, "--network", "host"]
    for variable in FORWARDED:
        command += ["-e", variable]
    return [*command, *args]


def invoke_in_container(command: list[str], name: str) -> None:
    try:
        with Function(None, command=command, handler="app.handler", timeout=30) as fn:
            result = fn.invoke({"name": "container"})
            assert result.ok, result.payload
            assert result.json()["message"] == "Hello, container!"
            error = fn.invoke({"error": "boom"})
            assert error.status == "error"
            assert orjson.loads(error.payload)["errorType"] == "ValueError"
    finally:
        docker("rm", "-f", name, check=False)


def test_dockerfile_builds_the_example_zip(docker_zip, tmp_path):
    with zipfile.ZipFile(docker_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert stat.S_IMODE(infos["bootstrap"].external_attr >> 16) == 0o755
        assert "greeting.txt" in infos
        archive.extractall(tmp_path)
    assert glibc.floor_of(glibc.scan_tree(str(tmp_path))) <= (2, 34)
    with Function(docker_zip) as fn:
        assert fn.invoke({"name": "Docker"}).json()["message"] == "Hello, Docker!"


def test_dockerfile_image_runs_the_bootstrap_without_python(ubuntu_image, docker_zip):
    build_target(ubuntu_image, "image", IMAGE)
    assert has_no_python(IMAGE), "the image must hold no Python"
    name = f"lambda-native-test-{uuid.uuid4().hex[:8]}"
    invoke_in_container(container_command(name, IMAGE), name)


def test_the_native_zip_runs_in_a_debian_container_without_python(debian_image, task_root):
    assert has_no_python(debian_image), "the base image must hold no Python"
    name = f"lambda-native-test-{uuid.uuid4().hex[:8]}"
    # The unpacked zip as /var/task, read-only.
    mount = ["-v", f"{task_root}:/var/task:ro", "-w", "/var/task", "-e", "LAMBDA_TASK_ROOT=/var/task"]
    invoke_in_container(container_command(name, *mount, debian_image, "/var/task/bootstrap"), name)
