"""The runtime modules a native build compiles in only on demand, and the names the build shares with them.

Every other module of this package is compiled into every bootstrap (builder/pipeline.py lists the
folder). These stand in for library code that only a source change made by the build imports
(builder/source_changes/ writes those changes from the names below): Nuitka compiles them when that
changed source is compiled in, and only then, so their own imports (importlib.metadata's zipfile, email,
csv...) ship only with functions that need them. One table, so renaming a module or a function here
changes the build with it; tests/runtime/test_on_demand.py checks that every name exists.
"""

# Code precompiled at build time for what dataclasses and typing generate on import (builder/precompile.py).
PRECOMPILED = "lambda_native.runtime.precompiled"
EXEC_PRECOMPILED = "exec_precompiled"
COMPILE_PRECOMPILED = "compile_precompiled"
REGEX_COMPILER = "regex_compiler"
# The generated module holding the precompiled code table, written by the build, read by PRECOMPILED.
CODES_MODULE = "lambda_native_precompiled_codes"

# pydantic's plugin lookup without importlib.metadata when there is nothing to find.
METADATA = "lambda_native.runtime.metadata"
# The generated module naming the entry-point groups the shipped distributions declare, written by the
# build (builder/distributions.py), read by METADATA.
ENTRY_POINT_GROUPS_MODULE = "lambda_native_entry_point_groups"

ON_DEMAND = (PRECOMPILED, METADATA)
