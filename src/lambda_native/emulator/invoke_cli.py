"""`lambda-native invoke`: run a function locally, print its output and Lambda's START/END/REPORT lines.

The runtime's output and the platform lines go to stderr; the response goes to stdout, one per invoke,
so `lambda-native invoke fn.zip --event e.json > out.json` leaves exactly the response in out.json.
Exit status: 0 when every invoke succeeded, 1 when one returned an error, 2 for bad usage or code.
"""

from __future__ import annotations

import argparse
import base64
import sys

import orjson

from lambda_native.emulator.options import (
    UsageError,
    add_function_arguments,
    function_settings,
    split_command,
)

INVOKE_PATH = "/2015-03-31/functions/function/invocations"


def build_parser() -> argparse.ArgumentParser:
    """The `invoke` command's options."""
    parser = argparse.ArgumentParser(
        prog="lambda-native invoke",
        description="Run a Lambda function locally as Lambda would, and measure it.",
        epilog="A runtime command goes after --, e.g. `lambda-native invoke -- python -m awslambdaric "
        "app.handler` (run in PATH if given, else here).",
    )
    add_function_arguments(parser)
    parser.add_argument("-e", "--event", help="the event file (JSON); - reads stdin (default: stdin, or {})")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="invoke N times (warm after the first)"
    )
    parser.add_argument("--cold", action="store_true", help="restart the runtime before every invoke")
    parser.add_argument("--client-context", metavar="JSON", help="client context for the function (JSON)")
    parser.add_argument("--url", help="send the invoke to a running `lambda-native serve` or RIE at this URL")
    return parser


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native invoke`."""
    options, command = split_command(argv)
    parser = build_parser()
    args = parser.parse_args(options)
    try:
        if args.repeat < 1:
            raise UsageError("--repeat must be at least 1")
        event = read_event(args.event)
        headers = {}
        if args.client_context is not None:
            try:
                orjson.loads(args.client_context)
            except orjson.JSONDecodeError as exc:
                raise UsageError(f"--client-context is not valid JSON: {exc}") from None
            headers["X-Amz-Client-Context"] = base64.b64encode(args.client_context.encode()).decode()
        if args.url:
            return invoke_url(args.url, event, headers, args.repeat)
        return invoke_local(args, command, event, headers)
    except (UsageError, ValueError) as exc:
        print(f"lambda-native invoke: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def read_event(path: str | None) -> bytes:
    """The event: from a file, from stdin (`-`, or no --event and stdin not a terminal), else `{}`."""
    if path is None and sys.stdin is not None and not sys.stdin.isatty():
        path = "-"
    if path is None:
        return b"{}"
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "the event on stdin"
        if not data.strip():
            return b"{}"
    else:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise UsageError(f"cannot read event file {path}: {exc.strerror}") from None
        name = path
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{name} is not valid JSON ({exc}); Lambda events are JSON documents") from None
    return data


def _write_log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _write_response(payload: bytes) -> None:
    out = sys.stdout.buffer
    out.write(payload if payload.endswith(b"\n") else payload + b"\n")
    out.flush()


def invoke_local(args: argparse.Namespace, command: list[str] | None, event: bytes, headers: dict) -> int:
    """Run the function here, `--repeat` times, restarting it first each time with `--cold`."""
    from lambda_native.emulator.function import Function

    settings = function_settings(args, command)
    if settings["source"] is None and not command:
        raise UsageError(
            "give a function.zip, a folder holding 'bootstrap', --template, or a command after --"
        )
    status = 0
    with Function(settings.pop("source"), log=_write_log, **settings) as fn:
        for _ in range(args.repeat):
            if args.cold:
                fn.restart()
            result = fn.invoke(event, headers)
            _write_response(result.payload)
            if not result.ok:
                status = 1
    return status


def invoke_url(url: str, event: bytes, headers: dict, repeat: int) -> int:
    """Send the invoke to a running emulator (or the RIE) and print each answer."""
    import urllib3

    base = url.rstrip("/")
    target = base if base.endswith("/invocations") else base + INVOKE_PATH
    status = 0
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5.0, read=None)) as http:
        for _ in range(repeat):
            try:
                reply = http.request("POST", target, body=event, headers=headers)
            except urllib3.exceptions.HTTPError as exc:
                print(f"lambda-native invoke: cannot reach {target}: {exc}", file=sys.stderr)
                return 1
            _write_response(reply.data)
            if reply.status != 200 or reply.headers.get("X-Amz-Function-Error"):
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
