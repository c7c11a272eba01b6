"""The `lambda-native` command: one subcommand per job, each parsing its own arguments.

Subcommands are imported only when chosen, so `lambda-native invoke` never loads the compiler.
"""

from __future__ import annotations

import importlib
import os
import sys

# subcommand -> (module with `main(argv) -> int`, one-line help)
COMMANDS = {
    "invoke": ("lambda_native.emulator.invoke_cli", "run a function locally and print START/END/REPORT"),
    "serve": ("lambda_native.emulator.serve_cli", "serve the RIE invoke API on 127.0.0.1:8080"),
    "build": ("lambda_native.builder.cli", "compile a handler into a native bootstrap zip (= build.py)"),
    "bench": ("benchmarks.__main__", "run the cold-start benchmark suite (= python -m benchmarks)"),
}


def usage() -> str:
    """The top-level help text."""
    lines = ["usage: lambda-native COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "`lambda-native COMMAND --help` describes each command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the chosen subcommand's `main`."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"lambda-native: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    if name == "bench":
        # The benchmark suite lives in the checkout beside src/, not in the installed package.
        checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if not os.path.isfile(os.path.join(checkout, "benchmarks", "__main__.py")):
            print(
                "lambda-native bench: runs from a checkout of lambda-native (python -m benchmarks)",
                file=sys.stderr,
            )
            return 2
        sys.path.insert(0, checkout)
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
