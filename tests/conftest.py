"""Fixtures every folder of the suite may use."""

import os
import subprocess

import pytest

from benchmarks import services

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def moto_server():
    """moto's server mode on 127.0.0.1: a local stand-in for AWS services (S3, DynamoDB, SQS, Lambda,
    IAM). Its URL."""
    with services.moto_server() as url:
        yield url


SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="session")
def debian_python(tmp_path_factory) -> str:
    """A venv of Debian's own python3 with this checkout installed for building."""
    if not os.path.exists(SYSTEM_PYTHON):
        pytest.skip("no Debian python3 (its source is what the target CPython tests can fetch here)")
    venv = tmp_path_factory.mktemp("debian-venv")
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", ROOT + "[build]"]
    subprocess.run(install, check=True, capture_output=True, timeout=900)
    return python
