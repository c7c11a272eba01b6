"""FastAPI: its OpenAPI models built when the schema is first asked for, and pydantic.v1 left alone until
the function imports it."""

from lambda_native.builder.source_changes.records import Library, SourceChange

# FastAPI checks each route's types against pydantic.v1's BaseModel, importing pydantic.v1 (~12 ms, ~40
# modules) to do so; no pydantic.v1 model can exist before pydantic.v1 is imported, so it asks only then.
V1_IMPORT = (
    "    try:\n"
    "        with warnings.catch_warnings():\n"
    '            warnings.simplefilter("ignore", UserWarning)\n'
    "            from pydantic import v1\n"
)
V1_GUARD = '    if "pydantic.v1" not in __import__("sys").modules:\n        return False\n'

LIBRARY = Library(
    name="fastapi",
    source_changes=(
        # The OpenAPI models (~45 pydantic models, 7% of a FastAPI app's import) all derive from this one;
        # built on first use (pydantic's `defer_build`), not at import.
        SourceChange(
            module="fastapi.openapi.models",
            description="the OpenAPI models are built when the schema is first asked for",
            replacements={
                '    model_config = {"extra": "allow"}': (
                    '    model_config = {"extra": "allow", "defer_build": True}'
                )
            },
            lost="FastAPI builds its OpenAPI models on every cold start",
        ),
        SourceChange(
            module="fastapi._compat.shared",
            description="no pydantic.v1 model exists before pydantic.v1 is imported",
            replacements={V1_IMPORT: V1_GUARD + V1_IMPORT},
            lost="FastAPI imports pydantic.v1 on every cold start (~12 ms)",
        ),
    ),
)
