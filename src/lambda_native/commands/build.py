"""`python build.py` / `lambda-native build`: compile a handler into `dist/function.zip`.

The function's folder (`--src`) defaults to the folder of `--requirements`, else the current folder when
it holds the handler's module, else `examples/hello` of this checkout, so a newcomer sees it work and
`python build.py --requirements requirements.txt` in a function's folder builds that function.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

from lambda_native.builder.build_error import BuildError
from lambda_native.commands import command_line

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
EXAMPLE = os.path.join(CHECKOUT, "examples", "hello")
PROG = "lambda-native build"
DESCRIPTION = (
    "Compile a Lambda handler and the lambda-native runtime into one native `bootstrap` "
    "(Nuitka standalone), packed as OUT/function.zip for the provided.al2023 runtime."
)
EPILOG = None
RUNTIME_COMMAND = False


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The command line."""
    p.add_argument(
        "--handler",
        default="app.handler",
        help="MODULE.FUNCTION, the handler compiled in: app.handler (the default), pkg.app.handler, or a "
        "path as SAM templates write it, lib/app.handler",
    )
    p.add_argument(
        "--src",
        help="the function's folder: the handler's module, what it imports, and data files shipped beside "
        "bootstrap (default: the folder of --requirements, else this folder if it holds the handler's "
        "module, else the examples/hello of this checkout)",
    )
    p.add_argument(
        "--requirements",
        help="a requirements.txt whose packages are installed and shipped inside bootstrap (see --libraries)",
    )
    p.add_argument(
        "--target",
        default="al2023",
        help="the Lambda OS to run on: al2023 (default, glibc 2.34) or al2 (glibc 2.26, Docker builds only)",
    )
    p.add_argument(
        "--arch",
        help="the Lambda architecture to build for: x86_64 or arm64 (Graviton); default: this machine's. "
        "arm64 on an x86_64 machine is cross-compiled against an aarch64 build of this Python, made once "
        "and cached",
    )
    p.add_argument("--out", default="dist", help="where function.zip goes (default: dist)")
    p.add_argument(
        "--work-dir",
        default=".build",
        help="where Nuitka works and its log is kept (default: .build); reused by later builds",
    )
    p.add_argument(
        "--nuitka-option",
        action="append",
        default=[],
        metavar="OPTION",
        help="an extra Nuitka option, e.g. --nuitka-option=--include-module=mod (repeatable)",
    )
    p.add_argument(
        "--include-stdlib",
        action="append",
        default=[],
        metavar="MODULE",
        help="ship this standard-library module though no import statement names it (e.g. one imported "
        "by a computed name); repeatable. The rest of the unused standard library is left out",
    )
    p.add_argument(
        "--include-module",
        action="append",
        default=[],
        metavar="MODULE",
        help="ship this module though no import statement names it (a library's module or a codec "
        "imported by name: mylib.plugins.csv, encodings.cp1252); repeatable, or comma-separated",
    )
    p.add_argument(
        "--libraries",
        choices=("bytecode", "compiled"),
        default="bytecode",
        help="how the installed libraries (--requirements, and packages pip installed into --src) ship: as "
        "bytecode inside the binary (default: same speed, less memory, a smaller zip, builds 4x faster) or "
        "compiled to C. The handler, its own modules and the runtime are always compiled",
    )
    p.add_argument(
        "--library-mode",
        action="append",
        default=[],
        metavar="PACKAGE=MODE",
        help="ship one library otherwise than --libraries says, e.g. --library-mode pydantic=compiled "
        "(repeatable)",
    )
    p.add_argument(
        "--full-stdlib",
        action="store_true",
        help="ship the whole standard library, as plain Nuitka does (bigger zip, more memory)",
    )
    p.add_argument(
        "--no-precompile",
        dest="precompile",
        action="store_false",
        help="do not import the function's libraries at build time: the code they generate on import "
        "(dataclass methods, string annotations) is then compiled on every cold start, and modules they "
        "load by name are shipped only if an import statement names them",
    )
    p.add_argument(
        "--no-sources",
        dest="sources",
        action="store_false",
        help="do not ship the function's own .py files beside bootstrap (they are compiled in either "
        "way; shipped, stack traces show their source lines as on the python runtime)",
    )
    p.add_argument(
        "--check-event",
        metavar="EVENT.json",
        help="after the build's start-up check, also invoke the built function once with this event",
    )
    p.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="do not start the built bootstrap under the emulator to check that its handler loads",
    )
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.add_argument(
        "--c-floor",
        action="store_true",
        help="instead, build the C floor runtime (bootstrap.c) into OUT/c-floor/bootstrap with cc -O2",
    )


def megabytes(size: int) -> str:
    """1234567 -> "1.2 MB"."""
    return f"{size / 1e6:.1f} MB"


