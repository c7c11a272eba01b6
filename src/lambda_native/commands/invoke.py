"""`lambda-native invoke`: run a function locally, print its output and Lambda's START/END/REPORT lines.

The runtime's output and the platform lines go to stderr; the response goes to stdout, one per invoke,
so `lambda-native invoke fn.zip --event e.json > out.json` leaves exactly the response in out.json.
A streamed response is printed chunk by chunk as it arrives (a Function URL prelude's status and headers
on stderr), and an error its trailers carry is reported on stderr.
Exit status: 0 when every invoke succeeded, 1 when one returned an error, 2 for bad usage or code.
"""

from __future__ import annotations

import argparse
import base64
import sys

import orjson

from lambda_native.commands import command_line
from lambda_native.commands.function_options import UsageError, add_function_arguments, function_settings
from lambda_native.emulator.invocation import HTTP_INTEGRATION_TYPE, PreludeSplitter, decode_error_body

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
PROG = "lambda-native invoke"
DESCRIPTION = "Run a Lambda function locally as Lambda would, and measure it."
EPILOG = (
    "A runtime command goes after --, e.g. `lambda-native invoke -- python -m awslambdaric "
    "app.handler` (run in PATH if given, else here)."
)
RUNTIME_COMMAND = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `invoke` command's options."""
    add_function_arguments(parser)
    parser.add_argument("-e", "--event", help="the event file (JSON); - reads stdin (default: stdin, or {})")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="invoke N times (warm after the first)"
    )
    parser.add_argument("--cold", action="store_true", help="restart the runtime before every invoke")
    parser.add_argument("--client-context", metavar="JSON", help="client context for the function (JSON)")
    parser.add_argument("--url", help="send the invoke to a running `lambda-native serve` or RIE at this URL")


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native invoke`."""
    return run(command_line(sys.modules[__name__], argv))


def run(args: argparse.Namespace) -> int:
    """Invoke as `args` say; 0 when every invoke succeeded, 1 when one failed, 2 for bad usage or code."""
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
        return invoke_local(args, args.command, event, headers)
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


class PrintedStream:
    """Prints a streamed response on stdout as its chunks arrive (a Function URL prelude on stderr).

    `live=False` (invokes running at once) keeps the chunks and prints them whole at the end instead, so
    that streams do not interleave.
    """

    def __init__(self, live: bool = True) -> None:
        self.live = live
        self.chunks: list[bytes] = []
        self.splitter: PreludeSplitter | None = None
        self.last = b"\n"
        self.trailers: dict[str, str] = {}

    def begin(self, content_type: str) -> None:
        if content_type == HTTP_INTEGRATION_TYPE:
            self.splitter = PreludeSplitter()

    def data(self, data: bytes) -> None:
        if self.splitter is not None and self.splitter.prelude is None:
            try:
                data = self.splitter.feed(data)
            except ValueError as exc:
                _write_log(f"lambda-native invoke: {exc}")
                self.splitter = None
            else:
                if self.splitter.prelude is None:
                    return
                _write_log(_describe_prelude(self.splitter.prelude))
        if not data:
            return
        self.last = data[-1:]
        if self.live:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            self.chunks.append(data)

    def end(self, trailers: dict[str, str]) -> None:
        self.trailers = {name.lower(): value for name, value in trailers.items()}

    def finish(self, result) -> None:
        """After the invoke: the kept chunks, a final newline, and the error the trailers carried."""
        if not result.streamed:
            _write_response(result.payload)
            return
        out = sys.stdout.buffer
        out.write(b"".join(self.chunks) + (b"" if self.last == b"\n" else b"\n"))
        out.flush()
        error_type = self.trailers.get("lambda-runtime-function-error-type")
        if error_type:
            document = decode_error_body(self.trailers)
            detail = document.decode("utf-8", "replace") if document is not None else "(no error body)"
            _write_log(f"lambda-native invoke: the stream ended with error {error_type}: {detail}")


def _describe_prelude(prelude) -> str:
    headers = "".join(f"\n{name}: {value}" for name, value in prelude.headers)
    return f"HTTP {prelude.status}{headers}"


def invoke_local(args: argparse.Namespace, command: list[str] | None, event: bytes, headers: dict) -> int:
    """Run the function here, `--repeat` times, restarting it first each time with `--cold`.

    With `--max-concurrency N` the repeats go N at a time, and each one's REPORT gives its own Duration.
    """
    from lambda_native.emulator.function import Function

    settings = function_settings(args, command)
    if settings["source"] is None and not command:
        raise UsageError(
            "give a function.zip, a folder holding 'bootstrap', --template, or a command after --"
        )
    at_once = settings.get("max_concurrency") or 1
    if args.cold and at_once > 1:
        raise UsageError(
            "--cold restarts the runtime before each invoke: it cannot go with --max-concurrency"
        )

    def run(fn) -> bool:
        if args.cold:
            fn.restart()
        stream = PrintedStream(live=at_once == 1)
        result = fn.invoke(event, headers, stream)
        stream.finish(result)
        return result.ok

    with Function(settings.pop("source"), log=_write_log, **settings) as fn:
        if at_once == 1:
            oks = [run(fn) for _ in range(args.repeat)]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(at_once) as pool:
                oks = list(pool.map(lambda _: run(fn), range(args.repeat)))
    return 0 if all(oks) else 1


def invoke_url(url: str, event: bytes, headers: dict, repeat: int) -> int:
    """Send the invoke to a running emulator (or the RIE) and print each answer as it arrives."""
    import urllib3

    base = url.rstrip("/")
    target = base if base.endswith("/invocations") else base + INVOKE_PATH
    status = 0
    out = sys.stdout.buffer
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5.0, read=None)) as http:
        for _ in range(repeat):
            try:
                reply = http.request("POST", target, body=event, headers=headers, preload_content=False)
                last = b"\n"
                for data in reply.stream(None):  # a streamed answer chunk by chunk, as it comes
                    out.write(data)
                    out.flush()
                    last = data[-1:]
                reply.release_conn()
            except urllib3.exceptions.HTTPError as exc:
                print(f"lambda-native invoke: cannot reach {target}: {exc}", file=sys.stderr)
                return 1
            if last != b"\n":
                _write_response(b"")
            if reply.status != 200 or reply.headers.get("X-Amz-Function-Error"):
                status = 1
    return status
