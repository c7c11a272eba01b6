"""The one error type the build raises for anything the user can fix; the CLI prints it and exits 2."""

from __future__ import annotations


class BuildError(Exception):
    """A build problem with a message that says what is wrong and how to fix it."""
