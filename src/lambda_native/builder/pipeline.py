"""One build from start to zip: check everything, compile with Nuitka, ship data files, check glibc, pack.

Every check that can fail fast runs before Nuitka (`preflight`); the glibc check runs after it on the
real output. `build` runs the steps in order: preflight, the target's toolchain (target/steps.py), the
function's inputs, the Nuitka options, the compile, the standalone folder finished, the zip.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import NamedTuple

from lambda_native.builder import (
    archive,
    datafiles,
    distributions,
    libraries,
    nuitka_command,
    nuitka_patch,
    precompile,
    reach,
    requirements,
    startcheck,
    stdlib_trim,
)
from lambda_native.builder.build_error import BuildError
from lambda_native.builder.handler_check import HandlerSpec, check_handler
from lambda_native.builder.import_probe_runner import ProbeResult
from lambda_native.builder.target import steps
from lambda_native.builder.target.arch import Arch
from lambda_native.builder.target.toolchain import Target
from lambda_native.runtime import on_demand

ZIP_NAME = "function.zip"
RUNTIME_MODULE = "lambda_native.runtime.loop"
LIBRARY_MODES = ("bytecode", "compiled")


@dataclass
class BuildOptions:
    """What the user asked for (paths as given)."""

    handler: str
    src: str
    out: str
    work: str
    target: str = "al2023"
    requirements: str | None = None
    quiet: bool = False
    nuitka_options: list[str] = field(default_factory=list)  # passed to Nuitka after ours
    include_stdlib: list[str] = field(
        default_factory=list
    )  # stdlib modules shipped though no import names them
    full_stdlib: bool = False  # ship the whole standard library, as plain Nuitka does
    precompile: bool = True  # compile in the code the libraries generate on import (precompile)
    arch: str | None = None  # Lambda's name, x86_64 or arm64 (None: this machine's); see target/
    include_modules: list[str] = field(default_factory=list)  # compiled in (or kept) though imported by name
    check: bool = True  # start the built bootstrap and check that its handler loads (startcheck)
    check_event: str | None = None  # and invoke it once with this event file
    sources: bool = True  # ship the function's own .py files beside bootstrap, for tracebacks
    libraries: str = "bytecode"  # how installed libraries ship: "bytecode" in the binary, or "compiled"
    library_modes: dict[str, str] = field(default_factory=dict)  # top-level package -> its own mode
    # apply the libraries' entries (builder/libraries/); None: as LAMBDA_NATIVE_LIBRARY_ENTRIES says
    library_entries: bool | None = None


@dataclass(frozen=True)
class BuildResult:
    """What a build made, for the summary and for tests."""

    arch: Arch
    checked: startcheck.CheckResult | None  # None with --no-check
    compile_seconds: float
    data_files: list[str]
    file_count: int
    glibc_floor: tuple[int, ...] | None
    handler: str
    inspect_deferred: bool  # built with the patched Nuitka (nuitka_patch)
    log_path: str | None
    precompiled: int  # code objects and regular expressions compiled at build time
    stdlib_from: str
    stdlib_left_out: int
    target: Target
    toolchain: str
    unzipped_bytes: int
    zip_path: str
    zipped_bytes: int


class Preflight(NamedTuple):
    """What the checks before compiling found: the handler, the target chosen, the folder holding the
    runtime, and whether the library entries apply."""

    spec: HandlerSpec
    choice: steps.Choice
    runtime_root: str
    library_entries: bool


class Folders(NamedTuple):
    """The absolute folders of a build: the function's, the work folder, where the zip goes, and the
    standalone folder Nuitka makes."""

    src: str
    work: str
    out: str
    dist: str


class Inputs(NamedTuple):
    """What the build compiles from: the Python path Nuitka imports from, the function's own folders on
    it (its folder and its installed requirements), the requirements' folder (None without), the data
    files shipped beside bootstrap, the folders never shipped as data, and the Nuitka options they ask."""

    python_path: list[str]
    function_folders: list[str]
    site: str | None
    data_files: list[str]
    skip: tuple[str, ...]
    nuitka_options: list[str]


class Compiled(NamedTuple):
    """A finished compile: Nuitka's log, the seconds it took, the compiler's description, whether the
    patched Nuitka was used, the stdlib modules left out and what import probing recorded."""

    log_path: str
    seconds: float
    toolchain: str
    inspect_deferred: bool
    stdlib_left_out: int
    recorded: ProbeResult | None


def package_root() -> str:
    """The folder holding the `lambda_native` package, so Nuitka compiles the runtime from this checkout."""
    import lambda_native

    return os.path.dirname(os.path.dirname(os.path.abspath(lambda_native.__file__)))


def check_runtime(root: str) -> None:
    """BuildError unless the runtime loop the entry script calls is there to be compiled in."""
    if not os.path.isfile(os.path.join(root, *RUNTIME_MODULE.split(".")) + ".py"):
        raise BuildError(
            f"the runtime module {RUNTIME_MODULE} is missing from {root}; reinstall lambda-native"
        )


def compiler_setup(prepared: steps.Prepared, work: str, python_path: list[str]) -> tuple[dict, str]:
    """Nuitka's environment (ccache in front of zig when there is ccache) and the compiler's description."""
    compiler = steps.compiler(prepared, work)
    env = nuitka_command.nuitka_env(python_path, compiler.path_prefix, compiler.env, zig=compiler.zig)
    for name, value in compiler.defaults.items():
        env.setdefault(name, value)  # the user's own ccache settings win
    return env, compiler.description


# A runtime module the function reaches only through its handler's shape: asyncio (and with it ssl,
# subprocess, concurrent.futures...) is shipped for `async def` handlers, or when the function imports it.
ASYNC_RUNTIME_MODULE = "lambda_native.runtime.aio"


def asked_modules(options: BuildOptions) -> list[str]:
    """Modules and packages compiled in through `--nuitka-option=--include-module=X`: other handlers
    `_HANDLER` may name at run time."""
    return [
        option.split("=", 1)[1]
        for option in options.nuitka_options
        if option.startswith(("--include-module=", "--include-package="))
    ]


def stdlib_options(
    options: BuildOptions,
    spec,
    entry: str,
    python_path: list[str],
    extra_roots: list[str] | tuple[str, ...] = (),
    environment: frozenset[str] = frozenset(),
    notes: list[str] | None = None,
    function_folders: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """`--nofollow-import-to` for every stdlib module the function cannot import (see stdlib_trim).
    `extra_roots` are followed too (what the function's libraries loaded), and so is every module of the
    packages it reaches in `function_folders`; `environment` is not (the build environment's packages);
    what could not be followed is said in `notes`."""
    if options.full_stdlib:
        return []
    runtime = runtime_modules()
    # Modules compiled in on request are roots too; any of them may be named by _HANDLER at run time,
    # and be async, so asyncio then stays. Those of --include-module are modules imported by name.
    asked = asked_modules(options)
    skip = frozenset() if spec.is_async or asked else frozenset({ASYNC_RUNTIME_MODULE})
    roots = [spec.module, *asked, *options.include_modules, *runtime, *options.include_stdlib, *extra_roots]
    needed = stdlib_trim.needed_modules(entry, roots, python_path, skip, notes, environment, function_folders)
    return [f"--nofollow-import-to={name}" for name in stdlib_trim.left_out(needed, options.include_stdlib)]


def isolation_options(
    entry: str, python_path: list[str], function_folders: list[str]
) -> tuple[list[str], frozenset[str]]:
    """`--nofollow-import-to` for the build environment's packages that are not the function's (see
    reach), and their names. The runtime's own needs there are found by scanning it alone."""
    scanner = stdlib_trim.ImportScanner(python_path)
    scanner.add_script(entry)
    for module in runtime_modules():
        scanner.add(module)
    needs = reach.in_environment(scanner.found())
    isolated = reach.environment_packages(function_folders, needs)
    return [f"--nofollow-import-to={name}" for name in isolated], frozenset(isolated)


def runtime_modules() -> list[str]:
    """The runtime's modules (`lambda_native.runtime.loop`, ...), all compiled in but those compiled
    only on demand (runtime/on_demand.py)."""
    folder = os.path.join(package_root(), "lambda_native", "runtime")
    modules = ("lambda_native.runtime." + name[:-3] for name in os.listdir(folder) if name.endswith(".py"))
    return sorted(
        name
        for name in modules
        if name != "lambda_native.runtime.__init__" and name not in on_demand.ON_DEMAND
    )


def deferred_inspect_nuitka(work: str, out, quiet: bool) -> str | None:
    """The patched Nuitka's folder (for PYTHONPATH), or None with a note of what is lost: nuitka_patch."""
    import nuitka as installed
    from nuitka.Version import getNuitkaVersion

    result = nuitka_patch.patched_nuitka(
        os.path.dirname(installed.__file__), getNuitkaVersion(), os.path.join(work, "nuitka-patched")
    )
    if result.path is None and not quiet:
        print(
            f"note: building with Nuitka unpatched ({result.reason}): the bootstrap imports inspect at "
            "start-up (a few ms slower), runaway recursion in compiled code crashes it instead of "
            "raising RecursionError, Nuitka spends twice as long finding what modules shipped as bytecode "
            "import, and a rebuild of them may crash Nuitka",
            file=out,
        )
    return result.path


def cold_start_options(
    options: BuildOptions,
    spec: HandlerSpec,
    python_path: list[str],
    site: str | None,
    out,
    library_entries: bool = True,
) -> tuple[list[str], ProbeResult | None]:
    """Nuitka options for the source changes that shorten cold starts (the library entries' with
    `library_entries`, libraries/), with the table of
    code precompiled from the function's libraries (precompile) and that of the entry-point groups the
    installed distributions (`site`) declare, and what importing the libraries recorded (None with
    --no-precompile). Puts the generated modules' folder on `python_path`; says what does not apply."""
    folder = os.path.join(os.path.abspath(options.work), "generated")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    extra = []
    if site is not None:
        extra += [distributions.metadata_config(site, folder), distributions.groups_module(site, folder)]
    precompiled, recorded = [], None
    if options.precompile:
        # The handler's module and those compiled in on request: any may be the handler at run time.
        modules = [spec.module, *asked_modules(options), *options.include_modules]
        src = os.path.abspath(options.src)
        precompiled, recorded = precompile.precompile_options(src, modules, python_path, folder)
        extra += precompiled
        if recorded.codes_path is None and not options.quiet:
            print(f"note: generated code is compiled at run time as usual: {recorded.reason}", file=out)
    if extra:
        python_path.append(folder)
    for note in libraries.notes(python_path, library_entries):
        if not options.quiet:
            print(note, file=out)
    config = libraries.write(folder, bool(precompiled), python_path, library_entries)
    configured = [] if config is None else ["--user-package-configuration-file=" + config]
    return [*extra, *configured], recorded


def library_options(options: BuildOptions, site: str | None, src: str) -> list[str]:
    """`--noinclude-custom-mode=PKG:bytecode` for each installed library (the top-level packages of
    --requirements and those pip installed into --src) that ships as bytecode inside the binary.

    Libraries ship as bytecode by default: their module bodies run once per cold start, at the same speed
    compiled or not, and compiled C is pages of the executable to map and read (measured on a Powertools
    function: same first response, less memory, a smaller zip, builds 4x faster). The handler, its own
    modules and the runtime are always compiled. `--library-mode PKG=compiled` compiles one in."""
    installed = (reach.top_level_names(site) if site else set()) | precompile.installed_names(src)
    modes = {name: options.libraries for name in installed}
    modes.update(options.library_modes)
    return [
        f"--noinclude-custom-mode={name}:bytecode"
        for name, mode in sorted(modes.items())
        if mode == "bytecode"
    ]


def reached_options(
    recorded: ProbeResult | None, function_folders: list[str], notes: list[str]
) -> tuple[list[str], list[str]]:
    """`--include-module` for every library module the import probe saw load from the function's
    folders, and the stdlib modules it saw, for the trim to follow (see reach); notes for the imports
    that failed."""
    if recorded is None:
        return [], []
    notes.extend(
        f"`{statement}` fails at build time ({error}): modules it would load by name are shipped only if "
        "an import statement names them"
        for statement, error in recorded.failed
    )
    by_libraries, standard = reach.loaded_by_libraries(recorded.loaded, function_folders)
    return [f"--include-module={name}" for name in by_libraries], [*by_libraries, *standard]


def build(options: BuildOptions, out=sys.stdout) -> BuildResult:
    """Build `options.handler` from `options.src` into `<out>/function.zip`; BuildError on any problem."""
    checked = preflight(options)
    event = startcheck.read_event(options.check_event) if options.check and options.check_event else None
    folders = make_folders(options)
    prepared = steps.prepare(checked.choice, folders.work, out, options.quiet)
    inputs = function_inputs(options, checked, folders, prepared, out)
    compiled = compile_bootstrap(options, checked, folders, prepared, inputs, out)
    steps.finish(checked.choice, prepared, folders.dist, inputs.python_path, folders.work)
    floor = finish_dist(options, checked, folders, prepared, inputs)
    zip_path, count, unzipped, start = pack_and_check(options, checked, folders, inputs, event, out)
    return BuildResult(
        arch=checked.choice.arch,
        checked=start,
        log_path=compiled.log_path,
        compile_seconds=compiled.seconds,
        data_files=inputs.data_files,
        file_count=count,
        glibc_floor=floor,
        handler=str(checked.spec),
        inspect_deferred=compiled.inspect_deferred,
        precompiled=compiled.recorded.codes if compiled.recorded is not None else 0,
        stdlib_from=steps.stdlib_from(checked.choice, prepared),
        stdlib_left_out=compiled.stdlib_left_out,
        target=checked.choice.target,
        toolchain=compiled.toolchain,
        unzipped_bytes=unzipped,
        zip_path=zip_path,
        zipped_bytes=os.path.getsize(zip_path),
    )


def preflight(options: BuildOptions) -> Preflight:
    """Every check that needs no compiling, or BuildError. An arm64 build's toolchain is not chosen here:
    it needs the cross-built CPython (steps.prepare)."""
    if options.requirements is not None and not os.path.isfile(options.requirements):
        raise BuildError(f"--requirements {options.requirements}: no such file")
    for name, mode in [("", options.libraries), *options.library_modes.items()]:
        if mode not in LIBRARY_MODES:
            option = f"--library-mode {name}={mode}" if name else f"--libraries {mode}"
            raise BuildError(f"{option}: the mode is one of {', '.join(LIBRARY_MODES)}")
    spec = check_handler(options.handler, options.src)
    entries = libraries.switch() if options.library_entries is None else options.library_entries
    choice = steps.choose(options.target, options.arch)
    runtime_root = package_root()
    check_runtime(runtime_root)
    return Preflight(spec, choice, runtime_root, entries)


def make_folders(options: BuildOptions) -> Folders:
    """The build's folders, made absolute; the work and output folders created, the old standalone folder
    removed."""
    work = os.path.abspath(options.work)
    out_dir = os.path.abspath(options.out)
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    dist = os.path.join(work, "bootstrap.dist")
    shutil.rmtree(dist, ignore_errors=True)
    return Folders(os.path.abspath(options.src), work, out_dir, dist)


def function_inputs(
    options: BuildOptions, checked: Preflight, folders: Folders, prepared: steps.Prepared, out
) -> Inputs:
    """The function's data files, its requirements installed for the target, and the Python path and
    Nuitka options they make."""
    skip = (folders.out, folders.work) + (
        (os.path.abspath(options.requirements),) if options.requirements else ()
    )
    shipped = datafiles.data_files(folders.src, skip)
    python_path = [folders.src]
    extra = prepared.tools.nuitka_options + options.nuitka_options
    extra += [f"--include-module={name}" for name in options.include_modules]
    site = None
    if options.requirements is not None:
        site = os.path.join(folders.work, "requirements")
        if not options.quiet:
            print(f"installing {options.requirements} into {site}", file=out, flush=True)
        requirements.install_requirements(options.requirements, site, checked.choice.target.glibc)
        python_path.append(site)
        # Nuitka compiles what the handler imports; data files of those packages must be asked for.
        extra += [f"--include-package-data={name}" for name in requirements.top_level_packages(site)]
    function_folders = list(python_path)
    python_path.append(package_root())
    extra += library_options(options, site, folders.src)
    return Inputs(python_path, function_folders, site, shipped, skip, extra)


def compile_bootstrap(
    options: BuildOptions, checked: Preflight, folders: Folders, prepared: steps.Prepared, inputs: Inputs, out
) -> Compiled:
    """Write the entry script, choose every Nuitka option, say what the build will do, and run Nuitka
    into the standalone folder; BuildError when it fails."""
    spec, work = checked.spec, folders.work
    entry = os.path.join(work, "bootstrap.py")
    with open(entry, "w", encoding="utf-8") as f:
        f.write(nuitka_command.entry_script(str(spec)))
    python_path = inputs.python_path
    notes: list[str] = []
    faster_start, recorded = cold_start_options(
        options, spec, python_path, inputs.site, out, checked.library_entries
    )
    reached, reached_roots = reached_options(recorded, inputs.function_folders, notes)
    isolated_options, isolated = isolation_options(entry, python_path, inputs.function_folders)
    left_out = stdlib_options(
        options, spec, entry, python_path, reached_roots, isolated, notes, inputs.function_folders
    )
    patched = deferred_inspect_nuitka(work, out, options.quiet)
    steps.require_patched(prepared, patched)
    env, compiler = compiler_setup(prepared, work, python_path)
    if patched:
        env["PYTHONPATH"] = os.pathsep.join([patched, env["PYTHONPATH"]])
    if not options.quiet:
        say_plan(options, checked, compiler, len(left_out), len(reached), notes, out)
    progress = nuitka_command.Progress(out, quiet=options.quiet)
    command = nuitka_command.nuitka_command(
        entry,
        work,
        spec.module,
        runtime_modules(),
        inputs.nuitka_options + faster_start + reached + isolated_options + left_out,
    )
    log_path = os.path.join(work, "nuitka.log")
    nuitka_command.run_nuitka(command, env, work, log_path, progress)
    seconds = progress.elapsed()
    if not os.path.isfile(os.path.join(folders.dist, "bootstrap")):
        raise BuildError(f"Nuitka finished but {folders.dist}/bootstrap is missing; see {work}/nuitka.log")
    return Compiled(log_path, seconds, compiler, patched is not None, len(left_out), recorded)


def say_plan(
    options: BuildOptions,
    checked: Preflight,
    compiler: str,
    left_out: int,
    reached: int,
    notes: list[str],
    out,
) -> None:
    """Tell the user what is about to be compiled, for what, with what, and what the build noticed."""
    arch = checked.choice.arch
    print(
        f"building {checked.spec} from {options.src} for {checked.choice.target.runtime} on "
        f"{arch.lambda_name} with {compiler}",
        file=out,
    )
    if left_out:
        print(
            f"leaving out {left_out} standard-library modules the function cannot import "
            "(--include-module NAME ships one anyway, --full-stdlib all)",
            file=out,
        )
    if reached:
        print(f"shipping {reached} modules its libraries load by name or from C", file=out)
    for note in notes:
        print(f"note: {note}", file=out)


def finish_dist(
    options: BuildOptions, checked: Preflight, folders: Folders, prepared: steps.Prepared, inputs: Inputs
) -> tuple[int, ...] | None:
    """Ship the data files (and the function's sources) beside bootstrap, check what the library entries
    compiled in against what shipped, and check glibc; the tree's glibc floor."""
    datafiles.copy_files(folders.src, inputs.data_files, folders.dist)
    for problem in libraries.check_shipped(folders.dist, inputs.python_path, checked.library_entries):
        raise BuildError(problem)
    if options.sources:
        own = datafiles.own_sources(folders.src, inputs.skip, precompile.installed_names(folders.src))
        datafiles.copy_files(folders.src, own, folders.dist)
    return steps.check_glibc(folders.dist, checked.choice.target, prepared.advice)


def pack_and_check(
    options: BuildOptions, checked: Preflight, folders: Folders, inputs: Inputs, event: bytes | None, out
) -> tuple[str, int, int, startcheck.CheckResult | None]:
    """Pack the standalone folder into function.zip if it fits Lambda and starts (a failed zip is
    removed): (its path, its file count, its unzipped size, the start-up check's result)."""
    dist, spec = folders.dist, str(checked.spec)
    unzipped = archive.unzipped_tree_size(dist)  # what the zip written from `dist` unpacks to
    archive.check_size(dist, unzipped, archive.UNZIPPED_LIMIT, "unzipped")
    zip_path = os.path.join(folders.out, ZIP_NAME)
    unchecked = os.path.join(folders.out, "function.unchecked.zip")
    count = archive.write_zip(dist, unchecked, spec)
    start = None
    try:
        archive.check_size(dist, os.path.getsize(unchecked), archive.ZIPPED_LIMIT, "zipped")
        if options.check:
            if not options.quiet:
                print("checking that it starts: its init under the emulator", file=out, flush=True)
            start = startcheck.check_start(unchecked, spec, event, inputs.function_folders)
    except BuildError:
        os.remove(unchecked)
        raise
    os.replace(unchecked, zip_path)
    for warning in start.warnings if start is not None else ():
        print(f"warning: {warning}", file=out)
    return zip_path, count, unzipped, start
