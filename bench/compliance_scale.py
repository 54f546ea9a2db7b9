"""Bench section `compliance`: live compliance and drift with N = 10 environments deployed on the emulator, time per resource against N = 1.

One private emulator holds the app synthesized with ``benchmarkEnvironments=N`` (the largest N),
deployed in dependency order. N = 1 is the first environment's stacks (``--stack`` for each of
DmsPrereq, Source, Target, Route53), N = 10 every stack. Both sides are the whole command as a
user runs it (``stackcheck compliance``, ``stackcheck drift --method live-template``: the emulator
has no DetectStackDrift), alternating within each round; the ledger is the suppression ledger
scaled to the N sets (``bench.workspace.scaled_ledger``). The figure is the median over rounds of
(seconds per resource at N = 10) / (seconds per resource at N = 1).
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from bench.measure import Run, alternate, median_ratio, run
from bench.workspace import Workspace, scaled_ledger

__all__ = ["bench_compliance_scale"]

KINDS = ("compliance", "drift")


def _argv(ws: Workspace, kind: str, assembly: str, stacks: list[str] | None, record: Path, reports: Path) -> list[str]:
    chosen = [arg for stack in stacks or () for arg in ("--stack", stack)]
    common = ["--assembly", assembly, *chosen, "--emulator-record", str(record), "--report-dir", str(reports)]
    if kind == "compliance":
        ledger = ["--ledger", str(ws.root / "compliance-scale-ledger.yaml")]
        return [ws.bin("stackcheck"), "compliance", *common, "--policies", "policies", *ledger]
    allowlist = ["--allowlist", "policies/drift-allowlist.yaml"]
    return [ws.bin("stackcheck"), "drift", *common, "--method", "live-template", *allowlist]


def bench_compliance_scale(
    ws: Workspace, rounds: int, logs: Path, env: dict[str, str], environments: int = 10
) -> dict[str, Any]:
    """Synthesize and deploy ``environments`` sets to a private emulator, then ``rounds`` rounds of compliance
    and drift on the first set and on all of them. ``env`` names the repository on PYTHONPATH.

    Raises RuntimeError (naming the log) when synthesis fails or a run exits other than 0 or 1
    (1: findings or drift, which the figure does not judge; the exit codes are kept).
    """
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.emulator.process import start, stop
    from stackcheck.emulator.record import record_path

    log_file = logs / "compliance-scale.log"
    out = f"compliance-scale-{environments}.out"
    ws.clean(out)
    synth = run(
        f"synth N={environments}",
        [ws.bin("stackcheck"), "synth", "-o", out, "-c", f"benchmarkEnvironments={environments}"],
        cwd=ws.root,
        env=env,
        log=log_file,
    )
    if synth.returncode != 0:
        raise RuntimeError(f"synthesis of N={environments} failed; see {log_file}")
    ledger_text = (ws.root / "policies" / "suppressions.yaml").read_text()
    (ws.root / "compliance-scale-ledger.yaml").write_text(scaled_ledger(ledger_text, environments))
    assembly = read_assembly(ws.root / out)
    # The sets benchmarkEnvironments adds are TapStack{suffix}{k}{Source,Target,Route53}, k = 2..N (infra/app.py).
    added = re.compile(r"TapStack\D*?\d+(Source|Target|Route53)")
    first = [a.artifact_id for a in assembly.dependency_order() if not added.fullmatch(a.artifact_id)]
    resources = {
        "1": sum(len(assembly.stack(s).resources) for s in first),
        str(environments): assembly.resource_count(),
    }
    root = ws.root / "compliance-scale"
    outputs = root / "cfn-outputs"
    record, _ = start(outputs)
    try:
        print(f"[bench compliance] deploying N={environments} ({resources[str(environments)]} resources)", flush=True)
        # Every set declares the same output keys: no flat outputs file, all-outputs.json has them by stack.
        deploy_assembly(assembly, record, outputs_dir=outputs, log_file=log_file)
        sides = {"1": first, str(environments): None}

        def measure(kind: str, n: str) -> Run:
            argv = _argv(ws, kind, out, sides[n], record_path(outputs), root / f"reports-{kind}-{n}")
            measured = run(f"{kind} N={n}", argv, cwd=ws.root, env=env, log=log_file)
            if measured.returncode not in (0, 1):
                raise RuntimeError(f"{measured.label} exited {measured.returncode}; see {log_file}")
            return measured

        for kind in KINDS:  # warm-up: page cache, bytecode, the emulator's first answers
            measure(kind, "1")
        records = []
        for index in range(rounds):
            record_: dict[str, Any] = {"order": alternate(list(sides), index)}
            for n in record_["order"]:
                for kind in KINDS:
                    record_[f"{kind}.{n}"] = measure(kind, n).to_dict()
            print(
                f"[bench compliance] round {index + 1}/{rounds}: "
                + ", ".join(f"{k} N={n} {record_[f'{k}.{n}']['seconds']:.2f}s" for n in sides for k in KINDS),
                flush=True,
            )
            records.append(record_)
        calls = {n: _api_calls(root / f"reports-compliance-{n}" / "compliance.json") for n in sides}
    finally:
        stop(outputs)
    high = str(environments)
    figures: dict[str, Any] = {}
    for kind in KINDS:
        per_resource = {
            n: [r[f"{kind}.{n}"]["seconds"] / resources[n] for r in records] for n in ("1", high)
        }  # seconds per resource, per round
        figures[kind] = {
            "per_resource_ratio": round(median_ratio(per_resource[high], per_resource["1"]), 4),
            "time_ratio": round(
                median_ratio(
                    [r[f"{kind}.{high}"]["seconds"] for r in records], [r[f"{kind}.1"]["seconds"] for r in records]
                ),
                4,
            ),
            "median_seconds": {
                n: round(statistics.median(r[f"{kind}.{n}"]["seconds"] for r in records), 3) for n in ("1", high)
            },
            "median_ms_per_resource": {n: round(1000 * statistics.median(v), 3) for n, v in per_resource.items()},
            "exit_codes": {n: sorted({r[f"{kind}.{n}"]["returncode"] for r in records}) for n in ("1", high)},
        }
    return {
        "environments": [1, environments],
        "measures": "stackcheck compliance and stackcheck drift --method live-template, whole commands, on the "
        f"first environment's stacks (N=1) and on all {environments} sets (one emulator holding all of them)",
        "resources": resources,
        "resource_ratio": round(resources[high] / resources["1"], 4),
        "stacks": {"1": first, high: len(assembly.stacks)},
        "api_calls": calls,
        "compliance_per_resource_10x": figures["compliance"]["per_resource_ratio"],
        "drift_per_resource_10x": figures["drift"]["per_resource_ratio"],
        "figures": figures,
        "synth": synth.to_dict(),
        "rounds": records,
    }


def _api_calls(path: Path) -> int | None:
    """``api_calls`` of a compliance.json (None when the run wrote none)."""
    try:
        return json.loads(path.read_text()).get("api_calls")
    except (OSError, ValueError):
        return None
