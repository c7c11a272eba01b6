"""`lambda-native serve`: the RIE's invoke API on 127.0.0.1:8080, backed by real, measured environments.

Runtime output and START/END/REPORT lines are printed on stdout, as the RIE prints them.
Stops on Ctrl-C or SIGTERM, killing the runtimes and removing extracted zips.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from lambda_native.emulator.options import (
    UsageError,
    add_function_arguments,
    function_settings,
    make_config,
    sandbox_settings,
    split_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The `serve` command's options."""
    parser = argparse.ArgumentParser(
        prog="lambda-native serve",
        description="Serve POST /2015-03-31/functions/function/invocations like the Runtime Interface "
        "Emulator.",
        epilog="A runtime command goes after --, e.g. "
        "`lambda-native serve -- python -m awslambdaric app.handler`.",
    )
    add_function_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port to listen on (default 8080; 0 picks one)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="warm environments serving invokes at once (1)",
    )
    return parser


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native serve`."""
    from lambda_native.emulator.environment import Environment
    from lambda_native.emulator.package import open_package

    options, command = split_command(argv)
    args = build_parser().parse_args(options)
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
                    log=_print,
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
        _print(
            f"lambda-native serve: listening on http://{args.host}:{port}/2015-03-31/functions/function/invocations"
            f" ({n} environment{'s' if n > 1 else ''}{at_once})"
        )

    async def run() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        from lambda_native.emulator.serve import serve

        await serve(environments, args.host, args.port, ready)

    try:
        asyncio.run(run())
    except asyncio.CancelledError:
        pass
    except OSError as exc:
        print(
            f"lambda-native serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
