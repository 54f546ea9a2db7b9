"""RESULTS.md paragraphs of the `gate` and `compliance` bench sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["compliance_lines", "gate_lines", "unit_lines"]


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
