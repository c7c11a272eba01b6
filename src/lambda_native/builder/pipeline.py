"""One build from start to zip: check everything, compile with Nuitka, ship data files, check glibc, pack.

Every check that can fail fast runs before Nuitka; the glibc check runs after it on the real output.
"""

from __future__ import annotations

import os
import shutil
import sys

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
from lambda_native.builder.handler_check import check_handler
from lambda_native.builder.target import arch as arches
from lambda_native.builder.target import (
    arm64,
    glibc,
    newer_host,
    target_python,
    toolchain,
    zigcache,
)
from lambda_native.runtime import on_demand

ZIP_NAME = "function.zip"
RUNTIME_MODULE = "lambda_native.runtime.bootstrap"


class BuildOptions:
    """What the user asked for (paths as given)."""

    __slots__ = (
        "arch",
        "check",
        "check_event",
        "full_stdlib",
        "handler",
        "include_modules",
        "include_stdlib",
        "libraries",
        "library_entries",
        "library_modes",
        "nuitka_options",
        "out",
        "precompile",
        "quiet",
        "requirements",
        "sources",
        "src",
        "target",
        "work",
    )

    def __init__(
        self,
        handler: str,
        src: str,
        out: str,
        work: str,
        target: str = "al2023",
        requirements: str | None = None,
        quiet: bool = False,
        nuitka_options: list[str] | None = None,
        include_stdlib: list[str] | None = None,
        full_stdlib: bool = False,
        precompile: bool = True,
        arch: str | None = None,
        include_modules: list[str] | None = None,
        check: bool = True,
        check_event: str | None = None,
        sources: bool = True,
        libraries: str = "bytecode",
        library_modes: dict[str, str] | None = None,
        library_entries: bool | None = None,
    ) -> None:
        self.handler = handler
        self.src = src
        self.out = out
        self.work = work
        self.target = target
        self.requirements = requirements
        self.quiet = quiet
        self.nuitka_options = list(nuitka_options or [])  # passed to Nuitka after ours
        self.include_stdlib = list(include_stdlib or [])  # stdlib modules shipped though no import names them
        self.full_stdlib = full_stdlib  # ship the whole standard library, as plain Nuitka does
        self.precompile = precompile  # compile in the code the libraries generate on import (precompile)
        self.arch = arch  # Lambda's name, x86_64 or arm64 (None: this machine's); see arch and arm64
        self.include_modules = list(include_modules or [])  # compiled in (or kept) though imported by name
        self.check = check  # start the built bootstrap and check that its handler loads (startcheck)
        self.check_event = check_event  # and invoke it once with this event file
        self.sources = sources  # ship the function's own .py files beside bootstrap, for tracebacks
        self.libraries = libraries  # how installed libraries ship: "bytecode" in the binary, or "compiled"
        self.library_modes = dict(library_modes or {})  # top-level package -> its own mode
        # apply the libraries' entries (builder/libraries/); None: as LAMBDA_NATIVE_LIBRARY_ENTRIES says
        self.library_entries = library_entries


