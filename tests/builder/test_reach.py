"""What the function reaches beyond its import statements (the import probe's modules), and what it must
not reach (the build's own Python environment)."""

from __future__ import annotations

import os
import sys

from lambda_native.builder import reach
from lambda_native.builder.pipeline import BuildOptions, isolation_options, library_options


def files(root, names: list[str]) -> None:
    for name in names:
        os.makedirs(os.path.dirname(root / name), exist_ok=True)
        (root / name).write_text("")


def test_top_level_names_are_packages_namespaces_and_modules_not_scripts_or_metadata(tmp_path):
    files(
        tmp_path,
        [
            "pkg/__init__.py",
            "opentelemetry/trace/__init__.py",  # a namespace package: no __init__.py of its own
            "six.py",
            "_speedups.cpython-311-x86_64-linux-gnu.so",
            "bin/jp.py",  # the scripts `pip install --target` writes
            "six-1.17.0.dist-info/RECORD",
            "data/readme.txt",
        ],
    )
    assert reach.top_level_names(str(tmp_path)) == {"pkg", "opentelemetry", "six", "_speedups"}


def test_the_build_environments_packages_are_left_out_but_the_runtimes_and_the_functions(tmp_path):
    installed = set().union(*(reach.top_level_names(folder) for folder in reach.environment_folders()))
    assert {"nuitka", "orjson", "pytest"} <= installed
    files(tmp_path, ["pytest/__init__.py"])  # the function ships its own copy
    isolated = reach.environment_packages([str(tmp_path)], runtime_needs={"orjson"})
    assert "nuitka" in isolated and "yaml" in isolated
    assert not {"orjson", "pytest", "lambda_native", "json"} & set(isolated)


def test_what_the_runtime_imports_from_the_environment_is_found_by_scanning_it(tmp_path):
    entry = tmp_path / "bootstrap.py"
    entry.write_text("from lambda_native.runtime.loop import main\n")
    options, isolated = isolation_options(str(entry), [str(tmp_path)], [str(tmp_path)])
    assert "orjson" not in isolated  # the runtime's JSON, imported lazily
    assert "--nofollow-import-to=nuitka" in options


def test_modules_loaded_by_libraries_split_into_compiled_in_and_kept_stdlib(tmp_path):
    site = tmp_path / "site"
    elsewhere = os.path.join(reach.environment_folders()[0], "botocore", "session.py")
    loaded = {
        "boto3": str(site / "boto3" / "__init__.py"),
        "boto3.dynamodb.transform": str(site / "boto3" / "dynamodb" / "transform.py"),
        "_speedups": str(site / "_speedups.cpython-311-x86_64-linux-gnu.so"),
        # requests registers urllib3 under a second name: only its own name can be included.
        "requests.packages.urllib3": str(site / "urllib3" / "__init__.py"),
        "opentelemetry": "",  # a namespace package: compiled in through its modules
        "six.moves": "",  # made at run time: nothing for --include-module to find
        "botocore.session": elsewhere,  # the build environment's
        "encodings.idna": os.path.join(os.path.dirname(os.__file__), "encodings", "idna.py"),
        "_csv": "built-in" if "_csv" in sys.builtin_module_names else "/lib/_csv.so",
    }
    libraries, standard = reach.loaded_by_libraries(loaded, [str(site)])
    assert libraries == ["_speedups", "boto3", "boto3.dynamodb.transform"]
    assert standard == ["_csv", "encodings.idna"]


def test_libraries_ship_as_bytecode_unless_asked_otherwise(tmp_path):
    files(tmp_path / "site", ["pydantic/__init__.py", "six.py", "bin/jp.py"])
    files(tmp_path / "src", ["app.py", "vendored/__init__.py"])
    (tmp_path / "src" / "vendored-1.0.dist-info").mkdir()
    (tmp_path / "src" / "vendored-1.0.dist-info" / "RECORD").write_text("vendored/__init__.py,,\n")

    def options(**kwargs) -> list[str]:
        built = BuildOptions("app.handler", str(tmp_path / "src"), "out", "work", **kwargs)
        return library_options(built, str(tmp_path / "site"), str(tmp_path / "src"))

    assert options() == [
        "--noinclude-custom-mode=pydantic:bytecode",
        "--noinclude-custom-mode=six:bytecode",
        "--noinclude-custom-mode=vendored:bytecode",
    ]
    assert options(library_modes={"pydantic": "compiled"}) == [
        "--noinclude-custom-mode=six:bytecode",
        "--noinclude-custom-mode=vendored:bytecode",
    ]
    assert options(libraries="compiled", library_modes={"six": "bytecode"}) == [
        "--noinclude-custom-mode=six:bytecode"
    ]
