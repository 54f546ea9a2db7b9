"""Bench section `gate`: the warm `make gate` (scan, deploy, every post-deploy check, the out-of-band suite) against the cold naive chain.

Both sides run in the bench's private copy of the app, alternating within each pair (A B, B A,
...). The naive side is ``npx cdk synth`` + ``cfn-lint`` + ``checkov`` with nothing cached (as
``bench.run.naive_chain`` measures it for the scan comparison); the gate side is ``make gate``
right after another ``make gate`` with the infra unchanged (the cloud assembly and the findings
cache reused; the emulator is always a fresh one). The figure is the median of per-pair ratios.
Each gate run's stage seconds are read from its ``reports/gate.md``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import alternate, median_ratio, run
from bench.workspace import Workspace

__all__ = ["bench_gate", "gate_stages"]

_STAGE_ROW = re.compile(r"^\| (synth|scan|deploy|checks|out-of-band|teardown) \| ([A-Z ]+) \| (\S*) \| ([0-9.]*) \|$")


def gate_stages(gate_md: Path) -> dict[str, dict[str, Any]]:
    """``{stage: {"status", "seconds"}}`` from the stage table of a ``reports/gate.md``; ``{}`` when it is missing."""
    if not gate_md.is_file():
        return {}
    found = {}
    for line in gate_md.read_text(encoding="utf-8").splitlines():
        match = _STAGE_ROW.match(line.strip())
        if match:
            name, status, _, seconds = match.groups()
            found[name] = {"status": status.strip(), "seconds": float(seconds) if seconds else None}
    return found


def bench_gate(
    ws: Workspace,
    rounds: int,
    logs: Path,
    naive: Callable[[], dict[str, Any]],
    naive_how: str,
    env: dict[str, str],
) -> dict[str, Any]:
    """``rounds`` pairs of the cold naive chain (``naive()``, a ``bench.run.naive_chain`` record) and a warm ``make gate``.

    ``env`` is the gate's environment (PYTHONPATH naming the repository, so this tree's stackcheck
    runs). One gate and one naive chain run first as warm-up (the gate's cloud assembly and findings
    cache are then current). Raises RuntimeError (naming the log) when a gate run exits other than 0.
    """
    log_file = logs / "gate.log"
    gate_cmd = ws.make("gate")

    def gate() -> dict[str, Any]:
        measured = run("make gate (warm)", gate_cmd, cwd=ws.root, env=env, log=log_file)
        if measured.returncode != 0:
            raise RuntimeError(f"make gate exited {measured.returncode}; see {log_file}")
        return {**measured.to_dict(), "stages": gate_stages(ws.root / "reports" / "gate.md")}

    print("[bench gate] warming up: one make gate, one naive chain", flush=True)
    gate()
    naive()
    records = []
    for index in range(rounds):
        record: dict[str, Any] = {"order": alternate(["naive", "gate"], index)}
        for side in record["order"]:
            record[side] = naive() if side == "naive" else gate()
        record["ratio"] = round(record["gate"]["seconds"] / record["naive"]["seconds"], 4)
        print(
            f"[bench gate] round {index + 1}/{rounds}: naive cold {record['naive']['seconds']:.2f}s, "
            f"gate warm {record['gate']['seconds']:.2f}s",
            flush=True,
        )
        records.append(record)
    stage_names = list(records[0]["gate"]["stages"])
    return {
        "naive_chain": [naive_how, "cfn-lint <every template>", "checkov -d <cloud assembly>"],
        "ours": "make gate: synth, scan, a fresh emulator + deploy, the post-deploy checks (strict), the out-of-band "
        "suite (live compliance from one snapshot), teardown; reports/gate.md",
        "warm_means": "right after another make gate, infra unchanged: the cloud assembly and the findings cache reused",
        "cold_means": "the naive chain with no naive.out before each run",
        "gate_warm_vs_naive_cold": round(
            median_ratio([r["gate"]["seconds"] for r in records], [r["naive"]["seconds"] for r in records]), 4
        ),
        "median_seconds": {
            "naive": round(statistics.median(r["naive"]["seconds"] for r in records), 3),
            "gate": round(statistics.median(r["gate"]["seconds"] for r in records), 3),
            **{
                f"gate.{name}": round(
                    statistics.median(r["gate"]["stages"].get(name, {}).get("seconds") or 0.0 for r in records), 3
                )
                for name in stage_names
            },
        },
        "rounds": records,
    }
