"""The Markdown table of a result: one row per variant x workload, the machine and command above it; and
the README's shorter table (`python -m benchmarks.report RESULT.json`)."""

from __future__ import annotations

import statistics
import sys

from benchmarks.corpus_functions import PREFIX as CORPUS_PREFIX
from benchmarks.schema import missing_figures

# Ratio columns: baseline variant -> header.
BASELINES = ("awslambdaric", "interpreted")


def _ms(summary: dict | None) -> str:
    if summary is None:
        return "–"
    return f"{summary['median']:.1f} ({summary['min']:.1f}–{summary['p90']:.1f})"


def _mb(kb: float | None) -> str:
    return "–" if kb is None else f"{kb / 1024:.1f}"


def _ratio(cell: dict, baseline: str, time_only: bool = False) -> str:
    """The cell's medians over `baseline`'s: "first response / peak RSS", or the first response alone."""
    figures = cell["ratios"].get(baseline)
    if cell["variant"] == baseline:
        return "1"
    if not figures:
        return "–"
    time = f"{figures['first_response']['median']:.2f}"
    return time if time_only else f"{time} / {figures['peak_rss']['median']:.2f}"


def _bytes(n: int) -> str:
    if n >= 100_000:
        return f"{n / 1e6:.2f} MB"
    return f"{n / 1e3:.1f} kB"


def _size(size: dict | None) -> str:
    if size is None:
        return "–"
    return f"{_bytes(size['zip_bytes'])} / {_bytes(size['unzipped_bytes'])}"


def _warm(warm: dict | None) -> tuple[str, str, str, str]:
    if warm is None:
        return "–", "–", "–", "–"
    rt = warm["round_trip_us"]
    duration = warm["duration_us"]["median"]
    cpu = f"{warm['cpu_us']['median']:.0f}" if "cpu_us" in warm else "–"
    return f"{rt['median']:.0f} / {rt['p99']:.0f}", f"{duration:.0f}", cpu, f"{warm['invokes_per_s']:.0f}"


# A warm row whose runtime waited this share of its Duration for a CPU was measured on a busy machine.
BUSY_WAIT_SHARE = 0.1


def _contention_note(doc: dict) -> list[str]:
    """A warning when the runtimes waited for their CPU during the warm invokes: compare CPU, not Duration."""
    shares = [
        cell["warm"]["wait_us"]["median"] / cell["warm"]["duration_us"]["median"]
        for cell in doc["cells"]
        if cell["warm"] and "wait_us" in cell["warm"] and cell["warm"]["duration_us"]["median"] > 0
    ]
    if not shares or max(shares) < BUSY_WAIT_SHARE:
        return []
    return [
        "",
        f"Other processes competed for the runtimes' CPU during the warm invokes: a runtime waited up to "
        f"{max(shares):.0%} of its median Duration for it. Every variant of a workload was invoked in turn, "
        "so the load fell on all alike, but the Durations include that wait: compare the warm CPU column.",
    ]


# Issue 20's goals for the corpus: native ÷ awslambdaric, spawn → first response (median over the corpus,
# and the most any one function may take), peak RSS per function, and zip over the interpreted folder's.
CORPUS_GOALS = {"median_time": 0.6, "max_time": 0.75, "max_rss": 1.0, "zip_over_interpreted_bytes": 3_000_000}


def corpus_summary(doc: dict) -> list[str]:
    """The corpus rows in a few lines: native ÷ awslambdaric over the functions, against the goals."""
    cells = {(c["variant"], c["workload"]): c for c in doc["cells"]}
    ratios, zips = {}, {}
    for (variant, workload), cell in cells.items():
        if variant != "native" or not workload.startswith(CORPUS_PREFIX):
            continue
        figures = cell["ratios"].get("awslambdaric")
        if figures:
            ratios[workload] = (figures["first_response"]["median"], figures["peak_rss"]["median"])
        interpreted = cells.get(("interpreted", workload))
        if cell["size"] and interpreted and interpreted["size"]:
            zips[workload] = cell["size"]["zip_bytes"] - interpreted["size"]["zip_bytes"]
    if not ratios:
        return []
    times = sorted(t for t, _ in ratios.values())
    slowest = max(ratios, key=lambda w: ratios[w][0])
    heaviest = max(ratios, key=lambda w: ratios[w][1])
    above = [w for w, (t, _) in ratios.items() if t > CORPUS_GOALS["max_time"]]
    lines = [
        "",
        f"Corpus ({len(ratios)} functions, native ÷ awslambdaric): spawn → first response median "
        f"{statistics.median(times):.2f}× (goal ≤ {CORPUS_GOALS['median_time']}×), highest "
        f"{ratios[slowest][0]:.2f}× ({slowest}; goal ≤ {CORPUS_GOALS['max_time']}×, "
        f"{len(above)} above); peak RSS highest {ratios[heaviest][1]:.2f}× ({heaviest}; goal ≤ "
        f"{CORPUS_GOALS['max_rss']}×).",
    ]
    if zips:
        largest = max(zips, key=zips.get)
        over = sum(1 for extra in zips.values() if extra > CORPUS_GOALS["zip_over_interpreted_bytes"])
        lines[-1] += (
            f" Zip over the interpreted folder's: at most {_signed_bytes(zips[largest])} ({largest}; goal "
            f"≤ +{_bytes(CORPUS_GOALS['zip_over_interpreted_bytes'])}, {over} above)."
        )
    return lines


