"""`stackcheck fleet run --emulator`: 3 accounts x 2 regions on one emulator, checked in parallel processes, merged."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from stackcheck.aws.clients import ClientFactory, use_emulator_account
from stackcheck.cli import main
from stackcheck.errors import BadInputError
from stackcheck.fleet import FleetTarget
from stackcheck.fleet.run import compliance_command

REPO = Path(__file__).resolve().parents[4]
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
CHANGED = ("222222222222", "eu-west-1")
# An unnamed bucket (S3 names are global, so six deployments cannot share one), encrypted, with a TLS-only policy.
TEMPLATE = json.loads((REPO / "tests" / "data" / "emulator" / "fleet_bucket.json").read_text())


def name_of(account: str, region: str) -> str:
    return f"a{account[0]}-{region}"


def write_fleet(path: Path, assembly: Path, pairs) -> Path:
    lines = []
    for account, region in pairs:
        lines += [
            f"- name: {name_of(account, region)}",
            f"  account: '{account}'",
            f"  region: {region}",
            f"  role_arn: arn:aws:iam::{account}:role/stackcheck-nightly",
            f"  assembly: {assembly}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def fleet_emulator(tmp_path_factory):
    """One emulator; the small assembly deployed into 3 accounts x 2 regions; one bucket's encryption removed out of band."""
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.emulator.process import emulator_session, start, stop
    from stackcheck.emulator.record import record_path
    from tests.unit.stackcheck.test_compliance import write_assembly

    root = tmp_path_factory.mktemp("fleet")
    outputs = root / "cfn-outputs"
    record, _ = start(outputs)
    try:
        assembly = write_assembly(root / "cdk.out", {"Fixture": TEMPLATE})
        for account in ACCOUNTS:
            for region in REGIONS:
                deploy_assembly(
                    assembly,
                    dataclasses.replace(record, region=region),
                    outputs_dir=root / "deployed" / name_of(account, region),
                    account=account,
                )
        session = emulator_session(record, account=CHANGED[0], region=CHANGED[1])
        cfn = session.client("cloudformation", endpoint_url=record.endpoint_url)
        bucket = cfn.describe_stack_resource(StackName="Fixture", LogicalResourceId="Bucket")["StackResourceDetail"]
        session.client("s3", endpoint_url=record.endpoint_url).delete_bucket_encryption(
            Bucket=bucket["PhysicalResourceId"]
        )
        (root / "ledger.yaml").write_text("[]\n")
        yield root, record_path(outputs)
    finally:
        stop(outputs)


def run_fleet_cli(root: Path, record: Path, fleet: Path, reports: Path, capsys) -> tuple[int, str]:
    code = main(
        [
            "fleet",
            "run",
            "--emulator",
            "--fleet",
            str(fleet),
            "--emulator-record",
            str(record),
            "--reports",
            str(reports),
            "--policies",
            str(REPO / "policies"),
            "--ledger",
            str(root / "ledger.yaml"),
            "--jobs",
            "2",
        ]
    )
    out, _ = capsys.readouterr()
    return code, out


@pytest.mark.emulator
@pytest.mark.slow
def test_fleet_run_reports_an_out_of_band_change_under_its_account_and_region_only(fleet_emulator, capsys):
    root, record = fleet_emulator
    pairs = [(a, r) for a in ACCOUNTS for r in REGIONS]
    fleet = write_fleet(root / "fleet.yaml", root / "cdk.out", pairs)
    code, out = run_fleet_cli(root, record, fleet, root / "reports", capsys)
    assert code == 1, out
    merged = json.loads((root / "reports" / "merged" / "merged.json").read_text())
    changed = name_of(*CHANGED)
    assert [
        (p["target"], p["account"], p["region"], p["report"], p["status"], p["exit_code"]) for p in merged["parts"]
    ] == [(name_of(a, r), a, r, "compliance", "RAN", 1 if (a, r) == CHANGED else 0) for a, r in pairs]
    failed = {
        (f["target"], f["account"], f["region"], f["rule_id"], f["logical_id"])
        for f in merged["findings"]
        if f["status"] == "FAILED"
    }
    # DeleteBucketEncryption leaves SSE-S3, as on AWS: encrypted still, not with the customer key
    assert failed == {(changed, *CHANGED, "CKV_TAP_8", "Bucket")}
    # every target was judged on the same rules; only the changed one differs, on that one rule
    per_target = {
        name_of(a, r): {
            (f["rule_id"], f["logical_id"], f["status"]) for f in merged["findings"] if f["target"] == name_of(a, r)
        }
        for a, r in pairs
    }
    clean = per_target[name_of(*pairs[0])]
    # the pack's and the library's live forms, and checkov's checks that run live (their set follows checkov)
    assert clean >= {
        ("CKV_AWS_21", "Bucket", "PASSED"),
        ("CKV_AWS_7", "Key", "PASSED"),
        ("CKV_TAP_3", "Bucket", "PASSED"),
        ("CKV_TAP_4", "Bucket", "PASSED"),
        ("CKV_TAP_8", "Bucket", "PASSED"),
        ("E9003", "Bucket", "PASSED"),
        ("E9008", "Bucket", "PASSED"),
        ("CKV_AWS_19", "Bucket", "PASSED"),
        ("CKV_AWS_33", "Key", "PASSED"),
    }
    assert {status for _, _, status in clean} == {"PASSED"}
    assert per_target == {
        name: clean
        if name != changed
        else clean - {("CKV_TAP_8", "Bucket", "PASSED")} | {("CKV_TAP_8", "Bucket", "FAILED")}
        for name in per_target
    }

    sarif = json.loads((root / "reports" / "merged" / "merged.sarif").read_text())
    jsonschema.validate(sarif, SCHEMA)
    results = [r for run in sarif["runs"] for r in run.get("results") or []]
    assert results
    targets = {name_of(a, r): (a, r) for a, r in pairs}
    for result in results:
        props = result["properties"]
        assert (props["account"], props["region"]) == targets[props["target"]]
    assert {(r["properties"]["target"], r["ruleId"]) for r in results if r.get("kind") == "fail"} == {
        (changed, "CKV_TAP_8"),
    }
    assert sorted(run["automationDetails"]["id"] for run in sarif["runs"]) == sorted(
        f"compliance/{name}/" for name in targets
    )
    print(f"fleet wall time, 6 targets, 2 jobs: {out.splitlines()[-1]}", file=sys.stderr)


