"""examples/sam: the real SAM CLI (`sam build`, `sam validate --lint`) on our templates, then the build
it made run by `lambda-native invoke --template`, with fake credentials and no endpoint but loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import orjson
import pytest

from .conftest import EXAMPLES, ROOT, WORK

# Installed on first use into a venv of its own, kept between sessions: it pins its own boto3, click and
# Flask, which the project's environment does not share (docs/sam.md).
SAM_CLI = "aws-sam-cli"
SAM_VENV = WORK / "sam-cli"
TEMPLATES = sorted(EXAMPLES.glob("*/template.yaml"))


@pytest.fixture(scope="module")
def sam() -> str:
    """The `sam` command, installed into SAM_VENV unless it is there already."""
    command = SAM_VENV / "bin" / "sam"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SAM_VENV)], check=True, timeout=300)
        pip = [
            str(SAM_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, SAM_CLI], check=True, timeout=1200)
    return str(command)


def sam_env() -> dict[str, str]:
    """SAM without telemetry or AWS: fake credentials, no instance metadata, an endpoint nothing serves;
    this environment's `lambda-native` and `python` first on PATH, for the Makefile."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return {
        **env,
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")]),
        "SAM_CLI_TELEMETRY": "0",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }


# Native-marked with the build below: both need the SAM CLI installed (a minute, once); the quick suite
# lints every template with cfn-lint instead (tests/builder/test_template.py).
@pytest.mark.native
@pytest.mark.parametrize("template", TEMPLATES, ids=[t.parent.name for t in TEMPLATES])
def test_sam_validate_lint_passes(sam, template):
    done = subprocess.run(
        [sam, "validate", "--lint", "--template", str(template)],
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid SAM Template" in done.stdout + done.stderr


@pytest.mark.native
def test_sam_build_makes_the_native_bootstrap_and_invoke_runs_it(sam, tmp_path):
    project = tmp_path / "sam"
    shutil.copytree(EXAMPLES / "sam", project)
    built = subprocess.run(
        [sam, "build"], cwd=project, env=sam_env(), capture_output=True, text=True, timeout=1800, check=False
    )
    assert built.returncode == 0, built.stdout + built.stderr
    artifacts = project / ".aws-sam" / "build" / "GreeterFunction"
    bootstrap = artifacts / "bootstrap"
    assert os.access(bootstrap, os.X_OK)
    assert bootstrap.read_bytes()[:4] == b"\x7fELF"
    assert not (artifacts / "Makefile").exists()  # a build file, not the function's
    invoked = subprocess.run(
        [
            sys.executable,
            *("-m", "lambda_native.cli", "invoke"),
            *("--template", str(project / ".aws-sam" / "build" / "template.yaml")),
            *("--event", str(project / "event.json")),
        ],
        cwd=ROOT,
        env=sam_env(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert invoked.returncode == 0, invoked.stderr.decode()
    assert orjson.loads(invoked.stdout) == {"greeting": "Hello, SAM!", "function": "GreeterFunction"}
    assert b"Init Duration" in invoked.stderr
