"""Code the stdlib generates on import, for libraries imported at top level (`pstats`' dataclasses,
`tomllib`'s string annotations) and for a dataclass defined here, and whether it runs code a native build
compiled in (lambda_native.runtime.precompiled)."""

import dataclasses
import pstats
import sys
import typing

import tomllib


@dataclasses.dataclass(frozen=True, order=True)
class Version:
    """Defined in the function's own code: its methods are never recorded at build time."""

    major: int
    minor: int = 0
    tags: list = dataclasses.field(default_factory=list, compare=False)


def _precompiled_code_ids() -> set[int]:
    """ids of every code object in the build's table (empty when there is none: interpreted)."""
    module = sys.modules.get("lambda_native.runtime.precompiled")
    table = getattr(module, "_codes", None) or {}
    ids, pending = set(), [value for value in table.values() if hasattr(value, "co_consts")]
    while pending:
        code = pending.pop()
        ids.add(id(code))
        pending.extend(const for const in code.co_consts if hasattr(const, "co_consts"))
    return ids


def handler(event, context):
    """What the generated methods do, and whose code they run."""
    profile = pstats.FunctionProfile(
        ncalls="1",
        tottime=0.5,
        percall_tottime=0.5,
        cumtime=1.0,
        percall_cumtime=1.0,
        file_name="app.py",
        line_number=3,
    )
    try:
        Version(1).major = 2
        frozen = "assignment allowed"
    except dataclasses.FrozenInstanceError as exc:
        frozen = str(exc)
    precompiled = _precompiled_code_ids()
    output = typing.get_type_hints(tomllib._parser.Output)
    forward = tomllib._parser.Output.__annotations__["data"]
    return {
        "repr": repr(profile),
        "equal": profile == dataclasses.replace(profile),
        "fields": [field.name for field in dataclasses.fields(pstats.StatsProfile)],
        "own_repr": repr(Version(1, 2, ["x"])),
        "order": Version(1, 2) < Version(1, 10),
        "hash_ignores_tags": hash(Version(3, tags=["a"])) == hash(Version(3)),
        "frozen": frozen,
        "toml": tomllib.loads('a = 1\n[b]\nc = "d"'),
        "hints": sorted(f"{name}: {hint.__name__}" for name, hint in output.items()),
        "library_init_precompiled": id(pstats.FunctionProfile.__init__.__code__) in precompiled,
        "own_init_precompiled": id(Version.__init__.__code__) in precompiled,
        "library_annotation_precompiled": id(forward.__forward_code__) in precompiled,
    }
