"""The stdlib a function can import is derived from its code; the rest is left out of the build."""

from __future__ import annotations

import importlib.machinery
import os
import textwrap

from lambda_native.builder import stdlib_trim


def needed(tmp_path, source: str, roots=("app",)) -> set[str]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    entry = tmp_path / "entry.py"
    entry.write_text("import app\n", encoding="utf-8")
    return stdlib_trim.needed_modules(str(entry), list(roots), [str(tmp_path)])


def test_module_and_function_level_imports_are_followed(tmp_path):
    found = needed(
        tmp_path,
        """
        import json

        def handler(event, context):
            import decimal
            return decimal.Decimal(1)
        """,
    )
    assert {"app", "json", "json.decoder", "re", "decimal"} <= found
    left_out = stdlib_trim.left_out(found)
    assert "json" not in left_out and "re" not in left_out and "decimal" not in left_out
    assert "sqlite3" in left_out and "tomllib" in left_out


def test_self_tests_and_type_checking_blocks_are_not_followed(tmp_path):
    found = needed(
        tmp_path,
        """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import sqlite3
        if __name__ == "__main__":
            import tomllib
        else:
            import wave
        """,
    )
    assert "sqlite3" not in found and "tomllib" not in found
    assert "wave" in found  # the else branch runs on import


def test_stdlib_self_tests_do_not_pull_in_developer_tools(tmp_path):
    # pickle._test() imports doctest; a function that pickles never runs it.
    found = needed(tmp_path, "import pickle\n")
    assert "pickle" in found
    assert "doctest" not in found and "unittest" not in found
    assert "doctest" in stdlib_trim.left_out(found)


def test_a_functions_own_import_of_a_developer_tool_is_kept(tmp_path):
    found = needed(tmp_path, "import doctest\n")
    assert "doctest" in found and "doctest" not in stdlib_trim.left_out(found)


def test_imports_made_by_extension_modules_from_c_are_found(tmp_path):
    # orjson's module init imports uuid and dataclasses from Rust: no scan of Python source sees that.
    found = needed(tmp_path, "import orjson\n")
    assert {"uuid", "dataclasses"} <= found
    assert "uuid" not in stdlib_trim.left_out(found)


