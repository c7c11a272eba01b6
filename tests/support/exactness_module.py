"""`_lambda_native_exactness` (builder/exactness.c) compiled as an extension module of this Python.

A native bootstrap has it built in; the tests compile the same source with the host C compiler, once per
session (`benchmarks.codec.build_exactness`), to check its answers against the codec's Python ones and run
the codec with it.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks.codec import build_exactness
from lambda_native.builder.target.toolchain import find_c_compiler


@functools.cache
def exactness_module() -> ModuleType:
    """The compiled module; the test is skipped on a host with no C compiler."""
    cc = find_c_compiler()
    if cc is None:
        pytest.skip("no C compiler to build builder/exactness.c with")
    return build_exactness(Path(tempfile.mkdtemp(prefix="lambda-native-exactness-")), cc)
