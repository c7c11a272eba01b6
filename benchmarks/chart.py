"""The PNG chart: cold start and peak memory per variant and workload, bars at the median with spread."""

from __future__ import annotations

from pathlib import Path

# How the median is written above each bar.
LABEL = {"ha": "center", "va": "bottom", "fontsize": 7}


def _spread(summary: dict, low: str, high: str) -> tuple[float, float]:
    return summary["median"] - summary[low], summary[high] - summary["median"]


def write_chart(doc: dict, path: Path) -> None:
    """Draw `doc`'s cold starts (spawn → first response and → first `/next`) and peak RSS into `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = doc["settings"]["workloads"]
    variants = doc["settings"]["variants"]
    cells = {(c["variant"], c["workload"]): c for c in doc["cells"] if c["cold"] is not None}
    fig, (ax_time, ax_mem) = plt.subplots(2, 1, figsize=(11, 8.5), constrained_layout=True)
    width = 0.8 / max(len(variants), 1)
    colours = plt.get_cmap("tab10")
    for v, variant in enumerate(variants):
        label = doc["variants"][variant]["label"]
        xs, resp, init, rss = [], [], [], []
        resp_err, rss_err, maxima = ([], []), ([], []), []
        for w, workload in enumerate(workloads):
            cell = cells.get((variant, workload))
            if cell is None:
                continue
            cold = cell["cold"]
            xs.append(w + (v - (len(variants) - 1) / 2) * width)
            resp.append(cold["first_response_ms"]["median"])
            init.append(cold["init_ms"]["median"])
            maxima.append(cold["first_response_ms"]["max"])
            lo, hi = _spread(cold["first_response_ms"], "min", "p90")
            resp_err[0].append(lo)
            resp_err[1].append(hi)
            rss.append(cold["peak_rss_kb"]["median"] / 1024)
            lo, hi = _spread(cold["peak_rss_kb"], "min", "max")
            rss_err[0].append(lo / 1024)
            rss_err[1].append(hi / 1024)
        colour = colours(v % 10)
        spread = {"capsize": 3, "ecolor": "dimgrey"}
        ax_time.bar(xs, resp, width, yerr=resp_err, color=colour, label=label, error_kw=spread)
        ax_time.scatter(xs, init, marker="v", s=18, color="black", zorder=3)
        ax_time.scatter(xs, maxima, marker="x", s=12, color=colour, zorder=3)
        ax_mem.bar(xs, rss, width, yerr=rss_err, color=colour, label=label, error_kw=spread)
        for x, median, top in zip(xs, resp, maxima, strict=True):  # the median, above the highest mark
            text = f"{median:.0f}" if median >= 10 else f"{median:.1f}"
            ax_time.annotate(text, (x, top), xytext=(0, 3), textcoords="offset points", **LABEL)
        for x, median, high in zip(xs, rss, rss_err[1], strict=True):
            ax_mem.annotate(
                f"{median:.1f}", (x, median + high), xytext=(0, 2), textcoords="offset points", **LABEL
            )
    for name, ref in doc["reference"].items():
        ax_time.axhline(ref["spawn_to_exit_ms"]["median"], color="grey", linestyle="--", linewidth=1)
        ax_time.annotate(
            f"{name} (spawn → exit)",
            (-0.45, ref["spawn_to_exit_ms"]["median"]),
            ha="left",
            va="bottom",
            fontsize=8,
            color="dimgrey",
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    for ax in (ax_time, ax_mem):
        ax.set_xticks(range(len(workloads)), workloads)
        ax.grid(axis="y", alpha=0.3)
    ax_time.set_yscale("log")
    low, high = ax_time.get_ylim()
    ax_time.set_ylim(low, high * 3)  # headroom for the legend above the tallest marks
    ax_time.set_ylabel("cold start, ms (log)")
    ax_time.set_title(
        "Spawn → first response (ms): bar = median, whisker = min..p90, × = max, ▼ = spawn → first /next"
    )
    ax_mem.set_ylabel("peak RSS, MB")
    ax_mem.set_title("Peak RSS of the runtime process tree at the first response (MB): median, min..max")
    ax_time.legend(fontsize=8, ncols=min(len(variants), 5), loc="upper left")
    machine = doc["machine"]
    fig.suptitle(
        f"lambda-native cold starts, {doc['created'][:10]}: {machine['cpu_model']}, "
        f"{machine['cpus_online']} CPUs, Python {machine['python']}, {doc['settings']['runs']} runs",
        fontsize=11,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
