"""`lambda-native deploy`: create or update a Lambda function from a zip built by `python build.py`
(`lambda_native.deploy` does the work; boto3 is imported only then)."""

from __future__ import annotations

import argparse
import sys

from lambda_native.builder.target.arch import ARCHES
from lambda_native.commands import command_line
from lambda_native.deploy import RUNTIME, DeployError, aws_error, deploy, lambda_client, read_zip

PROG = "lambda-native deploy"
DESCRIPTION = f"Create or update a Lambda function ({RUNTIME}) from a zip built by lambda-native."
EPILOG = "Credentials, region and endpoint come from the environment or --profile, as for the AWS CLI."
RUNTIME_COMMAND = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `deploy` command's options."""
    parser.add_argument("zip", help="the function's zip (dist/function.zip)")
    parser.add_argument("--function-name", required=True, help="the function to create or update")
    parser.add_argument(
        "--role", help="the execution role's ARN (needed to create; kept on update if left out)"
    )
    parser.add_argument("--region", help="the AWS region (default: AWS_REGION, or the profile's)")
    parser.add_argument("--profile", help="the AWS profile whose credentials and region to use")
    parser.add_argument(
        "--handler",
        help="the Handler setting (default: the handler the zip was built with, which it records)",
    )
    parser.add_argument(
        "--arch", choices=sorted(ARCHES), help="only for a bootstrap that is not an ELF executable (a script)"
    )
    parser.add_argument("--memory", type=int, metavar="MB", help="memory size in MB (Lambda's default 128)")
    parser.add_argument("--timeout", type=int, metavar="S", help="timeout in seconds (Lambda's default 3)")


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native deploy`."""
    return run(command_line(sys.modules[__name__], argv))


def run(args: argparse.Namespace) -> int:
    """Deploy as `args` say; 0 when Lambda has the function, 2 with a message for what the user can fix."""
    try:
        facts = read_zip(args.zip, args.arch)
        handler = args.handler or facts.handler
        if handler is None:
            raise DeployError(
                f"{args.zip} does not record the handler it was built with (it was not made by "
                "`python build.py`, or by an older lambda-native): pass --handler MODULE.FUNCTION"
            )
        if facts.handler is not None and handler != facts.handler:
            print(
                f"lambda-native deploy: note: the zip was built with handler {facts.handler}; Lambda will "
                f"run {handler}, which the bootstrap loads only if it compiled that module in",
                file=sys.stderr,
            )
        client = lambda_client(args.region, args.profile)
        import botocore.exceptions

        try:
            action, config = deploy(client, args.function_name, facts, handler, args)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise DeployError(aws_error(exc)) from None
    except DeployError as exc:
        print(f"lambda-native deploy: {exc}", file=sys.stderr)
        return 2
    print(
        f"{action} {config['FunctionName']}: {config['Runtime']}, {', '.join(config['Architectures'])}, "
        f"handler {config['Handler']}, {len(facts.code) / 1e6:.1f} MB zipped, "
        f"{facts.unzipped_bytes / 1e6:.1f} MB unzipped\n  {config['FunctionArn']}"
    )
    return 0
