"""The corpus (`benchmarks/corpus/<name>/`) as data: its functions, their events, environments and answers.

A function's folder holds `app.py`, a pinned `requirements.txt`, `event.json`, `expected.json` (the keys
its answer must have, a JSON `body` compared decoded) and, for one that calls a server, `env.json` naming
it (`{"DATABASE_URL": "{postgres}"}`). The tests and the suite's `corpus` rows both read them from here.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from pathlib import Path

from benchmarks.workloads import Workload

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
FUNCTIONS = sorted(entry.name for entry in CORPUS_DIR.iterdir() if (entry / "app.py").is_file())
# A corpus row's workload name: the function's folder under this prefix.
PREFIX = "corpus-"


def read_json(name: str, file: str):
    """`benchmarks/corpus/<name>/<file>`, decoded."""
    return json.loads((CORPUS_DIR / name / file).read_text(encoding="utf-8"))


def services_named(name: str) -> set[str]:
    """The servers the function's `env.json` names (none without one)."""
    path = CORPUS_DIR / name / "env.json"
    if not path.is_file():
        return set()
    values = json.loads(path.read_text(encoding="utf-8")).values()
    return {field for value in values for _, field, _, _ in string.Formatter().parse(value) if field}


def environment(name: str, url: Callable[[str], str]) -> dict[str, str]:
    """The function's `env.json`, each `{service}` replaced by `url(service)`."""
    path = CORPUS_DIR / name / "env.json"
    if not path.is_file():
        return {}
    values = json.loads(path.read_text(encoding="utf-8"))
    return {key: value.format_map(_Lookup(url)) for key, value in values.items()}


class _Lookup(dict):
    """A format map asking `url` for each service name the first time it is needed."""

    def __init__(self, url: Callable[[str], str]) -> None:
        super().__init__()
        self.url = url

    def __missing__(self, key: str) -> str:
        return self.url(key)


def matches(value, expected) -> bool:
    """Whether `value` is what `expected` describes: the keys it names (a JSON string "body" decoded),
    lists item by item, anything else equal."""
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            return False
        for key, wanted in expected.items():
            if key not in value:
                return False
            got = value[key]
            if key == "body" and isinstance(got, str) and not isinstance(wanted, str):
                got = json.loads(got)
            if not matches(got, wanted):
                return False
        return True
    if isinstance(expected, list):
        return isinstance(value, list) and len(value) == len(expected) and all(map(matches, value, expected))
    return value == expected


class CorpusWorkload(Workload):
    """One corpus function as a suite row: its folder's code, requirements, event and expected answer."""

    __slots__ = ("function",)

    def __init__(self, function: str) -> None:
        super().__init__(PREFIX + function, f"benchmarks/corpus/{function}", source=CORPUS_DIR / function)
        self.function = function

    @property
    def requirements(self) -> Path | None:
        path = CORPUS_DIR / self.function / "requirements.txt"
        return path if path.exists() else None

    @property
    def services(self) -> set[str]:
        return services_named(self.function)

    def bind(self, urls: Mapping[str, str]) -> None:
        self.env = environment(self.function, urls.__getitem__)

    def event(self) -> bytes:
        return (CORPUS_DIR / self.function / "event.json").read_bytes()

    def answer_ok(self, answer: object) -> bool:
        return matches(answer, read_json(self.function, "expected.json"))


CORPUS_WORKLOADS = {w.name: w for w in map(CorpusWorkload, FUNCTIONS)}