@pytest.mark.emulator
@pytest.mark.slow
def test_fleet_of_one_target_checks_only_that_account_and_region(fleet_emulator, capsys):
    root, record = fleet_emulator
    fleet = write_fleet(root / "one.yaml", root / "cdk.out", [CHANGED])
    code, out = run_fleet_cli(root, record, fleet, root / "one", capsys)
    assert code == 1
    merged = json.loads((root / "one" / "merged" / "merged.json").read_text())
    assert {(f["account"], f["region"], f["rule_id"]) for f in merged["findings"] if f["status"] == "FAILED"} == {
        (*CHANGED, "CKV_TAP_8"),
    }
    print(f"fleet wall time, 1 target: {out.splitlines()[-1]}", file=sys.stderr)


def test_compliance_command_names_the_targets_assembly_account_and_region(tmp_path):
    target = FleetTarget("prod-eu", "111111111111", "eu-west-1", "arn:aws:iam::111111111111:role/r", assembly="apps/a")
    argv = compliance_command(target, tmp_path / "prod-eu", emulator_record="cfn-outputs/emulator.json")
    assert argv == [
        sys.executable,
        "-m",
        "stackcheck",
        "compliance",
        "--assembly",
        "apps/a",
        "--report-dir",
        str(tmp_path / "prod-eu"),
        "--policies",
        "policies",
        "--ledger",
        "policies/suppressions.yaml",
        "--emulator-record",
        "cfn-outputs/emulator.json",
        "--emulator-account",
        "111111111111",
        "--aws-region",
        "eu-west-1",
    ]


def test_fleet_run_without_emulator_exits_2_saying_how_aws_runs(tmp_path, capsys):
    fleet = write_fleet(tmp_path / "fleet.yaml", tmp_path / "cdk.out", [CHANGED])
    assert main(["fleet", "run", "--fleet", str(fleet)]) == 2
    assert "pass --emulator; on AWS each target is one job of the nightly matrix" in capsys.readouterr().err


def test_fleet_run_with_no_emulator_running_exits_3(tmp_path, capsys):
    fleet = write_fleet(tmp_path / "fleet.yaml", tmp_path / "cdk.out", [CHANGED])
    record = tmp_path / "emulator.json"
    assert main(["fleet", "run", "--emulator", "--fleet", str(fleet), "--emulator-record", str(record)]) == 3
    assert f"the emulator of {record} is absent" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_emulator_account_must_be_twelve_digits_and_for_the_emulator_only():
    import botocore.hooks

    with pytest.raises(BadInputError, match="emulator account '1234' must be a 12-digit account id"):
        use_emulator_account(botocore.hooks.HierarchicalEmitter(), "1234")
    with pytest.raises(BadInputError, match="account 111111111111 can only be chosen on the emulator"):
        ClientFactory(region="us-east-1", account="111111111111")


def test_compliance_emulator_account_without_an_emulator_exits_2(tmp_path, capsys):
    from tests.unit.stackcheck.test_compliance import write_assembly

    write_assembly(tmp_path / "cdk.out", {"Fixture": TEMPLATE})
    (tmp_path / "ledger.yaml").write_text("[]\n")
    code = main(
        [
            "compliance",
            "--assembly",
            str(tmp_path / "cdk.out"),
            "--ledger",
            str(tmp_path / "ledger.yaml"),
            "--policies",
            str(REPO / "policies"),
            "--report-dir",
            str(tmp_path / "r"),
            "--emulator-record",
            str(tmp_path / "absent.json"),
            "--emulator-account",
            "111111111111",
        ]
    )
    assert code == 2
    assert (
        f"--emulator-account 111111111111 needs the emulator (no emulator record at {tmp_path / 'absent.json'}"
        in capsys.readouterr().err
    )
