"""The repository's shape: every test file runs, CI runs the README's command, the top level is the design,
and the package's modules import one another without circles."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of the README's opening code block (set-up first, then the test command)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "the README opens with a ```sh block of commands"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_every_test_file_is_collected():
    """A folder that pytest skips by name (`build`, `dist`, `venv`...) would drop its tests silently."""
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts="],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = {line.split("::", 1)[0] for line in done.stdout.splitlines() if "::" in line}
    missing = [name for name in files if name not in collected]
    assert not missing, f"test files the README's pytest command does not collect: {missing}"


def test_ci_runs_exactly_the_readme_test_command():
    _, test_command = readme_commands()[:2]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == test_command, (
        f".ci/run ends with {commands[-1]!r}, the README says {test_command!r}"
    )
    assert shlex.split(test_command)[1:3] == ["-m", "pytest"]


def test_the_top_level_is_the_design():
    for name in ("pyproject.toml", "src", "build.py", "bootstrap.c", "tests", "Dockerfile", "benchmarks"):
        assert (ROOT / name).exists(), name
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {part for line in tracked.splitlines() for part in Path(line).parts[:-1]}
    named_like_output = folders & {"build", "dist", "venv", ".venv"}
    assert not named_like_output, f"tracked folders that tools skip or ignore by name: {named_like_output}"


PACKAGE = ROOT / "src" / "lambda_native"


def module_names(package: Path) -> dict[str, Path]:
    """Every module of `package` by dotted name (a package by its own name, for its `__init__.py`)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file: at module level, inside functions,
    or under `if TYPE_CHECKING:` (each is a dependency a reader must follow)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets += [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports in `graph` (module -> the modules it imports), as a path back to its start."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (circle := visit(target)):
                return circle
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (circle := visit(module)):
            return circle
    return None


def package_import_graph() -> dict[str, set[str]]:
    known = module_names(PACKAGE)
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def test_the_import_graph_finds_a_circle_when_there_is_one(tmp_path):
    package = tmp_path / "lambda_native"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "one.py").write_text("from lambda_native.sub import two\n")
    (package / "sub" / "two.py").write_text("def f():\n    from . import three\n")
    (package / "sub" / "three.py").write_text("from .one import thing\n")
    known = module_names(package)
    graph = {name: imported_modules(name, path, known) for name, path in known.items()}
    assert graph["lambda_native.sub.two"] == {"lambda_native.sub.three"}
    assert import_circle(graph) == [
        "lambda_native.sub.one",
        "lambda_native.sub.two",
        "lambda_native.sub.three",
        "lambda_native.sub.one",
    ]
    (package / "sub" / "three.py").write_text("import os\n")
    known = module_names(package)
    assert import_circle({name: imported_modules(name, path, known) for name, path in known.items()}) is None


def test_no_module_imports_itself_through_others():
    """A circle (even through a function-level import) means two modules share one job, or one holds a
    piece another needs: that piece belongs in a module of its own."""
    circle = import_circle(package_import_graph())
    assert circle is None, "modules importing one another in a circle: " + " -> ".join(circle)
