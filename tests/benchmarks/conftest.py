"""The suite's fixtures. `benchmarks/` is at the repository root (not installed), so import it from there."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture
def result_doc():
    """A complete result for 2 variants x 2 workloads, built from fixed samples by the suite's own code."""
    from benchmarks.schema import SCHEMA_ID
    from benchmarks.stats import PERCENTILE_DEFINITION, summarize
    from benchmarks.suite import Cell, cell_ratios
    from benchmarks.variants import VARIANTS, Prepared
    from benchmarks.workloads import WORKLOADS

    runs = 4
    variants = [VARIANTS["interpreted"], VARIANTS["awslambdaric"]]
    workloads = [WORKLOADS["hello"], WORKLOADS["json"]]
    cells = {}
    for v, variant in enumerate(variants):
        for w, workload in enumerate(workloads):
            cell = Cell(variant, workload, runs)
            base = 30.0 + 10 * v + 5 * w
            cell.samples["init_ms"] = [base + r for r in range(runs)]
            cell.samples["first_response_ms"] = [base + 2 + r for r in range(runs)]
            cell.samples["peak_rss_kb"] = [14000 + 1000 * v + r for r in range(runs)]
            cell.warm = {
                "invokes": 10,
                "round_trip_us": summarize([100.0 + i for i in range(10)]),
                "duration_us": summarize([60.0 + i for i in range(10)]),
                "cpu_us": summarize([40.0 + i for i in range(10)]),
                "wait_us": summarize([float(i) for i in range(10)]),
                "invokes_per_s": 9000.0,
                "peak_rss_kb": 15000,
            }
            size = {"zip_bytes": 1000, "unzipped_bytes": 3000, "contents": "x"}
            cell.prepared = Prepared([], REPO_ROOT, {}, size)
            cells[(variant.name, workload.name)] = cell
    return {
        "schema": SCHEMA_ID,
        "created": "2026-11-26T18:00:00Z",
        "command": "python -m benchmarks --runs 4",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "machine": {
            "hostname": "testhost",
            "cpu_model": "Test CPU",
            "cpus_online": 2,
            "kernel": "Linux 6.1",
            "glibc": "glibc 2.36",
            "python": "3.11.7",
            "nuitka": "4.3.3",
            "awslambdaric": "4.2.2",
        },
        "settings": {
            "runs": runs,
            "warm_invokes": 10,
            "quick": False,
            "memory_mb": 128,
            "harness_cpu": 0,
            "child_cpu": 1,
            "percentiles": PERCENTILE_DEFINITION,
            "variants": [v.name for v in variants],
            "workloads": [w.name for w in workloads],
        },
        "variants": {v.name: v.info() for v in variants},
        "reference": {
            "bare python": {
                "argv": ["python3", "-I", "-S", "-c", "pass"],
                "spawn_to_exit_ms": summarize([8.0, 9.0, 8.5, 10.0]),
                "peak_rss_kb": summarize([9000, 9010, 9020, 9030]),
            }
        },
        "cells": [c.result(cell_ratios(c, cells)) for c in cells.values()],
    }
