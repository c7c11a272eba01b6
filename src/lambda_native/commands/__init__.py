"""The `lambda-native` commands, one module each (`build`, `invoke`, `serve`, `watch`, `deploy`), all of one
shape:

- `PROG`, `DESCRIPTION`, `EPILOG` (or None): what its `--help` says;
- `RUNTIME_COMMAND`: True when a runtime command may follow `--` (`lambda-native invoke -- python -m
  awslambdaric app.handler`); it arrives as `args.command` (None without `--`);
- `add_arguments(parser)`: its options;
- `run(args) -> int`: do the job; the exit status (2, with the message on stderr, for what the user can fix);
- `main(argv) -> int`: `run(command_line(module, argv))`, for whoever holds a command line (`lambda-native`
  in cli.py, `python build.py`, the tests).

`benchmarks/__main__.py` (`python -m benchmarks`, `lambda-native bench`) has the same shape.
"""

from __future__ import annotations

import argparse
from types import ModuleType


def command_line(command: ModuleType, argv: list[str]) -> argparse.Namespace:
    """`argv` parsed with the options of `command` (a module of the shape above); exits 2 with argparse's
    message on a bad option. `args.argv` is `argv` as given (what a result file records)."""
    options, runtime_command = list(argv), None
    if command.RUNTIME_COMMAND and "--" in options:
        at = options.index("--")
        options, runtime_command = options[:at], options[at + 1 :]
    parser = argparse.ArgumentParser(
        prog=command.PROG, description=command.DESCRIPTION, epilog=command.EPILOG
    )
    command.add_arguments(parser)
    args = parser.parse_args(options)
    if command.RUNTIME_COMMAND:
        args.command = runtime_command
    args.argv = list(argv)
    return args
