"""RESULTS.md paragraphs of the `gate`, `compliance`, `unit` and `prowler` bench sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compliance_lines", "gate_lines", "prowler_lines", "unit_lines"]


def unit_lines(unit: dict[str, Any] | None, stamped: Callable[[dict[str, Any]], str]) -> list[str]:
    """The unit suite's 20 slowest tests as a table; [] when not measured."""
    if not unit:
        return []
    source = f"read from {unit['read']}" if "read" in unit else f"one run here, {unit['run']['seconds']:.1f}s wall"
    lines = [
        "## The unit suite's slowest tests",
        "",
        f"{unit['tests']} tests, {unit['seconds_summed']:.1f}s summed over tests ({source}); the "
        f"{len(unit['slowest'])} slowest (setup + call + teardown):" + stamped(unit),
        "",
        "| test | seconds |",
        "| --- | ---: |",
    ]
    lines += [f"| `{t['id']}` | {t['seconds']:.2f} |" for t in unit["slowest"]]
    return [*lines, ""]


def gate_lines(gate: dict[str, Any] | None, stamped: Callable[[dict[str, Any]], str]) -> list[str]:
    """The warm gate against the cold naive chain, with the gate's median stage seconds; [] when not measured."""
    if not gate:
        return []
    m = gate["median_seconds"]
    stages = ", ".join(f"{k.split('.', 1)[1]} {v:.2f}s" for k, v in m.items() if k.startswith("gate."))
    return [
        "## The warm gate vs the cold naive chain",
        "",
        f"Naive chain cold ({' → '.join(gate['naive_chain'])}): median {m['naive']:.2f}s. {gate['ours']}, warm "
        f"({gate['warm_means']}): median {m['gate']:.2f}s ({stages}); ratio {gate['gate_warm_vs_naive_cold']:.3f} "
        f"(median of {len(gate['rounds'])} pairs)." + stamped(gate),
        "",
    ]


def compliance_lines(scale: dict[str, Any] | None, stamped: Callable[[dict[str, Any]], str]) -> list[str]:
    """Live compliance and drift at N environments against N = 1, per resource; [] when not measured."""
    if not scale:
        return []
    high = str(scale["environments"][-1])
    lines = [
        f"## Live compliance and drift at N = {high}",
        "",
        f"{scale['measures']}; {scale['resources']['1']} resources at N = 1, {scale['resources'][high]} at N = {high} "
        f"(ratio {scale['resource_ratio']:.2f}).",
        "",
        f"| command | N = 1 (s) | N = {high} (s) | ms per resource, N = 1 | ms per resource, N = {high} | per-resource ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, f in scale["figures"].items():
        s, r = f["median_seconds"], f["median_ms_per_resource"]
        lines.append(
            f"| `stackcheck {kind}` | {s['1']:.2f} | {s[high]:.2f} | {r['1']:.2f} | {r[high]:.2f} | "
            f"{f['per_resource_ratio']:.3f} |"
        )
    return [
        *lines,
        "",
        "Each side is the whole command (interpreter start-up and pack loading included)." + stamped(scale),
        "",
    ]


def prowler_lines(section: dict[str, Any] | None, stamped: Callable[[dict[str, Any]], str]) -> list[str]:
    """stackcheck against Prowler on one deployment: both tools' seconds, the changes each caught; [] when not run."""
    if not section:
        return []
    heading = "## stackcheck vs Prowler on one emulator deployment"
    if "unavailable" in section:
        return [heading, "", f"Not measured: {section['unavailable']}." + stamped(section), ""]
    base, after, tool = section["baseline"], section["after"], section["prowler"]

    def state(s: dict[str, Any]) -> str:
        c, d = s["compliance"], s["drift"]
        return (
            f"Prowler {s['prowler']['seconds']:.1f}s ({s['prowler']['findings']} results, {s['prowler']['fails']} FAIL); "
            f"`stackcheck compliance` {c['seconds']:.2f}s (exit {c['returncode']}) + `stackcheck drift` "
            f"{d['seconds']:.2f}s (exit {d['returncode']}) = {s['stackcheck_seconds']:.2f}s"
        )

    caught = section["caught"]
    lines = [
        heading,
        "",
        f"{section['measures']}. Prowler {tool['version']} (`prowler {' '.join(tool['argv'])}`; "
        f"{tool['environment']}).",
        "",
        f"- As deployed: {state(base)}.",
        f"- After the {caught['changes']} changes: {state(after)}; {len(section['prowler_new_fails'])} new Prowler FAILs "
        f"({section['prowler_new_fails_elsewhere']} on resources no change touched).",
        f"- `prowler_time_ratio` (stackcheck seconds over Prowler seconds, median of the two states): "
        f"{section['prowler_time_ratio']:.4f}; caught: stackcheck {caught['stackcheck']} of {caught['changes']}, "
        f"Prowler {caught['prowler']} of {caught['changes']}.",
        "",
        "| change | construct path | stackcheck | Prowler |",
        "| --- | --- | --- | --- |",
    ]
    for row in section["changes"]:
        ours = "caught: " + ", ".join(f"`{x}`" for x in row["stackcheck_by"]) if row["stackcheck"] else "missed"
        theirs = "caught: " + ", ".join(f"`{x}`" for x in row["prowler_by"]) if row["prowler"] else "missed"
        if row["error"]:
            ours = theirs = f"not made: {row['error']}"
        lines.append(f"| {row['what']} | `{row['construct_path']}` | {ours} | {theirs} |")
    return [*lines, "", f"Caught means: {section['caught_means']}." + stamped(section), ""]
