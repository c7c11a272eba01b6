"""The whole run: prepare every variant x workload, interleave cold starts, time warm invokes, write files."""

from __future__ import annotations

import datetime
import gc
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import orjson

from benchmarks import harness
from benchmarks.artifacts import PrepareError
from benchmarks.chart import write_chart
from benchmarks.machine import git_state, machine_info
from benchmarks.pinning import choose_placement, pin_harness
from benchmarks.reference import BarePython
from benchmarks.report import BASELINES, markdown
from benchmarks.schedule import round_robin
from benchmarks.schema import COLD_FIGURES, SCHEMA_ID
from benchmarks.services import SERVICES
from benchmarks.stats import PERCENTILE_DEFINITION, paired_ratios, summarize
from benchmarks.variants import Prepared, Variant
from benchmarks.workloads import Workload
from lambda_native.emulator.task_root import drop_from_page_cache

# Lambda's smallest memory size; the emulator reports Max Memory Used against it.
MEMORY_MB = 128
# A cell keeps at most this many distinct error messages (a broken variant fails every round alike).
MAX_ERRORS = 5


class Cell:
    """One variant x workload: its prepared task folder, per-round cold samples, warm figures, errors."""

    def __init__(self, variant: Variant, workload: Workload, runs: int) -> None:
        self.variant = variant
        self.workload = workload
        self.event = b""
        self.prepared: Prepared | None = None
        self.samples: dict[str, list[float | None]] = {figure: [None] * runs for figure in COLD_FIGURES}
        self.warm: dict | None = None
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        if message not in self.errors and len(self.errors) < MAX_ERRORS:
            self.errors.append(message)

    def cold(self) -> dict | None:
        measured = {f: [v for v in series if v is not None] for f, series in self.samples.items()}
        if not all(measured.values()):
            return None
        return {**{f: summarize(values) for f, values in measured.items()}, "samples": self.samples}

    def result(self, ratios: dict) -> dict:
        cold = self.cold()
        complete = cold is not None and self.warm is not None and not self.errors
        return {
            "variant": self.variant.name,
            "workload": self.workload.name,
            "status": "ok" if complete else "failed",
            "errors": self.errors,
            "cold": cold,
            "warm": self.warm,
            "size": self.prepared.size if self.prepared else None,
            "ratios": ratios,
        }


def cell_ratios(cell: Cell, cells: dict[tuple[str, str], Cell]) -> dict:
    """This cell's per-round ratios to each baseline variant measured on the same workload in this run."""
    ratios = {}
    figures = {"init": "init_ms", "first_response": "first_response_ms", "peak_rss": "peak_rss_kb"}
    for baseline in BASELINES:
        other = cells.get((baseline, cell.workload.name))
        if other is None or other is cell:
            continue
        pairs = {k: paired_ratios(cell.samples[f], other.samples[f]) for k, f in figures.items()}
        if all(pairs.values()):
            ratios[baseline] = {k: summarize(v) for k, v in pairs.items()}
    return ratios


def prepare(cells: Iterable[Cell], say: Callable[[str], None]) -> list[Cell]:
    """Prepare each cell's task folder (builds included); the cells that are ready to measure."""
    ready = []
    for cell in cells:
        say(f"preparing {cell.variant.name} x {cell.workload.name}")
        try:
            cell.prepared = cell.variant.prepare(cell.workload)
            cell.event = cell.workload.event()
            drop_from_page_cache(cell.prepared.task_dir)
        except PrepareError as exc:
            cell.fail(f"prepare: {exc}")
            continue
        except Exception as exc:  # an unexpected failure of one variant must not end the whole run
            cell.fail(f"prepare: {type(exc).__name__}: {exc}")
            continue
        ready.append(cell)
    return ready


@contextmanager
def servers_for(workloads: Iterable[Workload], say: Callable[[str], None]) -> Iterator[None]:
    """The servers on 127.0.0.1 the workloads call, started for the run, each workload bound to them."""
    needed = sorted({name for workload in workloads for name in workload.services})
    with ExitStack() as stack:
        urls = {}
        for name in needed:
            say(f"starting {name} on 127.0.0.1")
            urls[name] = stack.enter_context(SERVICES[name]())
        for workload in workloads:
            workload.bind(urls)
        yield


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the garbage collector from pausing the harness mid-sample; callers collect between samples."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def measure_cold(
    ready: list[Cell], bare: BarePython | None, runs: int, cpu: int | None, say: Callable[[str], None]
) -> list[tuple[float, int]]:
    """One untimed start per cell, then `runs` rounds of cold starts round-robin; the bare row's samples."""
    for cell in ready:  # page cache and any first-run costs out of the samples
        try:
            harness.cold_start(cell.prepared, cell.workload, cell.event, MEMORY_MB, cpu)
        except Exception as exc:
            cell.fail(f"warm-up cold start: {type(exc).__name__}: {exc}")
    bare_samples: list[tuple[float, int]] = []
    schedule: list = [*ready, bare] if bare else list(ready)
    say(
        f"{runs} rounds of cold starts over {len(ready)} rows" + (" and the bare interpreter" if bare else "")
    )
    for r, cell in round_robin(schedule, runs):
        if cell is bare:
            bare_samples.append(bare.sample(cpu))
        else:
            try:
                sample = harness.cold_start(cell.prepared, cell.workload, cell.event, MEMORY_MB, cpu)
            except Exception as exc:
                cell.fail(f"cold start: {type(exc).__name__}: {exc}")
            else:
                cell.samples["init_ms"][r] = sample.init_ms
                cell.samples["first_response_ms"][r] = sample.first_response_ms
                cell.samples["peak_rss_kb"][r] = sample.peak_rss_kb
        gc.collect()
    return bare_samples


