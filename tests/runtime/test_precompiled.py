"""`exec_precompiled` and `compile_precompiled`: dataclasses and typing given them use the code recorded at
build time for a source they generate, compile any other source as before, and behave exactly as with the
builtins (fresh interpreters)."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
import textwrap

from lambda_native.builder import precompile

from .process import NATIVE
from .support import invoke

CLASSES = """
    import dataclasses
    import typing

    @dataclasses.dataclass(frozen=True, order=True)
    class Point:
        x: int
        y: int = 0

    @dataclasses.dataclass(kw_only=True, slots=True)
    class Box:
        corner: Point
        tags: list = dataclasses.field(default_factory=list, repr=False)

    class Holder:
        point: "Point"
        box: "Box | None"

    MaybeBox = typing.List["Box | None"]  # a ForwardRef, compiled as the alias is made
    """

# Run after CLASSES (and, in the patched case, with dataclasses' `exec` replaced first).
PROBE = """
    import json, sys
    try:
        Point(1).x = 5
        frozen = None
    except dataclasses.FrozenInstanceError as exc:
        frozen = str(exc)
    try:
        Box(Point(1))
        kw_only = None
    except TypeError as exc:
        kw_only = str(exc)
    box = Box(corner=Point(2, 3))
    table = getattr(sys.modules.get("lambda_native.runtime.precompiled"), "_codes", None) or {}
    ids, pending = set(), list(table.values())
    while pending:
        code = pending.pop()
        ids.add(id(code))
        pending.extend(c for c in code.co_consts if hasattr(c, "co_consts"))
    print(json.dumps({
        "repr": [repr(Point(1)), repr(box)],
        "eq": [Point(1) == Point(1, 0), Point(1) == Point(2)],
        "order": sorted(repr(p) for p in sorted([Point(2), Point(1, 5), Point(1)])),
        "hash": hash(Point(1)) == hash(Point(1, 0)),
        "frozen": frozen, "kw_only": kw_only, "tags": box.tags, "slots": Box.__slots__,
        "signature": str(__import__("inspect").signature(Point)),
        "box_annotations": {name: repr(value) for name, value in Box.__init__.__annotations__.items()},
        "hints": {name: repr(value) for name, value in typing.get_type_hints(Holder).items()},
        "match_args": Point.__match_args__,
        "point_init_precompiled": id(Point.__init__.__code__) in ids,
        "box_init_precompiled": id(Box.__init__.__code__) in ids,
        "forward_precompiled": id(typing.ForwardRef("Box | None").__forward_code__) in ids,
    }))
    """


def run(tmp_path, patched: bool, record: str = CLASSES) -> dict:
    """Define CLASSES and PROBE them in a fresh interpreter; `patched`: with a table recorded from
    `record` and dataclasses' `exec` replaced, as a native build does."""
    folder = tmp_path / ("patched" if patched else "plain")
    folder.mkdir()
    prelude = ""
    if patched:
        (tmp_path / "lib.py").write_text(textwrap.dedent(record), encoding="utf-8")
        recorded = precompile.record(["import lib"], [str(tmp_path)], str(folder / "codes.marshal"))
        assert recorded.codes > 0, recorded.reason
        precompile.codes_module(recorded.codes_path, str(folder))
        prelude = (
            "import dataclasses\n"
            "import typing\n"
            "from lambda_native.runtime.precompiled import compile_precompiled, exec_precompiled\n"
            "dataclasses.exec, typing.compile = exec_precompiled, compile_precompiled\n"
        )
    script = prelude + textwrap.dedent(CLASSES) + textwrap.dedent(PROBE)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_recorded_sources_run_the_precompiled_code_and_behave_the_same(tmp_path):
    plain = run(tmp_path, patched=False)
    patched = run(tmp_path, patched=True)
    for flag in ("point_init_precompiled", "box_init_precompiled", "forward_precompiled"):
        assert patched.pop(flag) and not plain.pop(flag)
    assert patched == plain
    assert plain["frozen"] == "cannot assign to field 'x'"
    assert plain["hints"] == {"point": "<class '__main__.Point'>", "box": "__main__.Box | None"}