class BuildResult:
    """What a build made, for the summary and for tests."""

    __slots__ = (
        "arch",
        "checked",
        "compile_seconds",
        "data_files",
        "file_count",
        "glibc_floor",
        "handler",
        "inspect_deferred",
        "log_path",
        "precompiled",
        "stdlib_from",
        "stdlib_left_out",
        "target",
        "toolchain",
        "unzipped_bytes",
        "zip_path",
        "zipped_bytes",
    )

    def __init__(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


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


def check_glibc(root: str, target: toolchain.Target, advice: str | None = None) -> tuple[int, ...] | None:
    """The tree's glibc floor; BuildError naming each file and symbol that needs more than the target has,
    followed by `advice` when there is some."""
    needs = glibc.scan_tree(root)
    over = glibc.too_new(needs, target.glibc)
    if over:
        lines = "\n".join(f"  {os.path.relpath(need.path, root)}: {need.describe()}" for need in over)
        raise BuildError(
            f"the build needs a newer glibc than {target.name} has ({glibc.format_version(target.glibc)}), "
            f"so it would not start on {target.runtime}:\n{lines}" + (f"\n{advice}" if advice else "")
        )
    return glibc.floor_of(needs)


def preflight(options: BuildOptions):
    """Every check that needs no compiling: (handler spec, target, toolchain, runtime root) or BuildError.
    An arm64 build's toolchain is None here: it needs the cross-built CPython (arm64.prepare)."""
    if options.requirements is not None and not os.path.isfile(options.requirements):
        raise BuildError(f"--requirements {options.requirements}: no such file")
    for name, mode in [("", options.libraries), *options.library_modes.items()]:
        if mode not in LIBRARY_MODES:
            option = f"--library-mode {name}={mode}" if name else f"--libraries {mode}"
            raise BuildError(f"{option}: the mode is one of {', '.join(LIBRARY_MODES)}")
    spec = check_handler(options.handler, options.src)
    if options.library_entries is None:
        options.library_entries = libraries.switch()
    if options.target not in toolchain.TARGETS:
        raise BuildError(
            f"--target {options.target!r} is unknown: choose one of {', '.join(toolchain.TARGETS)}"
        )
    target = toolchain.TARGETS[options.target]
    host = arches.host_arch()
    arch = arches.check_arch(options.arch or host.lambda_name)
    toolchain.require_build_tools()
    if arch is host:
        tools = toolchain.choose_toolchain(target, arch.triple_cpu)
    elif arch.lambda_name == "arm64":
        arm64.check_target(target)
        toolchain.require_zig("arm64 builds cross-compile with zig")
        tools = None
    else:
        raise BuildError(
            f"--arch {arch.lambda_name} cannot be built on this {host.lambda_name} machine: build on an "
            f"{arch.lambda_name} machine, or in Docker with --platform linux/amd64"
        )
    runtime_root = package_root()
    check_runtime(runtime_root)
    return spec, target, tools, runtime_root


def compiler_setup(tools: toolchain.Toolchain, work: str, python_path: list[str]) -> tuple[dict, str]:
    """Nuitka's environment (ccache in front of zig when there is ccache) and the compiler's description."""
    zig = "--zig" in tools.nuitka_options
    shim = zigcache.ccache_shim(tools.compiler, os.path.join(work, "zig-ccache"), work) if zig else None
    path_prefix = ([shim[0]] if shim else []) + tools.path_prefix
    env = nuitka_command.nuitka_env(python_path, path_prefix, tools.env, zig=zig)
    for name, value in (shim[1] if shim else {}).items():
        env.setdefault(name, value)  # the user's own ccache settings win
    return env, tools.description + (" via ccache" if shim else "")


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
    """The runtime's modules (`lambda_native.runtime.bootstrap`, ...), all compiled in but those compiled
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


def cold_start_options(options: BuildOptions, spec, python_path: list[str], site: str | None, out):
    """Nuitka options for the source changes that shorten cold starts (package_config), with the table of
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
    for note in libraries.notes(python_path, options.library_entries):
        if not options.quiet:
            print(note, file=out)
    config = libraries.write(folder, bool(precompiled), python_path, options.library_entries)
    return [*extra, "--user-package-configuration-file=" + config], recorded


LIBRARY_MODES = ("bytecode", "compiled")


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


def reached_options(recorded, function_folders: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
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
    libraries, standard = reach.loaded_by_libraries(recorded.loaded, function_folders)
    return [f"--include-module={name}" for name in libraries], [*libraries, *standard]


def build(options: BuildOptions, out=sys.stdout) -> BuildResult:
    """Build `options.handler` from `options.src` into `<out>/function.zip`; BuildError on any problem."""
    spec, target, tools, runtime_root = preflight(options)
    arch = arches.ARCHES[options.arch or arches.host_arch().lambda_name]
    event = startcheck.read_event(options.check_event) if options.check and options.check_event else None
    src = os.path.abspath(options.src)
    work = os.path.abspath(options.work)
    out_dir = os.path.abspath(options.out)
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    python, advice = None, None  # the target CPython, what to do if the host's files fail the glibc check
    cross = tools is None  # arm64 on an x86_64 machine
    if cross:
        tools, python = arm64.prepare(target, work, out, options.quiet)
    elif newer_host.applies(tools):
        tools, python, advice = newer_host.prepare(target, arch, tools, work, out, options.quiet)
    skip = [out_dir, work] + ([os.path.abspath(options.requirements)] if options.requirements else [])
    shipped = datafiles.data_files(src, tuple(skip))

    python_path = [src]
    extra = tools.nuitka_options + options.nuitka_options
    extra += [f"--include-module={name}" for name in options.include_modules]
    site = None
    if options.requirements is not None:
        site = os.path.join(work, "requirements")
        if not options.quiet:
            print(f"installing {options.requirements} into {site}", file=out, flush=True)
        requirements.install_requirements(options.requirements, site, target.glibc)
        python_path.append(site)
        # Nuitka compiles what the handler imports; data files of those packages must be asked for.
        extra += [f"--include-package-data={name}" for name in requirements.top_level_packages(site)]
    function_folders = list(python_path)
    python_path.append(runtime_root)
    extra += library_options(options, site, src)

    entry = os.path.join(work, "bootstrap.py")
    with open(entry, "w", encoding="utf-8") as f:
        f.write(nuitka_command.entry_script(str(spec)))
    dist = os.path.join(work, "bootstrap.dist")
    shutil.rmtree(dist, ignore_errors=True)

    notes: list[str] = []
    faster_start, recorded = cold_start_options(options, spec, python_path, site, out)
    extra += faster_start
    reached, reached_roots = reached_options(recorded, function_folders, notes)
    extra += reached
    isolated_options, isolated = isolation_options(entry, python_path, function_folders)
    left_out = stdlib_options(
        options, spec, entry, python_path, reached_roots, isolated, notes, function_folders
    )
    patched = deferred_inspect_nuitka(work, out, options.quiet)
    if python is not None:
        target_python.require_patched(patched)
    env, compiler = compiler_setup(tools, work, python_path)
    if patched:
        env["PYTHONPATH"] = os.pathsep.join([patched, env["PYTHONPATH"]])
    if not options.quiet:
        print(
            f"building {spec} from {options.src} for {target.runtime} on {arch.lambda_name} with {compiler}",
            file=out,
        )
        if left_out:
            print(
                f"leaving out {len(left_out)} standard-library modules the function cannot import "
                "(--include-module NAME ships one anyway, --full-stdlib all)",
                file=out,
            )
        if reached:
            print(f"shipping {len(reached)} modules its libraries load by name or from C", file=out)
        for note in notes:
            print(f"note: {note}", file=out)
    progress = nuitka_command.Progress(out, quiet=options.quiet)
    command = nuitka_command.nuitka_command(
        entry, work, spec.module, runtime_modules(), extra + isolated_options + left_out
    )
    log_path = os.path.join(work, "nuitka.log")
    nuitka_command.run_nuitka(command, env, work, log_path, progress)
    compile_seconds = progress.elapsed()
    if not os.path.isfile(os.path.join(dist, "bootstrap")):
        raise BuildError(f"Nuitka finished but {dist}/bootstrap is missing; see {work}/nuitka.log")

    if cross:
        arm64.finish(dist, arch, python, python_path, work)
    elif python is not None:
        newer_host.finish(dist, arch, python, python_path, work)
    datafiles.copy_files(src, shipped, dist)
    for problem in libraries.check_shipped(dist, python_path, options.library_entries):
        raise BuildError(problem)
    if options.sources:
        own = datafiles.own_sources(src, tuple(skip), precompile.installed_names(src))
        datafiles.copy_files(src, own, dist)
    floor = check_glibc(dist, target, advice)
    unzipped = archive.unzipped_tree_size(dist)  # what the zip written from `dist` unpacks to
    archive.check_size(dist, unzipped, archive.UNZIPPED_LIMIT, "unzipped")
    zip_path = os.path.join(out_dir, ZIP_NAME)
    # Only a zip that fits Lambda and starts becomes function.zip; a failed one is removed.
    unchecked = os.path.join(out_dir, "function.unchecked.zip")
    count = archive.write_zip(dist, unchecked, str(spec))
    checked = None
    try:
        archive.check_size(dist, os.path.getsize(unchecked), archive.ZIPPED_LIMIT, "zipped")
        if options.check:
            if not options.quiet:
                print("checking that it starts: its init under the emulator", file=out, flush=True)
            checked = startcheck.check_start(unchecked, str(spec), event, function_folders)
    except BuildError:
        os.remove(unchecked)
        raise
    os.replace(unchecked, zip_path)
    for warning in checked.warnings if checked is not None else ():
        print(f"warning: {warning}", file=out)
    return BuildResult(
        arch=arch,
        checked=checked,
        log_path=log_path,
        compile_seconds=compile_seconds,
        data_files=shipped,
        file_count=count,
        glibc_floor=floor,
        handler=str(spec),
        inspect_deferred=patched is not None,
        precompiled=recorded.codes if recorded is not None else 0,
        stdlib_from=target_python.describe(python, glibc.format_version(target.glibc), arch),
        stdlib_left_out=len(left_out),
        target=target,
        toolchain=compiler,
        unzipped_bytes=unzipped,
        zip_path=zip_path,
        zipped_bytes=os.path.getsize(zip_path),
    )
