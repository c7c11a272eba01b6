"""pydantic 2: importlib.metadata (~18 ms of a native cold start) only when there is something for it to
find (runtime/metadata.py answers the lookups a bootstrap can answer without it)."""

from lambda_native.builder.source_changes.records import Library, SourceChange
from lambda_native.runtime.on_demand import METADATA

LIBRARY = Library(
    name="pydantic",
    source_changes=(
        # The plugin loader: up to 2.13 it iterates distributions(), from 2.14 it asks entry_points().
        SourceChange(
            module="pydantic.plugin._loader",
            description="importlib.metadata only when there are distributions to find",
            replacements={
                "import importlib.metadata as importlib_metadata": f"import {METADATA} as importlib_metadata",
                "from importlib.metadata import entry_points": f"from {METADATA} import entry_points",
            },
            lost="pydantic imports importlib.metadata on every cold start (~18 ms)",
        ),
        # Imports version() at import time, to check email-validator's when an email field is used.
        SourceChange(
            module="pydantic.networks",
            description="importlib.metadata only when version() is called",
            replacements={"from importlib.metadata import version": f"from {METADATA} import version"},
            lost="pydantic.networks imports importlib.metadata on every cold start (~7 ms)",
        ),
    ),
)
