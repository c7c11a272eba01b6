"""The table of runtime modules compiled in only on demand names modules and functions that exist."""

from __future__ import annotations

import importlib
import os

from lambda_native.builder.pipeline import runtime_modules
from lambda_native.runtime import on_demand, precompiled


def test_every_on_demand_module_and_function_exists():
    modules = {name: importlib.import_module(name) for name in on_demand.ON_DEMAND}
    assert callable(getattr(modules[on_demand.PRECOMPILED], on_demand.EXEC_PRECOMPILED))
    assert callable(getattr(modules[on_demand.PRECOMPILED], on_demand.COMPILE_PRECOMPILED))
    assert callable(modules[on_demand.METADATA].distributions)


def test_every_runtime_module_is_compiled_in_always_or_on_demand():
    folder = os.path.dirname(precompiled.__file__)
    every = {
        "lambda_native.runtime." + name[:-3]
        for name in os.listdir(folder)
        if name.endswith(".py") and name != "__init__.py"
    }
    always = set(runtime_modules())
    assert always | set(on_demand.ON_DEMAND) == every
    assert not always & set(on_demand.ON_DEMAND)
    assert "lambda_native.runtime.on_demand" in always  # precompiled reads CODES_MODULE from it