def _signed_bytes(n: int) -> str:
    return ("+" if n >= 0 else "−") + _bytes(abs(n))


def markdown(doc: dict) -> str:
    """The result as Markdown: a header naming machine, command and commit, the table, then notes."""
    machine, settings, git = doc["machine"], doc["settings"], doc["git"]
    commit = (git["commit"] or "unknown")[:12] + (" (dirty)" if git["dirty"] else "")
    pinning = (
        f"runtime pinned to CPU {settings['child_cpu']}, harness to CPU {settings['harness_cpu']}"
        if settings["child_cpu"] is not None
        else "no CPU pinning (one CPU usable)"
    )
    lines = [
        f"# Cold-start benchmark, {doc['created'][:10]}",
        "",
        f"- Command: `{doc['command']}`",
        f"- Machine: {machine['cpu_model']}, {machine['cpus_online']} CPUs, {machine['kernel']}, "
        f"{machine['glibc']}, Python {machine['python']}, Nuitka {machine['nuitka']}, "
        f"awslambdaric {machine.get('awslambdaric')}; host `{machine['hostname']}`",
        f"- Commit: `{commit}`",
        f"- {settings['runs']} cold starts per row, interleaved round-robin; {pinning}; "
        f"{settings['warm_invokes']} warm invokes per row; memory size {settings['memory_mb']} MB",
        "",
        "Times in ms as median (min–p90). *Init* = spawn → first `/next` (Lambda's Init Duration); "
        "*first response* = spawn → first response posted. Ratios are medians of per-round pairs, "
        "first response / peak RSS. Warm (the invokes of a workload's variants interleaved): round trip of "
        "`Function.invoke` p50 / p99, the emulator's Duration p50 (event sent → response received), and the "
        "runtime's own CPU time p50 per invoke (its threads' time on a CPU, from the kernel's scheduler).",
        "",
        "| variant | workload | init ms | first response ms | peak RSS MB | zip / unzipped "
        "| warm round trip µs | warm Duration µs | warm CPU µs | invokes/s "
        "| × awslambdaric | × interpreted |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for cell in doc["cells"]:
        cold = cell["cold"]
        warm_rt, warm_duration, warm_cpu, warm_rate = _warm(cell["warm"])
        label = doc["variants"][cell["variant"]]["label"]
        lines.append(
            f"| {label} | {cell['workload']} | {_ms(cold and cold['init_ms'])} "
            f"| {_ms(cold and cold['first_response_ms'])} "
            f"| {_mb(cold and cold['peak_rss_kb']['median'])} | {_size(cell['size'])} "
            f"| {warm_rt} | {warm_duration} | {warm_cpu} | {warm_rate} "
            f"| {_ratio(cell, BASELINES[0])} | {_ratio(cell, BASELINES[1])} |"
        )
    for name, ref in doc["reference"].items():
        lines.append(
            f"| {name}: `{' '.join(ref['argv'])}` (spawn → exit) | – | – | {_ms(ref['spawn_to_exit_ms'])} "
            f"| {_mb(ref['peak_rss_kb']['median'])} | – | – | – | – | – | – | – |"
        )
    lines += _contention_note(doc)
    lines += corpus_summary(doc)
    lines += ["", "Variants:", ""]
    lines += [f"- **{info['label']}**: {info['description']}" for info in doc["variants"].values()]
    missing = missing_figures(doc)
    if missing:
        lines += ["", "Not measured in this run:", ""]
        lines += [f"- {item}" for item in missing]
    return "\n".join(lines) + "\n"


# The README's table: these variants, in this order, for every workload measured (the C floor for hello).
README_VARIANTS = ("native", "interpreted", "awslambdaric", "c-floor")


def readme_table(doc: dict) -> str:
    """The README's table: first response, peak RSS, zip and ratios of the product and its baselines."""
    lines = [
        "| variant | workload | spawn → first response, ms (median) | peak RSS MB | zip | "
        "× awslambdaric (time / RSS) | × interpreted (time) |",
        "|---|---|---|---|---|---|---|",
    ]
    cells = {(c["variant"], c["workload"]): c for c in doc["cells"]}
    for workload in doc["settings"]["workloads"]:
        for variant in README_VARIANTS:
            cell = cells.get((variant, workload))
            if cell is None or cell["cold"] is None or (variant == "c-floor" and workload != "hello"):
                continue
            cold = cell["cold"]
            zipped = _bytes(cell["size"]["zip_bytes"]) if cell["size"] else "–"
            lines.append(
                f"| {doc['variants'][variant]['label']} | {workload} "
                f"| {cold['first_response_ms']['median']:.1f} | {_mb(cold['peak_rss_kb']['median'])} "
                f"| {zipped} | {_ratio(cell, 'awslambdaric')} "
                f"| {_ratio(cell, 'interpreted', time_only=True)} |"
            )
    for name, ref in doc["reference"].items():
        lines.append(
            f"| {name} `{' '.join(ref['argv'])}` (spawn → exit) | – "
            f"| {ref['spawn_to_exit_ms']['median']:.1f} | {_mb(ref['peak_rss_kb']['median'])} | – | – | – |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """`python -m benchmarks.report RESULT.json`: print the README's table of a result file."""
    import orjson

    if len(argv) != 1:
        print("usage: python -m benchmarks.report RESULT.json", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as file:
        print(readme_table(orjson.loads(file.read())), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
