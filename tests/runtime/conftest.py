"""Fixtures for the black-box runtime tests: fake Runtime APIs and runtime processes, always torn down."""

from __future__ import annotations

import pytest

from .process import IMPLS, Launcher


@pytest.fixture
def launch():
    """`launch(impl, handler, env=..., ...)` -> (fake API, runtime process); all killed afterwards."""
    launcher = Launcher()
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def module_launch():
    """Like `launch`, for runtimes shared by the tests of one module."""
    launcher = Launcher()
    yield launcher
    launcher.close()


@pytest.fixture(params=IMPLS)
def impl(request):
    """Each implementation in turn: ours, then the official client (override with parametrize)."""
    return request.param