def test_a_source_not_recorded_is_compiled_as_before(tmp_path):
    # Only Point and the string annotations are recorded: Box's methods are generated at run time from
    # source, as without a table, and keep their real annotations.
    only_point = CLASSES.split("@dataclasses.dataclass(kw_only")[0] + 'typing.ForwardRef("Box | None")\n'
    plain = run(tmp_path, patched=False)
    patched = run(tmp_path, patched=True, record=only_point)
    assert patched.pop("point_init_precompiled") and not patched.pop("box_init_precompiled")
    assert patched.pop("forward_precompiled")
    for flag in ("point_init_precompiled", "box_init_precompiled", "forward_precompiled"):
        plain.pop(flag)
    assert patched == plain
    assert plain["box_annotations"] == {
        "corner": "<class '__main__.Point'>",
        "tags": "<class 'list'>",
        "return": "None",
    }


def test_generated_code_behaves_the_same_under_every_runtime_and_native_runs_recorded_code(launch, impl):
    # The native build records what `import pstats` and `import tomllib` generate (a library's dataclasses
    # and string annotations) but never runs the handler module's own code, so its own dataclass is
    # compiled at run time as everywhere else.
    api, proc = launch(impl, "generated_code.handler")
    reply = invoke(api)
    assert reply.kind == "response", f"{reply.body!r}\n{proc.describe()}"
    facts = json.loads(reply.body)
    assert facts.pop("library_init_precompiled") is (impl == NATIVE)
    assert facts.pop("library_annotation_precompiled") is (impl == NATIVE)
    assert facts.pop("own_init_precompiled") is False
    assert facts == {
        "repr": "FunctionProfile(ncalls='1', tottime=0.5, percall_tottime=0.5, cumtime=1.0, "
        "percall_cumtime=1.0, file_name='app.py', line_number=3)",
        "equal": True,
        "fields": ["total_tt", "func_profiles"],
        "own_repr": "Version(major=1, minor=2, tags=['x'])",
        "order": True,
        "hash_ignores_tags": True,
        "frozen": "cannot assign to field 'major'",
        "toml": {"a": 1, "b": {"c": "d"}},
        "hints": ["data: NestedDict", "flags: Flags"],
    }


REGEX_LIB = """
    import re

    WORD = re.compile(r"(?P<word>[a-z]+)-(\\d+)", re.IGNORECASE)
    BYTES = re.compile(rb"^\\x00+(?:ab|cd)$", re.MULTILINE)
    """

REGEX_PROBE = """
    import json, re, sys
    import lib
    engine = sys.modules["re._compiler" if hasattr(re, "_compiler") else "sre_compile"]
    table = getattr(sys.modules.get("lambda_native.runtime.precompiled"), "_codes", None) or {}
    other = re.compile(r"x{2,3}y")
    print(json.dumps({
        "word": [lib.WORD.match("Tea-42").groupdict(), lib.WORD.pattern, lib.WORD.flags],
        "groups": [dict(lib.WORD.groupindex), lib.WORD.groups],
        "bytes": [bool(lib.BYTES.search(b"x\\n\\x00\\x00cd")), lib.BYTES.flags],
        "other": [bool(other.fullmatch("xxxy")), other.groups],
        "left": sorted(repr(key[1]) for key in table if key[0] == "re"),
        "wrapped": engine.compile.__name__,
    }))
    """


def test_recorded_regular_expressions_get_their_program_and_behave_the_same(tmp_path):
    (tmp_path / "lib.py").write_text(textwrap.dedent(REGEX_LIB), encoding="utf-8")
    recorded = precompile.record(["import lib"], [str(tmp_path)], str(tmp_path / "codes.marshal"))
    assert recorded.codes == 2, recorded.reason
    with open(recorded.codes_path, "rb") as file:
        patterns = {key[1] for key in marshal.load(file) if key[0] == "re"}
    assert patterns == {r"(?P<word>[a-z]+)-(\d+)", rb"^\x00+(?:ab|cd)$"}
    precompile.codes_module(recorded.codes_path, str(tmp_path))
    prelude = (
        "import re\n"
        "engine = re._compiler if hasattr(re, '_compiler') else __import__('sre_compile')\n"
        "from lambda_native.runtime.precompiled import regex_compiler\n"
        "engine.compile = regex_compiler(engine.compile)\n"
    )
    results = []
    for script in (textwrap.dedent(REGEX_PROBE), prelude + textwrap.dedent(REGEX_PROBE)):
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout))
    plain, patched = results
    assert plain.pop("wrapped") == "compile" and patched.pop("wrapped") == "compile_precompiled"
    assert plain.pop("left") == []
    assert patched.pop("left") == []  # each recorded program used, then dropped
    assert patched == plain
    assert plain["word"][0] == {"word": "Tea"}
