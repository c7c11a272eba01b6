"""`python -m benchmarks` / `lambda-native bench`: run the cold-start suite; write table, chart, JSON.

A command of the shape of `lambda_native.commands`' modules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.machine import REPO_ROOT
from lambda_native.commands import command_line

DEFAULT_RUNS = 20
DEFAULT_WARM = 1000
QUICK_RUNS = 3
QUICK_WARM = 50
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
QUICK_RESULTS_DIR = REPO_ROOT / "benchmarks" / ".work" / "quick-results"
PROG = "python -m benchmarks"
DESCRIPTION = (
    "Cold start, peak memory, zip size and warm invoke latency of every runtime variant, "
    "measured under the project's emulator. Writes <out>/<date>-<host>.json, .md and .png."
)
EPILOG = None
RUNTIME_COMMAND = False


def names(kind: str, known: dict, groups: dict[str, list[str]] | None = None) -> callable:
    """An argparse type for a comma-separated selection from `known`, kept in the order given; a group's
    name stands for its members."""
    groups = groups or {}

    def parse(text: str) -> list[str]:
        given = [n.strip() for n in text.split(",") if n.strip()]
        chosen = list(dict.fromkeys(m for n in given for m in groups.get(n, [n])))
        unknown = [n for n in chosen if n not in known]
        if unknown or not chosen:
            listed = ", ".join(map(repr, unknown)) or "(none given)"
            grouped = {m for members in groups.values() for m in members}
            choices = ", ".join(
                [n for n in known if n not in grouped]
                + [f"{g} (or one of its {len(m)} by name, e.g. {m[0]})" for g, m in groups.items()]
            )
            raise argparse.ArgumentTypeError(f"unknown {kind} {listed}; choose from {choices}")
        return chosen

    return parse


def positive(text: str) -> int:
    """An argparse type for an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The suite's options."""
    from benchmarks.corpus_functions import CORPUS_WORKLOADS
    from benchmarks.variants import DEFAULT_VARIANTS, VARIANTS
    from benchmarks.workloads import WORKLOADS

    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a small sample for CI: {QUICK_RUNS} cold starts and {QUICK_WARM} warm invokes per row, "
        f"written to {QUICK_RESULTS_DIR.relative_to(REPO_ROOT)} unless --out is given",
    )
    p.add_argument("--runs", type=positive, help=f"cold starts per row (default {DEFAULT_RUNS})")
    p.add_argument("--warm", type=positive, help=f"warm invokes per row (default {DEFAULT_WARM})")
    p.add_argument(
        "--variants",
        type=names("variant", VARIANTS),
        default=DEFAULT_VARIANTS,
        help=f"comma-separated, from: {', '.join(VARIANTS)} (default: {', '.join(DEFAULT_VARIANTS)})",
    )
    p.add_argument(
        "--workloads",
        type=names("workload", {**WORKLOADS, **CORPUS_WORKLOADS}, {"corpus": list(CORPUS_WORKLOADS)}),
        default=list(WORKLOADS),
        help=f"comma-separated, from: {', '.join(WORKLOADS)} (default: those), and `corpus` (one row per "
        f"function of benchmarks/corpus/, each also by name: {next(iter(CORPUS_WORKLOADS))}, ...)",
    )
    p.add_argument(
        "--out", type=Path, help=f"folder for the result files (default {RESULTS_DIR.relative_to(REPO_ROOT)})"
    )
    p.add_argument(
        "--no-reference", action="store_true", help="skip the bare `python -I -S -c pass` reference row"
    )


def main(argv: list[str]) -> int:
    """Entry point of `python -m benchmarks` and `lambda-native bench`."""
    return run(command_line(sys.modules[__name__], argv))


def run(options: argparse.Namespace) -> int:
    """Run the suite; 0 when every row was measured completely, 1 when some could not be."""
    from benchmarks.corpus_functions import CORPUS_WORKLOADS
    from benchmarks.schema import missing_figures
    from benchmarks.suite import run_suite
    from benchmarks.variants import VARIANTS
    from benchmarks.workloads import WORKLOADS

    known = {**WORKLOADS, **CORPUS_WORKLOADS}

    out = options.out or (QUICK_RESULTS_DIR if options.quick else RESULTS_DIR)
    doc, paths = run_suite(
        [VARIANTS[n] for n in options.variants],
        [known[n] for n in options.workloads],
        runs=options.runs or (QUICK_RUNS if options.quick else DEFAULT_RUNS),
        warm_invokes=options.warm or (QUICK_WARM if options.quick else DEFAULT_WARM),
        out_dir=out,
        command=" ".join([PROG, *options.argv]),
        quick=options.quick,
        reference=not options.no_reference,
        say=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print(paths["md"].read_text())
    for path in paths.values():
        print(f"wrote {path}")
    missing = missing_figures(doc)
    for item in missing:
        print(f"not measured: {item}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
