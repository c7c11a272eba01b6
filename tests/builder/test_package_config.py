"""The Nuitka package configuration the build adds: its entries, and the note when pydantic changed."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest
import yaml

from lambda_native.builder import libraries as package_config
from lambda_native.builder.libraries import anyio, boto3
from lambda_native.builder.source_changes.package_config import REGEX_COMPILER


def entries(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as file:
        return {
            entry["module-name"]: entry["anti-bloat"][0]
            for entry in yaml.safe_load(file)
            if "anti-bloat" in entry
        }


def test_modules_boto3_imports_by_dotted_name_are_compiled_in(tmp_path):
    with open(package_config.write(str(tmp_path), precompiled=False), encoding="utf-8") as file:
        config = {entry["module-name"]: entry for entry in yaml.safe_load(file)}
    depends = config["boto3.session"]["implicit-imports"][0]["depends"]
    assert "boto3.dynamodb.transform" in depends and "boto3.s3.inject" in depends


def test_every_module_named_by_name_exists_in_the_installed_library():
    # boto3 is installed for the examples' tests (moto depends on it): a rename upstream fails here.
    for module, depends in boto3.LIBRARY.implicit_imports.items():
        assert importlib.util.find_spec(module) is not None, module
        for name in depends:
            assert importlib.util.find_spec(name) is not None, name
    source = importlib.util.find_spec("boto3.session").loader.get_source("boto3.session")
    named = set(re.findall(r"lazy_call\(\s*'([\w.]+)\.\w+'", source))
    assert named == set(boto3.LIBRARY.implicit_imports["boto3.session"])


def test_with_a_table_the_stdlib_generators_get_the_precompiled_lookups(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=True))
    assert set(config) == {
        "dataclasses",
        "typing",
        REGEX_COMPILER,
        "pydantic.plugin._loader",
        "pydantic.networks",
        "urllib3.http2",
        "fastapi.openapi.models",
        "fastapi._compat.shared",
    }
    assert config["dataclasses"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import exec_precompiled as exec\n"
    )
    assert config["typing"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import compile_precompiled as compile\n"
    )
    assert config[REGEX_COMPILER]["append_plain"] == (
        "from lambda_native.runtime.precompiled import regex_compiler as _lambda_native_regex_compiler\n"
        "compile = _lambda_native_regex_compiler(compile)\n"
    )


def test_pydantic_finds_metadata_through_the_runtime_whatever_its_version(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=False))
    assert config["pydantic.plugin._loader"]["replacements_plain"] == {
        "import importlib.metadata as importlib_metadata": (
            "import lambda_native.runtime.metadata as importlib_metadata"
        ),
        "from importlib.metadata import entry_points": (
            "from lambda_native.runtime.metadata import entry_points"
        ),
    }
    for module in ("pydantic.networks", "urllib3.http2"):
        assert config[module]["replacements_plain"] == {
            "from importlib.metadata import version": "from lambda_native.runtime.metadata import version"
        }


def test_fastapi_builds_its_openapi_models_when_the_schema_is_asked_for(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=False))
    ((old, new),) = config["fastapi.openapi.models"]["replacements_plain"].items()
    assert old.strip() == 'model_config = {"extra": "allow"}'
    assert new.strip() == 'model_config = {"extra": "allow", "defer_build": True}'


def test_every_import_the_configuration_adds_imports_what_it_names(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=True))
    added = [entry["append_plain"] for name, entry in config.items() if "append_plain" in entry]
    added += [new for entry in config.values() for new in entry.get("replacements_plain", {}).values()]
    imports = [line for line in added if line.startswith(("import ", "from "))]
    assert len(imports) == 7
    for line in imports:
        exec(line, {})  # an ImportError here would be a module compiled into every cold start, failing


def test_without_a_table_the_libraries_are_still_changed(tmp_path):
    assert set(entries(package_config.write(str(tmp_path), precompiled=False))) == {
        "pydantic.plugin._loader",
        "pydantic.networks",
        "urllib3.http2",
        "fastapi.openapi.models",
        "fastapi._compat.shared",
    }


def test_packages_that_reexport_their_submodules_load_them_lazily_when_installed(tmp_path):
    package = tmp_path / "site" / "aws_lambda_powertools" / "event_handler"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from aws_lambda_powertools.event_handler.appsync import AppSyncResolver\n", encoding="utf-8"
    )
    with open(package_config.write(str(tmp_path), False, [str(tmp_path / "site")]), encoding="utf-8") as f:
        config = {entry["module-name"]: entry for entry in yaml.safe_load(f)}
    lazy = config["aws_lambda_powertools.event_handler"]
    assert lazy["implicit-imports"] == [{"depends": ["aws_lambda_powertools.event_handler.appsync"]}]
    assert "def __getattr__(name):" in lazy["anti-bloat"][0]["append_plain"]


def library(site, relative: str, text: str) -> str:
    path = site / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "line",
    ["import importlib.metadata as importlib_metadata\n", "from importlib.metadata import entry_points\n"],
)
def test_a_pydantic_whose_loader_fits_needs_no_note(tmp_path, line):
    library(tmp_path, "pydantic/plugin/_loader.py", "from __future__ import annotations\n\n" + line)
    library(tmp_path, "pydantic/networks.py", "import re\nfrom importlib.metadata import version\n")
    library(
        tmp_path, "fastapi/openapi/models.py", 'class M(BaseModel):\n    model_config = {"extra": "allow"}\n'
    )
    assert package_config.notes([str(tmp_path / "src"), str(tmp_path)]) == []


@pytest.mark.parametrize(
    ("relative", "text", "lost"),
    [
        (
            "pydantic/plugin/_loader.py",
            "from importlib import metadata\n",
            "importlib.metadata on every cold",
        ),
        ("pydantic/networks.py", "import importlib.metadata\n", "importlib.metadata on every cold start"),
        ("fastapi/openapi/models.py", "    model_config = ConfigDict(extra='allow')\n", "OpenAPI models"),
    ],
)
def test_a_library_whose_source_changed_gets_a_note(tmp_path, relative, text, lost):
    path = library(tmp_path, relative, text)
    (note,) = package_config.notes([str(tmp_path)])
    assert note.startswith(f"note: {path} changed, so ") and lost in note


def test_no_library_no_note(tmp_path):
    assert package_config.notes([str(tmp_path)]) == []


def test_anyios_lazy_importer_reads_the_sources_it_needs_from_a_table(tmp_path):
    init = (
        "from ._lazyimport import install_lazy_importer\n\nif TYPE_CHECKING or not install_lazy_importer():\n"
    )
    library(tmp_path, "anyio/__init__.py", init)
    library(tmp_path, "anyio/abc/__init__.py", init)
    library(tmp_path, "anyio/_core/_tasks.py", "import math\n")
    library(tmp_path, "anyio/_lazyimport.py", "def f(module):\n" + anyio.GETSOURCE)
    config = entries(package_config.write(str(tmp_path), False, [str(tmp_path / "src"), str(tmp_path)]))
    change = config["anyio._lazyimport"]
    ((old, new),) = change["replacements_plain"].items()
    assert old == anyio.GETSOURCE
    namespace = {}
    exec(change["append_plain"], namespace)
    assert namespace["_lambda_native_sources"] == {"anyio": init, "anyio.abc": init}
    assert "_lambda_native_sources.get(module.__name__) or inspect.getsource(module)" in new
    assert package_config.notes([str(tmp_path)]) == []


def test_fastapi_asks_about_pydantic_v1_models_only_once_pydantic_v1_is_imported(tmp_path):
    config = entries(package_config.write(str(tmp_path), precompiled=False))
    ((old, new),) = config["fastapi._compat.shared"]["replacements_plain"].items()
    source = (
        "import warnings\n\ndef is_pydantic_v1_model_class(cls):\n"
        + old
        + "    except ImportError:\n        return False\n    return issubclass(cls, v1.BaseModel)\n"
    ).replace(old, new)
    code = (
        "import sys, types\n"
        + source
        + "print(is_pydantic_v1_model_class(int), 'pydantic.v1' in sys.modules)\n"
        "v1 = types.ModuleType('pydantic.v1')\n"
        "v1.BaseModel = type('BaseModel', (), {})\n"
        "sys.modules['pydantic'] = types.ModuleType('pydantic')\n"
        "sys.modules['pydantic'].v1 = sys.modules['pydantic.v1'] = v1\n"
        "print(is_pydantic_v1_model_class(type('Old', (v1.BaseModel,), {})))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True"]
