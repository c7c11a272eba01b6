"""The result file's structure, and a hand-written check of it (the venv has no jsonschema).

A result file is one JSON object:

- `schema`: `SCHEMA_ID`; `created` (UTC, ISO 8601); `command` (what was run); `git` {`commit`, `dirty`};
  `machine` (see `machine.machine_info`); `settings` {`runs`, `warm_invokes`, `quick`, `memory_mb`,
  `harness_cpu`, `child_cpu`, `percentiles`, `variants`, `workloads`}.
- `variants`: name -> {`label`, `description`}.
- `reference`: name -> {`argv`, `spawn_to_exit_ms`: summary, `peak_rss_kb`: summary} (may be empty).
- `cells`: one per variant x workload: {`variant`, `workload`, `status` ("ok" or "failed"), `errors`
  [str], `cold` {`init_ms`, `first_response_ms`, `peak_rss_kb`: summary, `samples` {the same three: one
  value per round, null where that cold start failed}}, `warm` {`invokes`, `round_trip_us`,
  `duration_us`: summaries, `invokes_per_s`, `peak_rss_kb`, and since the warm invokes are interleaved,
  `cpu_us` and `wait_us`: summaries of the runtime's on-CPU time and of its wait for a CPU per invoke},
  `size` {`zip_bytes`, `unzipped_bytes`,
  `contents`}, `ratios` {baseline variant -> {`init`, `first_response`, `peak_rss`: summary of the
  per-round ratios}}}.
  `cold`, `warm` and `size` are null when the cell could not be measured at all.

A summary is {`n`, `min`, `median`, `p90`, `p99`, `max`, `mean`} (`stats.summarize`).
"""

from __future__ import annotations

from numbers import Real

from benchmarks.stats import SUMMARY_KEYS

SCHEMA_ID = "lambda-native-bench/1"

