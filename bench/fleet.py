"""Bench section `fleet`: `stackcheck fleet run --emulator --jobs 2`, one target vs six (3 accounts x 2 regions).

One emulator holds a one-stack cloud assembly (an encrypted, versioned, TLS-only bucket) deployed
into every target's account and region. Both sides are the whole command as a user runs it
(interpreter start-up, the policy pack, every target's check, the merge); the two fleet files
alternate within each pair, and the figure is the median of the per-pair ratios.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.measure import Run, alternate, median_ratio, run

__all__ = ["ACCOUNTS", "REGIONS", "bench_fleet"]

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
JOBS = 2
# An unnamed bucket (S3 names are global, so six deployments cannot share one), encrypted, with a TLS-only
# policy: the same template as the fleet run test (tests/data/emulator/fleet_bucket.json).
TEMPLATE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "tests" / "data" / "emulator" / "fleet_bucket.json").read_text()
)


def _write_assembly(root: Path) -> Path:
    """A cloud assembly of one stack ``Fleet`` (TEMPLATE), construct paths ``/Fleet/<logical id>``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Fleet.template.json").write_text(json.dumps(TEMPLATE, indent=1))
    artifact = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": "Fleet.template.json"},
        "metadata": {f"/Fleet/{lid}": [{"type": "aws:cdk:logicalId", "data": lid}] for lid in TEMPLATE["Resources"]},
    }
    (root / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Fleet": artifact}}))
    return root


def _name(account: str, region: str) -> str:
    return f"a{account[0]}-{region}"


def _write_fleet(path: Path, assembly: Path, pairs: list[tuple[str, str]]) -> Path:
    lines = []
    for account, region in pairs:
        lines += [
            f"- name: {_name(account, region)}",
            f"  account: '{account}'",
            f"  region: {region}",
            f"  role_arn: arn:aws:iam::{account}:role/stackcheck-nightly",
            f"  assembly: {assembly}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def bench_fleet(repo: Path, root: Path, policies: Path, rounds: int, logs: Path) -> dict[str, Any]:
    """Deploy to a private emulator in ``root``, then ``rounds`` alternating pairs of a 1-target and a 6-target fleet run.

    ``repo`` goes first on PYTHONPATH, so the measured ``stackcheck`` is this tree's. Raises
    RuntimeError (naming the log) when a run exits other than 0 (nothing is out of band here).
    """
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.emulator.process import start, stop
    from stackcheck.emulator.record import record_path

    outputs = root / "cfn-outputs"
    log_file = logs / "fleet.log"
    record, _ = start(outputs)
    try:
        assembly = read_assembly(_write_assembly(root / "cdk.out"))
        pairs = [(a, r) for a in ACCOUNTS for r in REGIONS]
        for account, region in pairs:
            deploy_assembly(
                assembly,
                dataclasses.replace(record, region=region),
                outputs_dir=root / "deployed" / _name(account, region),
                account=account,
                log_file=log_file,
            )
        (root / "ledger.yaml").write_text("[]\n")
        fleets = {
            "one": _write_fleet(root / "one.yaml", root / "cdk.out", pairs[:1]),
            "six": _write_fleet(root / "six.yaml", root / "cdk.out", pairs),
        }
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}

        def fleet_run(side: str) -> Run:
            argv = [
                sys.executable,
                "-m",
                "stackcheck",
                "fleet",
                "run",
                "--emulator",
                "--fleet",
                str(fleets[side]),
                "--emulator-record",
                str(record_path(outputs)),
                "--reports",
                str(root / f"reports-{side}"),
                "--policies",
                str(policies),
                "--ledger",
                str(root / "ledger.yaml"),
                "--jobs",
                str(JOBS),
            ]
            measured = run(f"fleet run ({side})", argv, cwd=root, env=env, log=log_file)
            if measured.returncode != 0:
                raise RuntimeError(f"{measured.label} exited {measured.returncode}; see {log_file}")
            return measured

        fleet_run("one")
        fleet_run("six")  # warm-up: the OS page cache, the emulator's first calls
        records = []
        for index in range(rounds):
            record_: dict[str, Any] = {"order": alternate(["one", "six"], index)}
            for side in record_["order"]:
                record_[side] = fleet_run(side).to_dict()
            record_["ratio"] = round(record_["six"]["seconds"] / record_["one"]["seconds"], 4)
            print(
                f"[bench fleet] round {index + 1}/{rounds}: 1 target {record_['one']['seconds']:.2f}s, "
                f"6 targets {record_['six']['seconds']:.2f}s",
                flush=True,
            )
            records.append(record_)
    finally:
        stop(outputs)
    return {
        "command": f"python -m stackcheck fleet run --emulator --fleet FILE --jobs {JOBS} (one emulator; a one-stack "
        "assembly of an encrypted, versioned, TLS-only bucket deployed per target)",
        "targets": {"one": [_name(*pairs[0])], "six": [_name(a, r) for a, r in pairs]},
        "jobs": JOBS,
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "fleet_6_vs_1": round(
            median_ratio([r["six"]["seconds"] for r in records], [r["one"]["seconds"] for r in records]), 4
        ),
        "median_seconds": {
            side: round(statistics.median(r[side]["seconds"] for r in records), 3) for side in ("one", "six")
        },
        "rounds": records,
    }
