"""`lambda-native deploy`, run as a user runs it, against moto's Lambda and IAM on 127.0.0.1 (never AWS)."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile

import boto3
import orjson
import pytest

from lambda_native.builder import archive as package

REGION = "us-east-1"
# An ELF header up to e_machine: 64-bit, little-endian, an executable for x86-64 (62) or AArch64 (183).
ELF = {"x86_64": b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00", "arm64": None}
ELF["arm64"] = ELF["x86_64"] + (183).to_bytes(2, "little")
ELF["x86_64"] += (62).to_bytes(2, "little")
ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def aws_env(endpoint: str, tmp_path, **credentials: str) -> dict[str, str]:
    """This shell's environment without AWS settings, pointed at `endpoint` with `credentials`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return {
        **env,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        **credentials,
    }


FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def deploy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lambda_native.cli", "deploy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def function_zip(tmp_path, arch: str = "x86_64", handler: str | None = "app.handler", name: str = "f.zip"):
    """A zip as the build writes it: an executable `bootstrap` for `arch`, a source file, the handler."""
    root = tmp_path / f"root-{name}"
    root.mkdir()
    (root / "bootstrap").write_bytes(ELF[arch] + bytes(64))
    os.chmod(root / "bootstrap", 0o755)
    (root / "app.py").write_text("def handler(event, context):\n    return event\n")
    path = tmp_path / name
    package.write_zip(str(root), str(path), handler)
    return path


