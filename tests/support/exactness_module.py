"""`_lambda_native_exactness` (builder/exactness.c) compiled as an extension module of this Python.

A native bootstrap has it built in; the tests compile the same source with the host C compiler, once per
session, to check its answers against the codec's Python ones and run the codec with it.
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from lambda_native.builder.toolchain import find_c_compiler

SOURCE = Path(__file__).resolve().parents[2] / "src" / "lambda_native" / "builder" / "exactness.c"
NAME = "_lambda_native_exactness"


@functools.cache
def exactness_module() -> ModuleType:
    """The compiled module (warnings are errors); the test is skipped on a host with no C compiler."""
    cc = find_c_compiler()
    if cc is None:
        pytest.skip("no C compiler to build builder/exactness.c with")
    folder = Path(tempfile.mkdtemp(prefix="lambda-native-exactness-"))
    built = folder / (NAME + sysconfig.get_config_var("EXT_SUFFIX"))
    include = sysconfig.get_paths()["include"]
    flags = ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"]
    subprocess.run([cc, *flags, "-I", include, "-o", str(built), str(SOURCE)], check=True)
    spec = importlib.util.spec_from_file_location(NAME, built)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
