"""`run_fleet`'s forked workers: a target that cannot run, or runs past its timeout, is NOT CHECKED with exit 2 or 3."""

from __future__ import annotations

import json
import os
from pathlib import Path

from stackcheck.fleet import FleetTarget
from stackcheck.fleet.run import run_fleet

REPO = Path(__file__).resolve().parents[4]
ACCOUNT = "111111111111"


def target(name: str, assembly: Path) -> FleetTarget:
    return FleetTarget(name, ACCOUNT, "eu-west-1", f"arn:aws:iam::{ACCOUNT}:role/r", assembly=str(assembly))


def run(tmp_path: Path, targets: list[FleetTarget], **kwargs):
    (tmp_path / "ledger.yaml").write_text("[]\n")
    return run_fleet(
        targets,
        emulator_record=tmp_path / "absent.json",
        reports=tmp_path / "reports",
        policies=REPO / "policies",
        ledger=tmp_path / "ledger.yaml",
        jobs=2,
        **kwargs,
    )


def test_fleet_target_without_its_emulator_exits_2_with_not_checked_reports(tmp_path):
    from tests.unit.stackcheck.fleet.test_fleet_run import TEMPLATE
    from tests.unit.stackcheck.test_compliance import write_assembly

    write_assembly(tmp_path / "cdk.out", {"Fixture": TEMPLATE})
    fleet = run(tmp_path, [target("t1", tmp_path / "cdk.out"), target("t2", tmp_path / "cdk.out")])
    assert [(r.target.name, r.exit_code) for r in fleet.runs] == [("t1", 2), ("t2", 2)]
    message = (
        f"--emulator-account {ACCOUNT} needs the emulator (no emulator record at {tmp_path / 'absent.json'}, or "
        "--no-emulator or another --aws-endpoint-url given); on AWS the credentials decide the account"
    )
    for name in ("t1", "t2"):
        report = json.loads((tmp_path / "reports" / name / "compliance.json").read_text())
        assert (report["exit_code"], report["error"]) == (2, message)
        assert (
            f"stackcheck compliance: error: {message}" in (tmp_path / "reports" / name / "compliance.log").read_text()
        )
    assert [(p["target"], p["status"], p["exit_code"]) for p in fleet.merged.parts] == [
        ("t1", "RAN", 2),
        ("t2", "RAN", 2),
    ]
    assert fleet.merged.exit_code == 2


def test_fleet_target_past_its_timeout_is_stopped_and_exits_3(tmp_path):
    # A FIFO for a manifest: reading it blocks until a writer comes, which none does.
    (tmp_path / "stuck").mkdir()
    os.mkfifo(tmp_path / "stuck" / "manifest.json")
    fleet = run(tmp_path, [target("stuck", tmp_path / "stuck")], timeout=1.0)
    message = "stackcheck fleet run: stuck did not finish within 1 s; it was stopped"
    assert [(r.target.name, r.exit_code) for r in fleet.runs] == [("stuck", 3)]
    assert 1.0 <= fleet.runs[0].seconds < 30.0
    report = json.loads((tmp_path / "reports" / "stuck" / "compliance.json").read_text())
    assert (report["exit_code"], report["error"]) == (3, message)
    assert message in (tmp_path / "reports" / "stuck" / "compliance.log").read_text()
    assert fleet.merged.exit_code == 3