def shown(path: str) -> str:
    """`path` relative to the current folder when it is below it, else absolute."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def summary(result, src: str) -> str:
    """The lines printed after a successful build."""
    from importlib.metadata import version

    from lambda_native.builder.target.glibc import format_version

    floor = format_version(result.glibc_floor) if result.glibc_floor else "none"
    zip_shown = shown(result.zip_path)
    event = os.path.join(src, "event.json")
    event_shown = shown(event) if os.path.isfile(event) else "EVENT.json"
    data = len(result.data_files)
    lines = [
        f"built {zip_shown}: handler {result.handler}, runtime {result.target.runtime}, "
        f"architecture {result.arch.lambda_name}",
        f"  compile time  {result.compile_seconds:.1f} s ({result.toolchain})",
        f"  files         {result.file_count} ({data} data file{'s' if data != 1 else ''} from {src})",
        f"  size          {megabytes(result.unzipped_bytes)} unzipped, "
        f"{megabytes(result.zipped_bytes)} zipped",
        f"  glibc floor   {floor} ({result.target.name} has {format_version(result.target.glibc)})",
        f"  python        {platform.python_version()} ({platform.python_implementation()}), "
        f"Nuitka {version('nuitka')}"
        + (
            ""
            if result.inspect_deferred
            else " (unpatched: inspect imported at start-up, no recursion guards)"
        ),
        f"  stdlib        {result.stdlib_left_out} unused modules left out"
        if result.stdlib_left_out
        else "  stdlib        shipped whole",
        f"  stdlib from   {result.stdlib_from}",
    ]
    if result.precompiled:
        what = "generated sources and regular expressions of the function's libraries"
        lines.append(f"  precompiled   {result.precompiled} {what}")
    checked = result.checked
    if checked is None:
        lines.append("  start-up      not checked (--no-check)")
    elif not checked.started:
        lines.append("  start-up      not checked (see the warning above)")
    else:
        state = (
            f"its handler loads ({checked.init_ms:.0f} ms init)"
            if checked.init_ms is not None
            else "its init failed (see the warning above)"
        )
        lines.append(f"  start-up      {state}{', --check-event invoked' if checked.invoked else ''}")
    if result.log_path:
        lines.append(f"  Nuitka's log  {shown(result.log_path)}")
    lines.append(
        f"deploy with --runtime {result.target.runtime} --architectures {result.arch.lambda_name} "
        f"(SAM: Architectures: [{result.arch.lambda_name}])"
    )
    lines.append(f"run it locally: lambda-native invoke {zip_shown} --event {event_shown}")
    return "\n".join(lines)


def library_modes(values: list[str]) -> dict[str, str]:
    """`--library-mode PACKAGE=MODE` values as a dict; BuildError for one without `=`."""
    modes = {}
    for value in values:
        name, sep, mode = value.partition("=")
        if not sep or not name:
            raise BuildError(f"--library-mode {value!r}: expected PACKAGE=MODE, e.g. pydantic=compiled")
        modes[name] = mode
    return modes


def default_src(handler: str, requirements: str | None) -> str:
    """The function's folder when --src is not given (see the module's docstring); BuildError if none."""
    if requirements is not None:
        return os.path.dirname(requirements) or "."
    from lambda_native.builder.handler_check import find_module_file, parse_handler

    try:
        module = parse_handler(handler)[0]
    except BuildError:
        module = None
    if module is not None and find_module_file(".", module) is not None:
        return "."
    if not os.path.isdir(EXAMPLE):
        raise BuildError("--src is required (the folder holding the handler's module)")
    return os.path.relpath(EXAMPLE)


def main(argv: list[str]) -> int:
    """Entry point of `lambda-native build` and `python build.py`."""
    return run(command_line(sys.modules[__name__], argv))


def run(args: argparse.Namespace) -> int:
    """Run a build; 0 on success, 2 with a message on stderr for anything the user can fix."""
    try:
        if args.c_floor:
            from lambda_native.builder.cfloor import build_c_floor

            path = build_c_floor(os.path.join(args.out, "c-floor"))
            print(f"built {shown(path)} (the C floor: echoes each event back)")
            return 0
        src = args.src if args.src is not None else default_src(args.handler, args.requirements)
        from lambda_native.builder.pipeline import BuildOptions, build

        options = BuildOptions(
            handler=args.handler,
            src=src,
            out=args.out,
            work=args.work_dir,
            target=args.target,
            requirements=args.requirements,
            quiet=args.quiet,
            nuitka_options=args.nuitka_option,
            include_stdlib=[name for value in args.include_stdlib for name in value.split(",") if name],
            full_stdlib=args.full_stdlib,
            precompile=args.precompile,
            arch=args.arch,
            include_modules=[name for value in args.include_module for name in value.split(",") if name],
            check=args.check,
            check_event=args.check_event,
            sources=args.sources,
            libraries=args.libraries,
            library_modes=library_modes(args.library_mode),
        )
        result = build(options)
    except BuildError as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 2
    print(summary(result, src))
    return 0
