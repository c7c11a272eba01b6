"""Creating or updating a Lambda function from a built zip, with nothing else to write (`lambda-native
deploy`, in commands/deploy.py).

The function gets what the zip says: runtime `provided.al2023`, the architecture of its `bootstrap` (read
from the ELF header), and the handler the build recorded in the zip's comment (the runtime honours
Lambda's Handler setting, `_HANDLER`, over the built one, so they must agree). The zip is checked against
Lambda's limits before anything is sent. boto3 is an optional extra (`lambda-native[deploy]`), imported
only here; it finds credentials, region and endpoint (`AWS_ENDPOINT_URL`) as the AWS CLI does, and each
change is waited for until Lambda reports it finished, as `aws lambda wait function-updated-v2` does.
"""

from __future__ import annotations

import argparse
import os
import stat
import zipfile

from lambda_native.builder.archive import UNZIPPED_LIMIT, ZIPPED_LIMIT, recorded_handler
from lambda_native.builder.target.arch import ARCHES, MACHINES
from lambda_native.emulator.qemu import ELF_HEADER_BYTES, header_cpu

RUNTIME = "provided.al2023"
CREDENTIAL_ERRORS = ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException")


class DeployError(Exception):
    """Something the user can fix before or while deploying; the message says what and how."""


class ZipFacts:
    """What the function's settings are read from: the zip's bytes, its architecture and handler."""

    __slots__ = ("architecture", "code", "handler", "unzipped_bytes")

    def __init__(self, code: bytes, architecture: str, handler: str | None, unzipped_bytes: int) -> None:
        self.code = code
        self.architecture = architecture  # Lambda's name: x86_64 or arm64
        self.handler = handler  # as recorded by the build, None when the zip records none
        self.unzipped_bytes = unzipped_bytes


def read_zip(path: str, arch: str | None = None) -> ZipFacts:
    """Check `path` as Lambda will (limits, an executable `bootstrap`) and read its settings; DeployError
    when Lambda would refuse it or its function could not start. `arch` is needed only when `bootstrap` is
    not an ELF executable (a script)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise DeployError(f"{path}: {exc.strerror}; build it first with `python build.py`") from None
    if size > ZIPPED_LIMIT:
        raise DeployError(
            f"{path} is {size / 1e6:.1f} MB, over Lambda's limit of {ZIPPED_LIMIT / 1e6:.1f} MB for a zip "
            "uploaded directly: make the function smaller (the build lists what is biggest when it is over "
            "the limit), or upload the zip to S3 and create the function from there (`aws lambda "
            "create-function --code S3Bucket=...,S3Key=...`)"
        )
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise DeployError(f"{path} is not a zip file ({exc})") from None
    with archive:
        unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > UNZIPPED_LIMIT:
            raise DeployError(
                f"{path} unzips to {unzipped / 1e6:.1f} MB, over Lambda's limit of "
                f"{UNZIPPED_LIMIT / 1e6:.1f} MB however it is uploaded: make the function smaller"
            )
        header = _bootstrap_header(path, archive)
        handler = recorded_handler(archive)
    with open(path, "rb") as f:
        code = f.read()
    return ZipFacts(code, _architecture(path, header, arch), handler, unzipped)


def _bootstrap_header(path: str, archive: zipfile.ZipFile) -> bytes:
    try:
        info = archive.getinfo("bootstrap")
    except KeyError:
        top = sorted({name.split("/")[0] for name in archive.namelist()})
        raise DeployError(
            f"{path} has no 'bootstrap' at its root, the file the {RUNTIME} runtime starts (found: "
            f"{', '.join(top[:20]) or 'nothing'}): deploy the zip `python build.py` writes, "
            "dist/function.zip"
        ) from None
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    if not mode & 0o111:
        shown = f"its mode is {stat.S_IMODE(mode):04o}" if mode else "the zip records no Unix permissions"
        raise DeployError(
            f"'bootstrap' in {path} is not executable ({shown}), so the function's init would fail on "
            "Lambda (permission denied): `chmod +x bootstrap` and zip it again with a tool that keeps "
            "the mode (`zip`, or `python build.py`)"
        )
    with archive.open(info) as f:
        return f.read(ELF_HEADER_BYTES)


def _architecture(path: str, header: bytes, arch: str | None) -> str:
    cpu = header_cpu(header)
    found = MACHINES.get(cpu) if cpu else None
    if cpu and found is None:
        raise DeployError(f"'bootstrap' in {path} is built for {cpu}; Lambda runs x86_64 and arm64 only")
    if found is None:
        if arch is None:
            raise DeployError(
                f"'bootstrap' in {path} is not an ELF executable, so its architecture cannot be read from "
                f"it: pass --arch ({' or '.join(ARCHES)})"
            )
        return arch
    if arch is not None and arch != found:
        raise DeployError(
            f"--arch {arch}, but 'bootstrap' in {path} is built for {found}: Lambda could not run it "
            f"(Runtime.InvalidEntrypoint); leave out --arch or rebuild with `python build.py --arch {arch}`"
        )
    return found


def lambda_client(region: str | None, profile: str | None):
    """A boto3 Lambda client with credentials and a region, or DeployError saying what is missing."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        raise DeployError(
            "it needs boto3, which is not installed: pip install 'lambda-native[deploy]'"
        ) from None
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise DeployError(f"--profile {profile}: no such profile in the AWS config files") from None
    if session.region_name is None:
        raise DeployError("no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION")
    if session.get_credentials() is None:
        raise DeployError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` "
            "(or `aws sso login`), or pass --profile NAME"
        )
    return session.client("lambda")


def deploy(client, name: str, facts: ZipFacts, handler: str, args: argparse.Namespace) -> tuple[str, dict]:
    """Create the function, or update its code and then its settings; each change waited for until Lambda
    says it finished. Returns ("created" or "updated", the function's configuration)."""
    settings: dict = {"Runtime": RUNTIME, "Handler": handler}
    if args.role:
        settings["Role"] = args.role
    if args.memory is not None:
        settings["MemorySize"] = args.memory
    if args.timeout is not None:
        settings["Timeout"] = args.timeout
    try:
        client.get_function(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        if not args.role:
            raise DeployError(
                f"function {name} does not exist yet, and creating it needs an execution role: pass --role "
                "ARN (a role Lambda may assume, with AWSLambdaBasicExecutionRole for its logs)"
            ) from None
        client.create_function(
            FunctionName=name,
            PackageType="Zip",
            Code={"ZipFile": facts.code},
            Architectures=[facts.architecture],
            **settings,
        )
        client.get_waiter("function_active_v2").wait(FunctionName=name)
        return "created", client.get_function_configuration(FunctionName=name)
    client.update_function_code(FunctionName=name, ZipFile=facts.code, Architectures=[facts.architecture])
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    client.update_function_configuration(FunctionName=name, **settings)
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    return "updated", client.get_function_configuration(FunctionName=name)


def aws_error(exc: Exception) -> str:
    """What a botocore error means for the user."""
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", str(exc))
        operation = exc.operation_name
        if code in CREDENTIAL_ERRORS:
            return f"AWS refused the credentials ({code}: {message}): check them, or pass --profile NAME"
        if code == "AccessDeniedException":
            return f"not allowed to call {operation}: {message}"
        return f"{operation} failed: {code}: {message}"
    if isinstance(exc, botocore.exceptions.WaiterError):
        return f"the function did not finish updating: {exc}"
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return f"{exc}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile NAME"
    return str(exc)
