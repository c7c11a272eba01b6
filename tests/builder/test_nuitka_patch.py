"""The Nuitka patch (lazy `inspect`, recursion guards kept, bytecode pages given back) applies to the
installed, pinned Nuitka and refuses anything else."""

from __future__ import annotations

import os
import shutil

import nuitka
import pytest
from nuitka.Version import getNuitkaVersion

from lambda_native.builder import nuitka_patch

INSTALLED = os.path.dirname(nuitka.__file__)


def read(root: str, relative: str) -> str:
    with open(os.path.join(root, "nuitka", relative), encoding="utf-8") as file:
        return file.read()


def test_the_installed_nuitka_is_the_pinned_one():
    assert getNuitkaVersion() == nuitka_patch.PINNED_VERSION


def test_patch_moves_the_inspect_import_from_main_to_the_loader(tmp_path):
    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert result.path is not None, result.reason
    assert result.reason == "created"
    main = read(result.path, "build/static_src/MainProgram.c")
    loader = read(result.path, "build/static_src/MetaPathBasedLoader.c")
    assert "patchInspectModule(tstate);" not in main
    assert 'if (strcmp(name, "inspect") == 0) {\n            patchInspectModule(tstate);' in loader
    # Nothing else changed: the installed Nuitka is untouched and the copy is otherwise identical.
    assert "patchInspectModule(tstate);" in read(os.path.dirname(INSTALLED), "build/static_src/MainProgram.c")
    untouched = "build/static_src/InspectPatcher.c"
    assert read(result.path, untouched) == read(os.path.dirname(INSTALLED), untouched)


def test_patch_keeps_the_recursion_guards(tmp_path):
    """Compiled out, runaway recursion in compiled code dies of SIGSEGV instead of raising RecursionError."""
    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert result.path is not None, result.reason
    prelude = read(result.path, "build/include/nuitka/prelude.h")
    assert "#define Py_EnterRecursiveCall(arg) (0)" not in prelude
    assert "#define Py_LeaveRecursiveCall()" not in prelude
    assert "#define Py_EnterRecursiveCall(arg) (Py_EnterRecursiveCall)(" in prelude
    installed = read(os.path.dirname(INSTALLED), "build/include/nuitka/prelude.h")
    assert "#define Py_EnterRecursiveCall(arg) (0)" in installed


def test_patch_gives_back_bytecode_pages_once_unmarshalled(tmp_path):
    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert result.path is not None, result.reason
    blob = read(result.path, "build/static_src/HelpersConstantsBlob.c")
    loader = read(result.path, "build/static_src/MetaPathBasedLoader.c")
    assert "madvise((void *)start, end - start, MADV_DONTNEED);" in blob
    assert '    if (strcmp(name, ".bytecode") == 0) {\n        lambdaNativeSetBytecodeBlob(' in blob
    assert "lambdaNativeReleaseBytecode(_bytecode_data[entry->bytecode_index], entry->" in loader


def test_patch_releases_each_bytecode_modules_code_object_once_run(tmp_path):
    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert result.path is not None, result.reason
    loader = read(result.path, "build/static_src/MetaPathBasedLoader.c")
    assert (
        "            loadModuleFromCodeObject(tstate, module, module_name, code_object, entry);\n"
        "        Py_DECREF(code_object);\n"
        "        return loaded;\n"
    ) in loader


def test_patched_copy_is_reused(tmp_path):
    first = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    second = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert (first.reason, second.reason) == ("created", "reused")
    assert first.path == second.path


def test_other_nuitka_versions_are_built_unpatched(tmp_path):
    result = nuitka_patch.patched_nuitka(INSTALLED, "9.9.9", str(tmp_path))
    assert result.path is None
    assert "9.9.9" in result.reason and nuitka_patch.PINNED_VERSION in result.reason
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("copies", [0, 2])
def test_source_that_does_not_match_exactly_once_is_left_alone(tmp_path, copies):
    fake = tmp_path / "nuitka"
    shutil.copytree(INSTALLED, fake, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    relative, old, _ = nuitka_patch.REPLACEMENTS[0]
    path = fake / relative
    text = path.read_text(encoding="utf-8").replace(old, old * copies)
    path.write_text(text, encoding="utf-8")
    problem = nuitka_patch.apply_replacements(str(fake))
    assert problem == f"{relative} has the text to replace {copies} times, expected once"
    assert path.read_text(encoding="utf-8") == text  # nothing written when any replacement fails


def test_patch_stops_optimizing_bytecode_modules_after_a_few_micro_passes(tmp_path):
    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path))
    assert result.path is not None, result.reason
    optimization = read(result.path, "optimizations/Optimization.py")
    assert (
        f"            micro_pass >= {nuitka_patch.BYTECODE_MICRO_PASSES}\n"
        '            and module.getCompilationMode() == "bytecode"\n'
        "        ):\n"
        "            break\n"
    ) in optimization
    caching = read(result.path, "BytecodeCaching.py")
    assert f'updateFromValues("lambda-native-micro-passes-{nuitka_patch.BYTECODE_MICRO_PASSES}")' in caching
    assert "lambda-native" not in read(os.path.dirname(INSTALLED), "BytecodeCaching.py")


# A library module whose imports Nuitka finds only in its later micro passes: a dynamic import by constant
# name inside a function (the third pass resolves it, as SQLAlchemy's dialect loader), and one in a
# `TYPE_CHECKING` branch (dead from the second pass on: not shipped), between work that takes many passes.
LIBRARY = """\
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plugin_only_for_typing


def load(name):
    if name == "json":
        return __import__("json.decoder").decoder
    return None


def churn(values):
    total = 0
    for value in values:
        if isinstance(value, int):
            total += value
        elif isinstance(value, str):
            total += len(value)
    return total


RESULT = churn([1, "a", 2, "bc"])
"""


@pytest.mark.native
def test_bytecode_module_keeps_its_late_found_imports_in_fewer_micro_passes(tmp_path):
    """Run the patched Nuitka on a program whose library ships as bytecode: the report lists the import
    found in the third micro pass, not the dead one, and the library took no more passes than allowed."""
    import subprocess
    import sys
    import xml.etree.ElementTree as ElementTree

    result = nuitka_patch.patched_nuitka(INSTALLED, nuitka_patch.PINNED_VERSION, str(tmp_path / "patched"))
    assert result.path is not None, result.reason
    (tmp_path / "lib_late.py").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "plugin_only_for_typing.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "main.py").write_text("import lib_late\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=result.path, NUITKA_CACHE_DIR_MODULE_CACHE=str(tmp_path / "cache"))
    run = subprocess.run(
        [
            sys.executable, "-m", "nuitka", "main.py", "--generate-c-only", "--progress-bar=none",
            "--follow-import-to=lib_late", "--follow-import-to=plugin_only_for_typing",
            "--noinclude-custom-mode=lib_late:bytecode", "--report=report.xml", "--output-dir=out",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    modules = {module.get("name"): module for module in ElementTree.parse(tmp_path / "report.xml").getroot()}
    library = modules["lib_late"]
    assert library.get("kind") == "UncompiledPythonModule"
    used = {usage.get("name") for usage in library.iter("module_usage")}
    assert "json.decoder" in used
    assert "plugin_only_for_typing" not in used and "plugin_only_for_typing" not in modules
    passes = [int(timing.get("micro_passes") or 0) for timing in library.findall("optimization-time")]
    assert 0 < max(passes) <= nuitka_patch.BYTECODE_MICRO_PASSES
