"""Bench section `latency`: the post-deploy suite serial vs ``-n 2`` vs ``-n 4`` against the emulator with simulated AWS latency.

The app is deployed to a private emulator started with ``STACKCHECK_EMULATOR_LATENCY`` (a seeded
per-call delay, ``stackcheck.emulator.latency``; labelled a simulation: it stands for the network
wait AWS calls have and the bare emulator lacks). Each round runs the three sides in a rotating
order; ``xdist_ratio_latency`` is the median of per-round ``-n 2`` / serial ratios. The fastest side's
worker count is what ``make integration`` uses against AWS (``best_workers``).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.measure import median_ratio, run
from bench.workspace import Workspace

__all__ = ["DEFAULT_LATENCY", "bench_latency"]

DEFAULT_LATENCY = "20-150@7"
SIDES = {"serial": ["-p", "no:xdist"], "n2": ["-n", "2"], "n4": ["-n", "4"]}


def bench_latency(ws: Workspace, rounds: int, logs: Path, latency: str = DEFAULT_LATENCY) -> dict[str, Any]:
    """``rounds`` rounds of the three sides on one deployment; raises CalledProcessError (log named in
    ``logs/latency.log``) when the deploy fails."""
    env = {**ws.env, "STACKCHECK_STRICT": "1", "STACKCHECK_EMULATOR_LATENCY": latency}
    base = ws.integration_suite()
    log_file = logs / "latency.log"
    names = list(SIDES)
    records = []
    with ws.deployed(env, log_file):
        run("warm-up", [*base, *SIDES["serial"]], cwd=ws.root, env=env, log=log_file)
        for index in range(rounds):
            order = names[index % 3 :] + names[: index % 3]
            record: dict[str, Any] = {"order": order}
            for side in order:
                record[side] = run(side, [*base, *SIDES[side]], cwd=ws.root, env=env, log=log_file).to_dict()
            print(
                f"[bench latency] round {index + 1}/{rounds}: "
                + ", ".join(f"{side} {record[side]['seconds']:.2f}s" for side in names),
                flush=True,
            )
            records.append(record)
    medians = {side: round(statistics.median(r[side]["seconds"] for r in records), 3) for side in names}
    best = min(names, key=lambda side: medians[side])
    return {
        "simulation": f"emulator with STACKCHECK_EMULATOR_LATENCY={latency}: a seeded triangular delay per API call "
        "(ms), a stand-in for AWS's network wait, not a measurement of AWS",
        "suite": "pytest tests/integration -m 'not outofband' (STACKCHECK_STRICT=1); serial (-p no:xdist), -n 2, -n 4",
        "xdist_ratio_latency": round(
            median_ratio([r["n2"]["seconds"] for r in records], [r["serial"]["seconds"] for r in records]), 4
        ),
        "xdist_ratio_latency_n4": round(
            median_ratio([r["n4"]["seconds"] for r in records], [r["serial"]["seconds"] for r in records]), 4
        ),
        "median_seconds": medians,
        "best_workers": {"serial": 1, "n2": 2, "n4": 4}[best],
        "exit_codes": sorted({r[s]["returncode"] for r in records for s in names}),
        "rounds": records,
    }