def test_relative_imports_resolve_inside_packages(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import helpers\n", encoding="utf-8")
    (pkg / "helpers.py").write_text("from .deep import thing\n", encoding="utf-8")
    (pkg / "deep.py").write_text("import wave\nthing = 1\n", encoding="utf-8")
    found = needed(tmp_path, "import pkg\n")
    assert {"pkg", "pkg.helpers", "pkg.deep", "wave"} <= found


def test_include_adds_modules_back_and_encodings_always_stay(tmp_path):
    found = needed(tmp_path, "x = 1\n")
    assert "wave" in stdlib_trim.left_out(found)
    assert "wave" not in stdlib_trim.left_out(found, include=["wave"])
    assert "encodings" not in stdlib_trim.left_out(set())


def test_a_package_follows_its_own_modules_even_when_others_may_not(tmp_path):
    # importlib.readers is not followed from importlib._bootstrap_external, but the function that uses
    # importlib.resources gets it back, with everything importlib.resources imports of its own.
    bare = needed(tmp_path, "import os\n")
    assert "importlib.readers" not in bare
    found = needed(tmp_path, "import importlib.resources\n")
    assert {"importlib.resources._common", "importlib.readers", "importlib.resources.readers"} <= found


def test_asyncio_ships_only_when_a_handler_can_be_async(tmp_path):
    from lambda_native.builder.handler_check import HandlerSpec
    from lambda_native.builder.pipeline import BuildOptions, stdlib_options

    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    entry = tmp_path / "entry.py"
    entry.write_text("from lambda_native.runtime.loop import main\n", encoding="utf-8")
    path = [str(tmp_path)]

    def left_out(is_async: bool, nuitka_options=()) -> list[str]:
        options = BuildOptions(
            "app.handler", str(tmp_path), "out", "work", nuitka_options=list(nuitka_options)
        )
        spec = HandlerSpec("app", "handler", str(tmp_path / "app.py"), is_async=is_async)
        return stdlib_options(options, spec, str(entry), path)

    assert "--nofollow-import-to=asyncio" in left_out(False)
    assert "--nofollow-import-to=asyncio" not in left_out(True)
    # Another compiled-in module may be named by _HANDLER at run time, and may be async.
    assert "--nofollow-import-to=asyncio" not in left_out(False, ["--include-module=other"])


def test_codecs_reached_by_name_keep_what_they_import(tmp_path):
    # getaddrinfo encodes a str host with "idna", which imports stringprep: no import statement says so.
    found = needed(tmp_path, "x = 1\n")
    assert {"encodings.idna", "stringprep", "unicodedata", "encodings.punycode"} <= found
    assert "stringprep" not in stdlib_trim.left_out(found)


def test_namespace_packages_are_followed_below_one_another(tmp_path):
    # opentelemetry has no __init__.py, and neither has opentelemetry.util: PathFinder's namespace path
    # raised KeyError('opentelemetry') here, for a package never imported.
    for name, text in {
        "opentelemetry/trace/__init__.py": "from opentelemetry.util import types\n",
        "opentelemetry/util/types.py": "import wave\n",
    }.items():
        os.makedirs(os.path.dirname(tmp_path / name), exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = needed(tmp_path, "import opentelemetry.trace\n")
    assert {"opentelemetry", "opentelemetry.trace", "opentelemetry.util", "opentelemetry.util.types"} <= found
    assert "wave" in found


def test_what_cannot_be_followed_is_said(tmp_path):
    (tmp_path / "legacy.py").write_text("print 'python 2'\n", encoding="utf-8")
    (tmp_path / "installed_elsewhere.py").write_text("", encoding="utf-8")
    (tmp_path / "app.py").write_text("import legacy, installed_elsewhere\n", encoding="utf-8")
    entry = tmp_path / "entry.py"
    entry.write_text("import app\n", encoding="utf-8")
    notes: list[str] = []
    stdlib_trim.needed_modules(
        str(entry), ["app"], [str(tmp_path)], notes=notes, environment=frozenset({"installed_elsewhere"})
    )
    assert notes == [
        f"{tmp_path / 'legacy.py'} (line 1: Missing parentheses in call to 'print'. Did you mean "
        "print(...)?) does not parse: the modules it imports are shipped only if something else imports them",
        "not shipping installed_elsewhere: imported by the function's code (perhaps only when installed) but "
        "installed only in the build's own Python environment; to ship one, list it in --requirements",
    ]


def library(tmp_path, files: dict[str, str]) -> str:
    """A folder of installed libraries, as `pip install --target` leaves it."""
    site = tmp_path / "site"
    for name, text in files.items():
        os.makedirs(os.path.dirname(site / name), exist_ok=True)
        (site / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return str(site)


def test_every_module_of_a_reached_library_keeps_what_it_imports(tmp_path):
    # As SQLAlchemy loads its dialects: by a computed name, from a module no import statement reaches,
    # whose driver is imported inside a function.
    site = library(
        tmp_path,
        {
            "dblib/__init__.py": "def load(name):\n    return __import__('dblib.dialects.' + name)\n",
            "dblib/dialects/__init__.py": "",
            "dblib/dialects/lite.py": "def dbapi():\n    import sqlite3\n    return sqlite3\n",
            "dblib/testing/helpers.py": "import unittest\n",
            "dblib/data-files/ignored.py": "import tomllib\n",
            "unreached/__init__.py": "import wave\n",
        },
    )
    (tmp_path / "app.py").write_text("import dblib\n", encoding="utf-8")
    entry = tmp_path / "entry.py"
    entry.write_text("import app\n", encoding="utf-8")
    path = [str(tmp_path), site]
    scanned = stdlib_trim.needed_modules(str(entry), ["app"], path)
    assert "sqlite3" not in scanned  # what the static closure alone sees
    found = stdlib_trim.needed_modules(str(entry), ["app"], path, libraries=path)
    assert {"dblib.dialects.lite", "sqlite3", "dblib.testing.helpers", "unittest"} <= found
    assert "sqlite3" not in stdlib_trim.left_out(found)
    # A package nothing reaches is not followed, nor a folder whose name cannot be imported.
    assert "wave" not in found and "tomllib" not in found


def test_a_librarys_optional_imports_of_the_build_environment_are_not_noted(tmp_path):
    site = library(
        tmp_path,
        {
            "dblib/__init__.py": "",
            "dblib/testing/plugin.py": "import installed_elsewhere\nfrom dblib.testing import _helper\n",
        },
    )
    # A test helper extension that cannot be imported here (as greenlet's need psutil).
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (tmp_path / "site" / "dblib" / "testing" / f"_helper{suffix}").write_bytes(b"not an ELF file")
    (tmp_path / "installed_elsewhere.py").write_text("", encoding="utf-8")
    (tmp_path / "app.py").write_text("import dblib\n", encoding="utf-8")
    entry = tmp_path / "entry.py"
    entry.write_text("import app\n", encoding="utf-8")
    notes: list[str] = []
    path = [str(tmp_path), site]
    environment = frozenset({"installed_elsewhere"})
    stdlib_trim.needed_modules(
        str(entry), ["app"], path, notes=notes, environment=environment, libraries=[site]
    )
    assert notes == []
