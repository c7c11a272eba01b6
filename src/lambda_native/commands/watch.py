"""`lambda-native watch DIR`: `serve` for a function's source folder, running the new code after each change.

The invoke API is `serve`'s (the RIE's, on 127.0.0.1:8080). The function runs interpreted
(`python -m lambda_native`, or the command after `--`), and the invoke after a change in DIR starts it
anew; `--native` also builds it natively after each change and serves the build once it is done
(emulator.watch).
"""

from __future__ import annotations

import argparse
import os
import sys

from lambda_native.commands import command_line
from lambda_native.commands.function_options import UsageError, function_settings, make_config
from lambda_native.commands.serve import add_server_arguments, invoke_url, print_line, run_server

DEFAULT_HANDLER = "app.handler"  # as `lambda-native build`'s
PROG = "lambda-native watch"
DESCRIPTION = (
    "Serve the function in a source folder like `lambda-native serve`; the invoke after a change runs "
    "the new code."
)
EPILOG = (
    "Another interpreted runtime goes after --, e.g. "
    "`lambda-native watch my_fn -- python -m awslambdaric app.handler`."
)
RUNTIME_COMMAND = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `watch` command's options: `serve`'s, for a source folder, and the native build's."""
    add_server_arguments(parser)
    parser.add_argument(
        "--requirements",
        metavar="FILE",
        help="install these into the work folder for the function (reinstalled when the file changes) and, "
        "with --native, build with them",
    )
    parser.add_argument(
        "--native",
        action="store_true",
        help="also build natively after each change, and serve each build once it is done",
    )
    parser.add_argument(
        "--work-dir",
        default=os.path.join(".build", "watch"),
        help="where installed requirements and native builds go (default .build/watch)",
    )


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native watch`."""
    return run(command_line(sys.modules[__name__], argv))


def run(args: argparse.Namespace) -> int:
    """Serve and watch until stopped; 2 for bad usage or code, 1 when the address cannot be listened on."""
    from lambda_native.emulator.environment import Environment
    from lambda_native.emulator.task_root import open_package
    from lambda_native.emulator.watch import WatchedFunction

    command = args.command
    try:
        settings = function_settings(args, command)
        src = settings["source"] or "."
        if not os.path.isdir(src):
            raise UsageError(
                f"{src} is not a folder: watch takes the function's source folder (the build's --src), "
                "e.g. `lambda-native watch my_fn --handler app.handler`"
            )
        settings.setdefault("handler", DEFAULT_HANDLER)
        work = os.path.abspath(args.work_dir)
        env = settings["env"]
        if args.requirements:
            env["PYTHONPATH"] = install(args.requirements, os.path.join(work, "requirements"))
        pycache = env.setdefault("PYTHONPYCACHEPREFIX", os.path.join(work, "pycache"))
        interpreted = open_package(src, command or [sys.executable, "-m", "lambda_native"])
        environment = Environment(
            interpreted, make_config(settings), env, cpu=settings.get("cpu"), log=print_line
        )
    except ValueError as exc:
        print(f"lambda-native watch: {exc}", file=sys.stderr)
        return 2
    built = os.path.join(work, "native")
    watched = WatchedFunction(
        src,
        interpreted,
        print_line,
        work=work,
        build_command=native_build_command(settings["handler"], src, built, args.requirements)
        if args.native
        else None,
        built_zip=os.path.join(built, "function.zip"),
        build_log=os.path.join(work, "build.log"),
        pycache=pycache,
    )
    if args.native:
        os.makedirs(work, exist_ok=True)

    def ready(port: int) -> None:
        runs = "interpreted, and natively once built" if args.native else "interpreted"
        print_line(
            f"lambda-native watch: listening on {invoke_url(args.host, port)} ({settings['handler']} from "
            f"{src}, {runs}; the invoke after a change runs the new code)"
        )
        watched.begin()

    return run_server(
        "watch", [environment], args.host, args.port, ready, prepare=watched.prepare, tasks=[watched.watch]
    )


def install(requirements: str, site: str) -> str:
    """Install `requirements` into `site` as the build does (reused while the file is unchanged)."""
    from lambda_native.builder.build_error import BuildError
    from lambda_native.builder.requirements import install_requirements

    if not os.path.isfile(requirements):
        raise UsageError(f"--requirements {requirements}: no such file")
    try:
        if install_requirements(requirements, site):
            print_line(f"lambda-native watch: installed {requirements} into {site}")
    except BuildError as exc:
        raise UsageError(str(exc)) from None
    return site


def native_build_command(handler: str, src: str, out: str, requirements: str | None) -> list[str]:
    """`lambda-native build` of the folder into `out`, its Nuitka work beside it."""
    command = [sys.executable, "-m", "lambda_native.cli", "build", "--handler", handler, "--src", src]
    command += ["--out", out, "--work-dir", os.path.join(out, "work")]
    return command + (["--requirements", requirements] if requirements else [])