def measure_warm(ready: list[Cell], invokes: int, cpu: int | None, say: Callable[[str], None]) -> None:
    """`invokes` warm invokes for each cell, interleaved: every variant of a workload warm at once, one
    invoke of each per round (starting one variant later each round), so whatever else the machine is doing
    falls on all of them alike."""
    for workload in dict.fromkeys(cell.workload for cell in ready):
        cells = [cell for cell in ready if cell.workload is workload]
        names = ", ".join(cell.variant.name for cell in cells)
        say(f"{invokes} warm invokes, interleaved: {names} x {workload.name}")
        runtimes: dict[Cell, harness.WarmRuntime] = {}
        try:
            for cell in cells:
                try:
                    runtimes[cell] = harness.WarmRuntime(cell.prepared, workload, cell.event, MEMORY_MB, cpu)
                except Exception as exc:
                    cell.fail(f"warm invokes: {type(exc).__name__}: {exc}")
            for r in range(invokes):
                order = list(runtimes.items())
                for cell, runtime in order[r % len(order) :] + order[: r % len(order)]:
                    try:
                        runtime.invoke()
                    except Exception as exc:
                        cell.fail(f"warm invokes: {type(exc).__name__}: {exc}")
                        runtimes.pop(cell).close()
            for cell, runtime in runtimes.items():
                try:
                    cell.warm = runtime.figures()
                except Exception as exc:
                    cell.fail(f"warm invokes: {type(exc).__name__}: {exc}")
        finally:
            for runtime in runtimes.values():
                runtime.close()
        gc.collect()


def result_paths(out_dir: Path, created: datetime.datetime) -> dict[str, Path]:
    """`<out>/<date>-<host>.{json,md,png}`."""
    stem = f"{created:%Y-%m-%d}-{socket.gethostname()}"
    return {ext: out_dir / f"{stem}.{ext}" for ext in ("json", "md", "png")}


def run_suite(
    variants: Sequence[Variant],
    workloads: Sequence[Workload],
    *,
    runs: int,
    warm_invokes: int,
    out_dir: Path,
    command: str,
    quick: bool,
    reference: bool = True,
    say: Callable[[str], None] = print,
) -> tuple[dict, dict[str, Path]]:
    """Measure every variant x workload, write the result files, return (result document, their paths)."""
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    git = git_state()  # before building: the commit the measured code came from
    placement = choose_placement()
    pin_harness(placement)
    cells = {(v.name, w.name): Cell(v, w, runs) for w in workloads for v in variants}

    with servers_for(workloads, say):
        ready = prepare(cells.values(), say)
        bare = BarePython() if reference else None
        with collector_paused():
            bare_samples = measure_cold(ready, bare, runs, placement.child_cpu, say)
            measure_warm(ready, warm_invokes, placement.child_cpu, say)

    doc = {
        "schema": SCHEMA_ID,
        "created": created.isoformat().replace("+00:00", "Z"),
        "command": command,
        "git": git,
        "machine": machine_info(),
        "settings": {
            "runs": runs,
            "warm_invokes": warm_invokes,
            "quick": quick,
            "memory_mb": MEMORY_MB,
            "harness_cpu": placement.harness_cpu,
            "child_cpu": placement.child_cpu,
            "percentiles": PERCENTILE_DEFINITION,
            "variants": [v.name for v in variants],
            "workloads": [w.name for w in workloads],
        },
        "variants": {v.name: v.info() for v in variants},
        "reference": {},
        "cells": [c.result(cell_ratios(c, cells)) for c in cells.values()],
    }
    if bare_samples:
        doc["reference"][bare.name] = {
            "argv": [Path(bare.argv[0]).name, *bare.argv[1:]],
            "spawn_to_exit_ms": summarize(ms for ms, _ in bare_samples),
            "peak_rss_kb": summarize(kb for _, kb in bare_samples),
        }
    return doc, write_results(doc, out_dir, created)


def write_results(doc: dict, out_dir: Path, created: datetime.datetime) -> dict[str, Path]:
    """Write the JSON result, its Markdown table and its chart side by side."""
    paths = result_paths(out_dir, created)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths["json"].write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    paths["md"].write_text(markdown(doc))
    write_chart(doc, paths["png"])
    return paths
