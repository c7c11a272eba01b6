"""urllib3 2: importlib.metadata only when HTTP/2 is turned on and asks a version."""

from lambda_native.builder.source_changes.records import Library, SourceChange
from lambda_native.runtime.on_demand import METADATA

LIBRARY = Library(
    name="urllib3",
    source_changes=(
        SourceChange(
            module="urllib3.http2",
            description="importlib.metadata only when version() is called",
            replacements={"from importlib.metadata import version": f"from {METADATA} import version"},
            lost="urllib3.http2 imports importlib.metadata on every cold start (~7 ms)",
        ),
    ),
)
