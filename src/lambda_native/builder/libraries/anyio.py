"""anyio (FastAPI's, through Starlette): its lazy importer given the package sources it reads at run time.

anyio makes its packages lazy by reading their own source at run time (`inspect.getsource`) to find what
they re-export; a native bootstrap ships no library source, so anyio fell back to importing every
submodule (+16 ms and +0.9 MB of a FastAPI cold start). The build gives its lazy importer those sources,
read at build time.
"""

from __future__ import annotations

import json
import os

from lambda_native.builder.search_path import first_on_path
from lambda_native.builder.source_changes.records import Library, SourceChange

LAZYIMPORT = os.path.join("anyio", "_lazyimport.py")
GETSOURCE = "        source = inspect.getsource(module)\n"
# What a module of anyio calls when its package is made lazy.
CALLER = "not install_lazy_importer()"


def sources_table(python_path: list[str]) -> str | None:
    """The code defining `_lambda_native_sources`, {module: source} of the packages of anyio on
    `python_path` that use the lazy importer; None when there are none."""
    lazyimport = first_on_path(LAZYIMPORT, python_path)
    if lazyimport is None:
        return None
    anyio = os.path.dirname(lazyimport)
    folder = os.path.dirname(anyio)  # the path entry: module names are relative to it
    sources = {}
    for root, _, files in os.walk(anyio):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as file:
                text = file.read()
            if CALLER in text:
                relative = os.path.relpath(os.path.join(root, name), folder)[: -len(".py")]
                sources[relative.replace(os.sep, ".").removesuffix(".__init__")] = text
    if not sources:
        return None
    return "\n_lambda_native_sources = " + json.dumps(dict(sorted(sources.items()))) + "\n"


LIBRARY = Library(
    name="anyio",
    source_changes=(
        SourceChange(
            module="anyio._lazyimport",
            description="the lazy importer reads the sources it needs from this table",
            replacements={
                GETSOURCE: "        source = _lambda_native_sources.get(module.__name__)"
                " or inspect.getsource(module)\n"
            },
            lost="anyio imports every submodule on every cold start (~16 ms)",
            appended_from=sources_table,
        ),
    ),
)
