"""The benchmark's plot (scan time and peak memory against resource count) and its Markdown summary, from results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.summaries import compliance_lines, gate_lines, prowler_lines, unit_lines

__all__ = ["summary_markdown", "write_plot", "write_summary", "xdist_floor_sentence"]


def write_plot(results: dict[str, Any], path: Path) -> Path | None:
    """Draw ``path`` (PNG): median scan seconds (min-max bars) and peak memory against resource count.

    A dashed line is linear scaling from the smallest N. Returns None, drawing nothing, when the
    results hold no scaling section or matplotlib is not installed (``pip install -e '.[bench]'``).
    """
    scaling = results.get("scaling")
    if not scaling:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    ns = [str(n) for n in scaling["environments"]]
    resources = [scaling["resources"][n] for n in ns]
    times = [[r[n]["seconds"] for r in scaling["rounds"]] for n in ns]
    medians = [scaling["median_seconds"][n] for n in ns]
    lows = [m - min(t) for m, t in zip(medians, times, strict=False)]
    highs = [max(t) - m for m, t in zip(medians, times, strict=False)]
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=120)
    ax.errorbar(
        resources, medians, yerr=[lows, highs], marker="o", capsize=4, label="stackcheck scan (median, min-max)"
    )
    linear = [medians[0] * r / resources[0] for r in resources]
    ax.plot(resources, linear, linestyle="--", color="grey", label=f"linear in resources (from N = {ns[0]})")
    for n, x, y in zip(ns, resources, medians, strict=False):
        ax.annotate(f"N={n}: {y:.1f}s", (x, y), textcoords="offset points", xytext=(-8, 8), ha="right", fontsize=8)
    ax.set_xlabel("resources in the cloud assembly")
    ax.set_ylabel("scan wall time (s)")
    memory = ax.twinx()
    largest = [scaling["peak_rss_mb"][n] for n in ns]
    tree = [scaling.get("peak_tree_rss_mb", {}).get(n) or 0 for n in ns]
    memory.plot(resources, largest, marker="s", color="tab:red", alpha=0.7, label="peak RSS, largest process (MB)")
    if any(tree):
        memory.plot(
            resources,
            tree,
            marker="^",
            color="tab:orange",
            alpha=0.7,
            linestyle=":",
            label="peak RSS, all processes (MB, sampled)",
        )
    memory.set_ylabel("peak memory (MB)", color="tab:red")
    memory.set_ylim(0, 1.3 * max(largest + tree))
    ax.set_ylim(0, 1.3 * max(max(t) for t in [*times, linear]))
    handles = ax.get_legend_handles_labels()[0] + memory.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + memory.get_legend_handles_labels()[1]
    ax.legend(handles, labels, loc="upper left", fontsize=7, framealpha=0.9)
    cpu = (results.get("machine") or {}).get("cpu", "")
    ax.set_title(f"stackcheck scan vs app size (N environments); {cpu}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _figure(results: dict[str, Any], key: str) -> str:
    verdict = (results.get("targets") or {}).get(key) or {}
    value = verdict.get("value")
    if value is None:
        return f"| `{key}` | not measured | {verdict.get('target', '')} | – |"
    met = {True: "met", False: "**not met**"}.get(verdict.get("met"), "–")
    return f"| `{key}` | {value:.3f} | {verdict.get('target')} | {met} |"


def summary_markdown(results: dict[str, Any], plot: Path | None) -> str:
    """The figures against their targets, the medians behind them, the machine and its load, the plot."""
    machine = results.get("machine") or {}
    load = results.get("load") or {}
    lines = [
        "# Benchmark results",
        "",
        f"Generated {results.get('generated')} by `make bench` at commit `{(results.get('git') or {}).get('commit', '')[:12]}`"
        f"{' (uncommitted changes)' if (results.get('git') or {}).get('dirty') else ''}; "
        f"{results.get('rounds')} alternating pairs per comparison, median of per-pair ratios. "
        "Raw timings: `bench/results.json`.",
        "",
        "| figure | value | target | |",
        "| --- | ---: | --- | --- |",
    ]
    lines += [
        _figure(results, key)
        for key in (
            "scan_vs_naive_cold",
            "scan_vs_naive_warm",
            "scaling_time_ratio_10x",
            "xdist_ratio",
            "fleet_6_vs_1",
            "gate_warm_vs_naive_cold",
            "compliance_per_resource_10x",
            "prowler_time_ratio",
        )
    ]
    lines += [
        "",
        f"Machine: {machine.get('cpu')}, {machine.get('cpus_available')} of {machine.get('cpus')} CPUs, "
        f"{machine.get('memory_gb')} GB, {machine.get('system')}, Python {machine.get('python')}, Node.js "
        f"{machine.get('node')}. Load average (1/5/15 min) {load.get('start')} at the start, {load.get('end')} at "
        "the end (the machine is shared: see each timing's load in results.json).",
        "",
    ]
    naive = results.get("scan_vs_naive")
    if naive:
        m = naive["median_seconds"]
        # In the chain's order (results.json sorts its keys): the labels of a round's parts.
        labels = (
            [part["label"] for part in naive["rounds"][0]["naive"]["parts"]]
            if naive.get("rounds")
            else [k.split(".", 1)[1] for k in m if k.startswith("naive.")]
        )
        parts = ", ".join(f"{label} {m[f'naive.{label}']:.2f}s" for label in labels)
        lines += [
            "## Scan vs the naive chain",
            "",
            f"Naive chain ({' → '.join(naive['naive_chain'])}): median {m['naive']:.2f}s ({parts}). "
            f"`make scan` cold: {m['cold']:.2f}s; warm: {m['warm']:.2f}s. {naive['cold_means']}.",
            "",
        ]
    scaling = results.get("scaling")
    if scaling:
        lines += [
            "## Scaling with N environments",
            "",
            "| N | resources | scan median (s) | peak RSS, largest process (MB) | peak RSS, all processes (MB) "
            "| synth (s) | synth peak RSS (MB) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for n in (str(n) for n in scaling["environments"]):
            synth = scaling["synth"][n]
            lines.append(
                f"| {n} | {scaling['resources'][n]} | {scaling['median_seconds'][n]:.2f} | "
                f"{scaling['peak_rss_mb'][n]:.0f} | {scaling.get('peak_tree_rss_mb', {}).get(n) or 0:.0f} | "
                f"{synth['seconds']:.1f} | {synth['peak_rss_mb']:.0f} |"
            )
        lines += ["", f"{scaling['measures']}. Resource ratio {scaling['resource_ratio']:.2f}.", ""]
        if plot:
            lines += [f"![scan time and peak memory against resource count]({plot.name})", ""]
    xdist = results.get("xdist")
    if xdist:
        m = xdist["median_seconds"]
        lines += [
            "## Integration suite under xdist",
            "",
            f"{xdist['suite']}: serial {m['serial']:.2f}s, `-n 2` {m['n2']:.2f}s (medians).",
            "",
        ]
        floor = xdist.get("floor")
        if floor:
            empty, calls = floor["empty_suite"], floor["api_calls"]
            lines += ["What bounds it on this machine:", ""]
            repeated = floor.get("repeated_suite")
            if repeated:
                lines.append(
                    f"- A longer suite: the same checks {repeated['repeats']} times over in one session take "
                    f"{repeated['median_seconds']['serial']:.2f}s serially and "
                    f"{repeated['median_seconds']['n2']:.2f}s under `-n 2`: ratio {repeated['ratio']:.2f}."
                )
            lines += [
                f"- `-n 2` by itself: {empty['tests']} tests that do nothing take "
                f"{empty['median_seconds']['serial']:.2f}s serially and {empty['median_seconds']['n2']:.2f}s "
                f"under `-n 2` ({empty['fixed_cost_seconds']:.2f}s of worker start-up, median of pairs).",
                f"- Two clients against one emulator: the same {calls['calls']} read calls take "
                f"{calls['median_seconds']['one']:.2f}s from one process and {calls['median_seconds']['two']:.2f}s "
                f"split over two at once: ratio {calls['ratio']:.2f}.",
                "",
                xdist_floor_sentence(floor),
                "",
            ]
    fleet = results.get("fleet")
    if fleet:
        m = fleet["median_seconds"]
        lines += [
            "## Fleet: 6 targets vs 1",
            "",
            f"`{fleet['command']}` on {fleet['cpus_available']} CPUs: one target {m['one']:.2f}s, six targets "
            f"(3 accounts x 2 regions) {m['six']:.2f}s; ratio {fleet['fleet_6_vs_1']:.2f} (median of "
            f"{len(fleet['rounds'])} pairs). The pack is loaded once in the parent; forked workers check the targets."
            + _stamped(fleet),
            "",
        ]
    lines += gate_lines(results.get("gate"), _stamped) + compliance_lines(results.get("compliance_scale"), _stamped)
    lines += unit_lines(results.get("unit"), _stamped) + prowler_lines(results.get("prowler"), _stamped)
    return "\n".join(lines).rstrip("\n") + "\n"


def _stamped(section: dict[str, Any]) -> str:
    """`` Measured <when> at commit <sha> (load ...).`` for a section run apart from the rest of the file, else ``""``."""
    run = section.get("run")
    if not run:
        return ""
    load = (run.get("load") or {}).get("start")
    return f" Measured {run['generated']} at commit `{(run.get('git') or {}).get('commit', '')[:12]}` (load {load} at the start)."


def xdist_floor_sentence(floor: dict[str, Any]) -> str:
    """Why ``xdist_ratio`` is what it is on this machine, in words, from the ``xdist.floor`` measurements."""
    calls, empty = floor["api_calls"], floor["empty_suite"]
    sentence = (
        "Most of the suite's time is calls to the emulator, one moto server process, which answers two clients "
        f"together only {1 / calls['ratio']:.2f}x as fast as one on this machine; "
        f"{empty['fixed_cost_seconds']:.2f}s of worker start-up comes on top."
    )
    repeated = floor.get("repeated_suite")
    if repeated:
        sentence = (
            f"A longer suite does not get there: {repeated['repeats']} times the checks give a ratio of "
            f"{repeated['ratio']:.2f}. " + sentence
        )
    return sentence + (
        " Against real AWS the calls wait on the network, which two workers overlap; no AWS account "
        "is reachable here. Ratios are medians of per-pair ratios, seconds medians of each side, so "
        "the two need not divide exactly."
    )


def write_summary(results: dict[str, Any], path: Path, plot: Path | None) -> Path:
    """Write ``summary_markdown`` to ``path``; returns it."""
    path.write_text(summary_markdown(results, plot))
    return path
