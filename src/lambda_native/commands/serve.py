"""`lambda-native serve`: the RIE's invoke API on 127.0.0.1:8080, backed by real, measured environments.

Runtime output and START/END/REPORT lines are printed on stdout, as the RIE prints them.
Stops on Ctrl-C or SIGTERM, killing the runtimes and removing extracted zips.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from lambda_native.commands import command_line
from lambda_native.commands.function_options import (
    UsageError,
    add_function_arguments,
    function_settings,
    make_config,
    sandbox_settings,
)

PROG = "lambda-native serve"
DESCRIPTION = "Serve POST /2015-03-31/functions/function/invocations like the Runtime Interface Emulator."
EPILOG = "A runtime command goes after --, e.g. `lambda-native serve -- python -m awslambdaric app.handler`."
RUNTIME_COMMAND = True


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a command serving the invoke API: the function's, and where to listen."""
    add_function_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to listen on (default 8080; 0 picks one)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` command's options."""
    add_server_arguments(parser)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="warm environments serving invokes at once (1)",
    )


def invoke_url(host: str, port: int) -> str:
    """The RIE's invoke URL on host:port."""
    return f"http://{host}:{port}/2015-03-31/functions/function/invocations"


def print_line(line: str) -> None:
    """Print one line of the server's output at once (runtime output, START/END/REPORT, notices)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native serve`."""
    return run(command_line(sys.modules[__name__], argv))


def run(args: argparse.Namespace) -> int:
    """Serve until stopped; 2 for bad usage or code, 1 when the address cannot be listened on."""
    from lambda_native.emulator.environment import Environment
    from lambda_native.emulator.task_root import open_package

    command = args.command
    environments = []
    try:
        if args.concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        settings = function_settings(args, command)
        if settings["source"] is None and not command:
            raise UsageError(
                "give a function.zip, a folder holding 'bootstrap', --template, or a command after --"
            )
        config = make_config(settings)
        for _ in range(args.concurrency):
            package = open_package(settings["source"], command)
            environments.append(
                Environment(
                    package,
                    config,
                    settings["env"],
                    cpu=settings.get("cpu"),
                    log=print_line,
                    **sandbox_settings(settings),
                )
            )
    except ValueError as exc:
        for env in environments:
            env.package.cleanup()
        print(f"lambda-native serve: {exc}", file=sys.stderr)
        return 2

    def ready(port: int) -> None:
        n = len(environments)
        slots = config.max_concurrency
        at_once = f", {slots} invokes at once in each" if slots else ""
        print_line(
            f"lambda-native serve: listening on {invoke_url(args.host, port)}"
            f" ({n} environment{'s' if n > 1 else ''}{at_once})"
        )

    return run_server("serve", environments, args.host, args.port, ready)


def run_server(command: str, environments: list, host: str, port: int, ready, prepare=None, tasks=()) -> int:
    """Serve the invoke API (`serve.serve`) until Ctrl-C or SIGTERM; 1 when host:port cannot be listened on.

    `tasks` are coroutine functions run beside the server and cancelled with it.
    """

    async def run() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        from lambda_native.emulator.serve import serve

        beside = [asyncio.ensure_future(run_beside()) for run_beside in tasks]
        try:
            await serve(environments, host, port, ready, prepare)
        finally:
            for future in beside:
                future.cancel()

    try:
        asyncio.run(run())
    except asyncio.CancelledError:
        pass
    except OSError as exc:
        print(f"lambda-native {command}: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
