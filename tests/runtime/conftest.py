"""Fixtures for the black-box runtime tests: fake Runtime APIs and runtime processes, always torn down."""

from __future__ import annotations

import pytest

from . import native
from .process import IMPLS, Launcher


@pytest.fixture(scope="session")
def native_bootstrap(tmp_path_factory):
    """The bootstrap of one native build of every testdata handler, made once per session (~2 minutes)."""
    return native.build_bootstrap(tmp_path_factory.mktemp("native"))


def _launcher(request) -> Launcher:
    # The native build is made only once a native runtime is launched, so other runs never pay for it.
    return Launcher(native_bootstrap=lambda: request.getfixturevalue("native_bootstrap"))


@pytest.fixture
def launch(request):
    """`launch(impl, handler, env=..., ...)` -> (fake API, runtime process); all killed afterwards."""
    launcher = _launcher(request)
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def module_launch(request):
    """Like `launch`, for runtimes shared by the tests of one module."""
    launcher = _launcher(request)
    yield launcher
    launcher.close()


@pytest.fixture(params=IMPLS)
def impl(request):
    """Each implementation in turn: ours, the official client, ours native (override with parametrize)."""
    return request.param
