"""The Nuitka package configuration the build adds: its entries."""

from __future__ import annotations

import yaml

from lambda_native.build import package_config


def entries(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as file:
        return {entry["module-name"]: entry["anti-bloat"][0] for entry in yaml.safe_load(file)}


def test_the_stdlib_generators_get_the_precompiled_lookups(tmp_path):
    config = entries(package_config.write(str(tmp_path)))
    assert set(config) == {"dataclasses", "typing"}
    assert config["dataclasses"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import exec_precompiled as exec\n"
    )
    assert config["typing"]["append_plain"] == (
        "from lambda_native.runtime.precompiled import compile_precompiled as compile\n"
    )
