"""The `lambda-native` command: one subcommand per job, each a module of `lambda_native.commands` of one
shape (see there), parsing its own arguments.

Subcommands are imported only when chosen, so `lambda-native invoke` never loads the compiler.
"""

from __future__ import annotations

import importlib
import os
import sys

# subcommand -> (its module, one-line help); `bench` is found in the checkout (bench()).
COMMANDS = {
    "invoke": ("lambda_native.commands.invoke", "run a function locally and print START/END/REPORT"),
    "serve": ("lambda_native.commands.serve", "serve the RIE invoke API on 127.0.0.1:8080"),
    "watch": ("lambda_native.commands.watch", "serve a source folder; the invoke after a change runs it"),
    "build": ("lambda_native.commands.build", "compile a handler into a native bootstrap zip (= build.py)"),
    "deploy": ("lambda_native.commands.deploy", "create or update the function on AWS Lambda from the zip"),
    "bench": (None, "run the cold-start benchmark suite of a checkout (python -m benchmarks)"),
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
        return bench(rest)
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(rest)


def bench(argv: list[str]) -> int:
    """`lambda-native bench`: the benchmark suite of the checkout this package is installed from.

    The suite measures the project's own builds (build.py, bootstrap.c, its workloads) and writes its
    results into the repository, so it ships in the repository, not in the package. From a checkout
    installed with `bash setup.sh` or `pip install -e .` (src/lambda_native beside benchmarks/), its
    `benchmarks` package is loaded from that folder, without putting the checkout on `sys.path` (where
    its build.py and tests/ would shadow other modules); from any other install, a clear error.
    """
    package_dir = os.path.dirname(os.path.abspath(__file__))
    src = os.path.dirname(package_dir)
    suite = os.path.join(os.path.dirname(src), "benchmarks")
    if os.path.basename(src) != "src" or not os.path.isfile(os.path.join(suite, "__main__.py")):
        print(
            "lambda-native bench: the benchmark suite is part of the lambda-native repository, not of the "
            f"installed package (here lambda_native is installed at {package_dir}). Run it in a clone "
            "set up with `bash setup.sh` or `pip install -e .`: `lambda-native bench` or "
            "`python -m benchmarks` there.",
            file=sys.stderr,
        )
        return 2
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "benchmarks", os.path.join(suite, "__init__.py"), submodule_search_locations=[suite]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("benchmarks.__main__").main(argv)


if __name__ == "__main__":
    sys.exit(main())
