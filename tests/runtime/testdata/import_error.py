"""Fails to import: a dependency is missing."""

import no_such_module_xyz  # noqa: F401


def handler(event, context):
    return "unreachable"