COLD_FIGURES = ("init_ms", "first_response_ms", "peak_rss_kb")
WARM_SUMMARIES = ("round_trip_us", "duration_us")
# Measured since the warm invokes are interleaved; older result files do not have them.
WARM_CPU_SUMMARIES = ("cpu_us", "wait_us")
RATIO_FIGURES = ("init", "first_response", "peak_rss")
MACHINE_KEYS = ("hostname", "cpu_model", "cpus_online", "kernel", "glibc", "python", "nuitka")
SETTINGS_KEYS = ("runs", "warm_invokes", "quick", "memory_mb", "harness_cpu", "child_cpu", "percentiles")


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class _Checker:
    """Collects every problem found rather than stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.errors.append(f"{where}: {what}")

    def object(self, value: object, where: str, keys: tuple[str, ...]) -> bool:
        if not isinstance(value, dict):
            self.fail(where, f"expected an object, got {type(value).__name__}")
            return False
        for key in keys:
            if key not in value:
                self.fail(where, f"missing key {key!r}")
        return True

    def typed(self, value: object, where: str, kind: type | tuple[type, ...], nullable: bool = False) -> None:
        if value is None and nullable:
            return
        if kind is Real:
            if not _is_number(value):
                self.fail(where, f"expected a number, got {value!r}")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(where, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")

    def summary(self, value: object, where: str) -> None:
        if not self.object(value, where, SUMMARY_KEYS):
            return
        for key in SUMMARY_KEYS:
            if key in value:
                self.typed(value[key], f"{where}.{key}", Real)
        if all(_is_number(value.get(k)) for k in ("min", "median", "p90", "p99", "max")) and not (
            value["min"] <= value["median"] <= value["p90"] <= value["p99"] <= value["max"]
        ):
            self.fail(where, "expected min <= median <= p90 <= p99 <= max")

    def cell(self, cell: object, where: str) -> None:
        keys = ("variant", "workload", "status", "errors", "cold", "warm", "size", "ratios")
        if not self.object(cell, where, keys):
            return
        self.typed(cell.get("variant"), f"{where}.variant", str)
        self.typed(cell.get("workload"), f"{where}.workload", str)
        if cell.get("status") not in ("ok", "failed"):
            self.fail(f"{where}.status", f"expected 'ok' or 'failed', got {cell.get('status')!r}")
        errors = cell.get("errors")
        if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
            self.fail(f"{where}.errors", "expected a list of strings")
        cold = cell.get("cold")
        if cold is not None and self.object(cold, f"{where}.cold", (*COLD_FIGURES, "samples")):
            for figure in COLD_FIGURES:
                if figure in cold:
                    self.summary(cold[figure], f"{where}.cold.{figure}")
            samples = cold.get("samples")
            if self.object(samples, f"{where}.cold.samples", COLD_FIGURES):
                for figure in COLD_FIGURES:
                    series = samples.get(figure)
                    if not isinstance(series, list) or not all(v is None or _is_number(v) for v in series):
                        self.fail(f"{where}.cold.samples.{figure}", "expected a list of numbers or nulls")
        warm = cell.get("warm")
        if warm is not None and self.object(
            warm, f"{where}.warm", ("invokes", *WARM_SUMMARIES, "invokes_per_s", "peak_rss_kb")
        ):
            self.typed(warm.get("invokes"), f"{where}.warm.invokes", int)
            for figure in WARM_SUMMARIES + WARM_CPU_SUMMARIES:
                if figure in warm:
                    self.summary(warm[figure], f"{where}.warm.{figure}")
            self.typed(warm.get("invokes_per_s"), f"{where}.warm.invokes_per_s", Real)
            self.typed(warm.get("peak_rss_kb"), f"{where}.warm.peak_rss_kb", Real, nullable=True)
        size = cell.get("size")
        size_keys = ("zip_bytes", "unzipped_bytes", "contents")
        if size is not None and self.object(size, f"{where}.size", size_keys):
            self.typed(size.get("zip_bytes"), f"{where}.size.zip_bytes", int)
            self.typed(size.get("unzipped_bytes"), f"{where}.size.unzipped_bytes", int)
            self.typed(size.get("contents"), f"{where}.size.contents", str)
        ratios = cell.get("ratios")
        if self.object(ratios, f"{where}.ratios", ()):
            for baseline, figures in ratios.items():
                if self.object(figures, f"{where}.ratios.{baseline}", RATIO_FIGURES):
                    for figure in RATIO_FIGURES:
                        if figure in figures:
                            self.summary(figures[figure], f"{where}.ratios.{baseline}.{figure}")


def validate(doc: object) -> list[str]:
    """Every way `doc` departs from the result-file structure; empty when it conforms."""
    check = _Checker()
    top = ("schema", "created", "command", "git", "machine", "settings", "variants", "reference", "cells")
    if not check.object(doc, "result", top):
        return check.errors
    if doc.get("schema") != SCHEMA_ID:
        check.fail("result.schema", f"expected {SCHEMA_ID!r}, got {doc.get('schema')!r}")
    check.typed(doc.get("created"), "result.created", str)
    check.typed(doc.get("command"), "result.command", str)
    if check.object(doc.get("git"), "result.git", ("commit", "dirty")):
        check.typed(doc["git"].get("commit"), "result.git.commit", str, nullable=True)
    check.object(doc.get("machine"), "result.machine", MACHINE_KEYS)
    check.object(doc.get("settings"), "result.settings", SETTINGS_KEYS)
    if check.object(doc.get("variants"), "result.variants", ()):
        for name, info in doc["variants"].items():
            check.object(info, f"result.variants.{name}", ("label", "description"))
    if check.object(doc.get("reference"), "result.reference", ()):
        for name, ref in doc["reference"].items():
            where = f"result.reference.{name}"
            if check.object(ref, where, ("argv", "spawn_to_exit_ms", "peak_rss_kb")):
                check.summary(ref.get("spawn_to_exit_ms"), f"{where}.spawn_to_exit_ms")
                check.summary(ref.get("peak_rss_kb"), f"{where}.peak_rss_kb")
    cells = doc.get("cells")
    if not isinstance(cells, list):
        check.fail("result.cells", "expected a list")
    else:
        for i, cell in enumerate(cells):
            check.cell(cell, f"result.cells[{i}]")
    return check.errors


def missing_figures(doc: dict) -> list[str]:
    """Every variant x workload cell or figure a complete run should have and this one lacks."""
    missing = []
    cells = {(c["variant"], c["workload"]): c for c in doc["cells"]}
    for variant in doc["settings"]["variants"]:
        for workload in doc["settings"]["workloads"]:
            cell = cells.get((variant, workload))
            name = f"{variant} x {workload}"
            if cell is None:
                missing.append(f"{name}: no row")
                continue
            if cell["status"] != "ok":
                missing.append(f"{name}: status {cell['status']} ({'; '.join(cell['errors'])})")
            for part in ("cold", "warm", "size"):
                if cell[part] is None:
                    missing.append(f"{name}: no {part} figures")
            if cell["cold"] is not None:
                for figure in COLD_FIGURES:
                    if None in cell["cold"]["samples"][figure]:
                        missing.append(f"{name}: a cold start has no {figure}")
    return missing