@pytest.fixture
def aws(moto_server, tmp_path):
    """(the CLI's environment, a boto3 session on moto, an execution role's ARN)."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    iam = session.client("iam", endpoint_url=moto_server)
    name = f"exec-{tmp_path.name[-20:]}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=orjson.dumps(ASSUME_LAMBDA).decode())
    return (
        aws_env(moto_server, tmp_path, **FAKE_CREDENTIALS),
        session.client("lambda", endpoint_url=moto_server),
        role["Role"]["Arn"],
    )


def sha256(path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_create_then_update(aws, tmp_path):
    env, client, role = aws
    name = f"fn-{tmp_path.name[-20:]}"
    first = function_zip(tmp_path, "arm64", "app.handler", "first.zip")
    created = deploy(env, str(first), "--function-name", name, "--role", role, "--region", REGION)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"created {name}: provided.al2023, arm64, handler app.handler")
    config = client.get_function_configuration(FunctionName=name)
    assert (config["Runtime"], config["Architectures"], config["Handler"]) == (
        "provided.al2023",
        ["arm64"],
        "app.handler",
    )
    assert config["Role"] == role and config["State"] == "Active"
    assert config["CodeSha256"] == sha256(first)

    second = function_zip(tmp_path, "x86_64", "lib/inner/app.handler", "second.zip")
    updated = deploy(env, str(second), "--function-name", name, "--region", REGION, "--memory", "512")
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.startswith(f"updated {name}: provided.al2023")
    config = client.get_function_configuration(FunctionName=name)
    assert config["CodeSha256"] == sha256(second)
    assert (config["Handler"], config["MemorySize"], config["Role"]) == ("lib/inner/app.handler", 512, role)
    assert config["LastUpdateStatus"] == "Successful"


def test_handler_option_wins_and_a_zip_without_a_record_needs_it(aws, tmp_path):
    env, client, role = aws
    name = f"fn-{tmp_path.name[-20:]}"
    bare = function_zip(tmp_path, handler=None)
    refused = deploy(env, str(bare), "--function-name", name, "--role", role, "--region", REGION)
    assert refused.returncode == 2
    assert "does not record the handler it was built with" in refused.stderr
    assert "pass --handler MODULE.FUNCTION" in refused.stderr
    done = deploy(
        env, str(bare), "--function-name", name, "--role", role, "--region", REGION, "--handler", "x.y"
    )
    assert done.returncode == 0, done.stderr
    assert client.get_function_configuration(FunctionName=name)["Handler"] == "x.y"


def test_creating_needs_a_role(aws, tmp_path):
    env, client, _ = aws
    name = f"fn-{tmp_path.name[-20:]}"
    result = deploy(env, str(function_zip(tmp_path)), "--function-name", name, "--region", REGION)
    assert result.returncode == 2
    assert (
        f"function {name} does not exist yet, and creating it needs an execution role: pass --role"
        in result.stderr
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName=name)


def test_a_role_lambda_cannot_assume_is_awss_error(aws, tmp_path):
    env, _, role = aws
    missing = role.rsplit("/", 1)[0] + "/no-such-role"
    result = deploy(
        env, str(function_zip(tmp_path)), "--function-name", "f", "--role", missing, "--region", REGION
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lambda-native deploy: CreateFunction failed: InvalidParameterValueException: "
        "The role defined for the function cannot be assumed by Lambda."
    )


def test_without_credentials(moto_server, tmp_path):
    env = aws_env(moto_server, tmp_path)
    result = deploy(env, str(function_zip(tmp_path)), "--function-name", "f", "--region", REGION)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lambda-native deploy: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "run `aws configure` (or `aws sso login`), or pass --profile NAME"
    )


def test_without_a_region(moto_server, tmp_path):
    env = aws_env(moto_server, tmp_path, **FAKE_CREDENTIALS)
    result = deploy(env, str(function_zip(tmp_path)), "--function-name", "f")
    assert result.returncode == 2
    assert "no AWS region: pass --region" in result.stderr


def write_zip(path, entries: dict[str, bytes], mode: int = 0o755, compress=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compress) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (0o100000 | (mode if name == "bootstrap" else 0o644)) << 16
            info.compress_type = compress
            archive.writestr(info, data)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda path: write_zip(path, {"app.py": b"", "lib/x.py": b""}),
            "has no 'bootstrap' at its root, the file the provided.al2023 runtime starts "
            "(found: app.py, lib)",
        ),
        (
            lambda path: write_zip(path, {"bootstrap": ELF["x86_64"]}, mode=0o644),
            "'bootstrap' in {zip} is not executable (its mode is 0644), so the function's init would fail on "
            "Lambda (permission denied)",
        ),
        (
            lambda path: write_zip(path, {"bootstrap": b"#!/bin/sh\nexec python3 -m app\n"}),
            "is not an ELF executable, so its architecture cannot be read from it: "
            "pass --arch (x86_64 or arm64)",
        ),
        (
            lambda path: write_zip(
                path,
                {"bootstrap": ELF["x86_64"], "big": os.urandom(51 * 1024 * 1024)},
                compress=zipfile.ZIP_STORED,
            ),
            "is 53.5 MB, over Lambda's limit of 52.4 MB for a zip uploaded directly",
        ),
        (
            lambda path: write_zip(path, {"bootstrap": ELF["x86_64"], "zeros": bytes(251 * 1024 * 1024)}),
            "unzips to 263.2 MB, over Lambda's limit of 262.1 MB however it is uploaded",
        ),
        (lambda path: path.write_bytes(b"not a zip"), "is not a zip file"),
    ],
    ids=[
        "no-bootstrap",
        "not-executable",
        "script-bootstrap",
        "over-50MB-zipped",
        "over-250MB-unzipped",
        "not-zip",
    ],
)
def test_a_zip_lambda_would_refuse_is_refused_before_anything_is_sent(tmp_path, make, expected):
    path = tmp_path / "function.zip"
    make(path)
    # An endpoint nothing listens on: the check must come first.
    env = aws_env("http://127.0.0.1:9", tmp_path, **FAKE_CREDENTIALS)
    result = deploy(
        env,
        str(path),
        "--function-name",
        "f",
        "--role",
        "arn:aws:iam::123456789012:role/r",
        "--region",
        REGION,
    )
    assert result.returncode == 2
    assert expected.format(zip=path) in result.stderr
    assert result.stderr.startswith("lambda-native deploy: ")


def test_a_missing_zip(tmp_path):
    result = deploy(
        aws_env("http://127.0.0.1:9", tmp_path),
        str(tmp_path / "dist" / "function.zip"),
        "--function-name",
        "f",
    )
    assert result.returncode == 2
    assert "function.zip: No such file or directory; build it first with `python build.py`" in result.stderr


def test_without_boto3_it_says_which_extra_to_install(tmp_path):
    hidden = tmp_path / "no-boto3"
    hidden.mkdir()
    # First on the path: as if boto3 were not installed.
    (hidden / "boto3.py").write_text("raise ImportError('No module named boto3')\n")
    env = {**aws_env("http://127.0.0.1:9", tmp_path, **FAKE_CREDENTIALS), "PYTHONPATH": str(hidden)}
    result = deploy(env, str(function_zip(tmp_path)), "--function-name", "f", "--region", REGION)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lambda-native deploy: it needs boto3, which is not installed: pip install 'lambda-native[deploy]'"
    )


def test_an_unknown_profile(moto_server, tmp_path):
    env = aws_env(moto_server, tmp_path)
    result = deploy(env, str(function_zip(tmp_path)), "--function-name", "f", "--profile", "nope")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "lambda-native deploy: --profile nope: no such profile in the AWS config files"
    )
