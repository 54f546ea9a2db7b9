"""compliance.md and compliance.json say when and from which commit; compliance.sarif does not change with either."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stackcheck.aws.target import AwsTarget
from stackcheck.compliance.evaluate import LIVE_TOOL, ComplianceResult, LiveForm
from stackcheck.compliance.report import (
    build_compliance_report,
    render_compliance_markdown,
    write_compliance_reports,
    write_error_reports,
)
from stackcheck.findings import Finding, Severity, Status
from stackcheck.report.provenance import Commit
from stackcheck.scan.custom import RuleInfo
from stackcheck.scan.runner import ScanResult, UnitResult

NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC)
COMMIT = Commit("1a2b3c4", True)
STAMP = "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty)."
TARGET = AwsTarget("http://127.0.0.1:4566", "us-east-1", True, "cfn-outputs/target.json")
RULE = RuleInfo(
    id="E9005",
    name="ServiceIngressFromAlbOnly",
    tool="cfn-lint",
    outcome="Ensure the service admits traffic from its load balancer only",
    description="why",
    source_url="https://docs.aws.amazon.com/",
    severity=Severity.ERROR,
    file=Path("E9005.py"),
    evaluate=None,
)
FAILED = Finding(
    rule_id="E9005",
    severity=Severity.ERROR,
    tool=LIVE_TOOL,
    stack="Fixture",
    logical_id="ServiceSecurityGroup",
    construct_path="/Fixture/ServiceSecurityGroup",
    template_file="cdk.out/Fixture.template.json",
    line=None,
    message="Security group `ServiceSecurityGroup`: port 8080 is open to 0.0.0.0/0",
    status=Status.FAILED,
)


def compliance_result() -> ComplianceResult:
    tools = {LIVE_TOOL: {"version": "0.1.0", "reports_passes": True}}
    units = (UnitResult(LIVE_TOOL, "Fixture", "cdk.out/Fixture.template.json", (FAILED,), 0.5),)
    return ComplianceResult(
        ScanResult((FAILED,), units, (), tools), TARGET, (LiveForm(RULE, ("AWS::EC2::SecurityGroup",)),), ("E9101",), 7
    )


def test_markdown_is_exact_with_the_stamp_under_the_heading():
    assert (
        render_compliance_markdown(compliance_result(), now=NOW, commit=COMMIT)
        == f"""\
## stackcheck compliance: FAILED

{STAMP}

Live state of the deployed stacks at emulator http://127.0.0.1:4566 (us-east-1; cfn-outputs/target.json), 7 API calls; \
live forms: `E9005`.
Template only (no live form): `E9101`.

**1 new** · 0 fixed · 0 suppressed · 0 unknown — no baseline: every failure counts as new

| stack | tool | passed | failed | suppressed | unknown |
| --- | --- | ---: | ---: | ---: | ---: |
| Fixture | stackcheck-live | 0 | 1 | 0 | 0 |

### Failures (1)

| rule | tool | stack | construct path | file:line | message |
| --- | --- | --- | --- | --- | --- |
| `E9005` | stackcheck-live | Fixture | `/Fixture/ServiceSecurityGroup` | `cdk.out/Fixture.template.json` | \
Security group `ServiceSecurityGroup`: port 8080 is open to 0.0.0.0/0 |
"""
    )


def test_json_has_the_scan_reports_time_and_commit():
    data = build_compliance_report(compliance_result(), now=NOW, commit=COMMIT)
    assert list(data)[:4] == ["schema", "exit_code", "generated", "commit"]
    assert (data["schema"], data["generated"], data["commit"]) == (
        "stackcheck.compliance/1",
        "2026-03-04T05:06:07Z",
        {"sha": "1a2b3c4", "dirty": True, "reason": None},
    )


def test_written_reports_agree_and_the_sarif_does_not_change_with_time_or_commit(tmp_path, monkeypatch):
    runs = []
    for moment, commit in ((NOW, COMMIT), (LATER, Commit("5d6e7f8", False))):
        ticks = iter([moment, datetime(2030, 1, 1, tzinfo=UTC)])  # a second reading would differ
        monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda ticks=ticks: next(ticks))
        monkeypatch.setattr("stackcheck.report.provenance.read_commit", lambda commit=commit: commit)
        paths = write_compliance_reports(compliance_result(), tmp_path / f"run{len(runs)}")
        runs.append({kind: path.read_text() for kind, path in paths.items()})
    first, second = runs
    assert [(json.loads(r["json"])["generated"], json.loads(r["json"])["commit"]["sha"]) for r in runs] == [
        ("2026-03-04T05:06:07Z", "1a2b3c4"),
        ("2026-03-05T00:00:01Z", "5d6e7f8"),
    ]
    assert [r["markdown"].splitlines()[2] for r in runs] == [
        STAMP,
        "Generated 2026-03-05T00:00:01Z from commit 5d6e7f8.",
    ]
    assert first["sarif"] == second["sarif"]


@pytest.mark.parametrize(
    "target, where",
    [(TARGET, "emulator http://127.0.0.1:4566 (us-east-1; cfn-outputs/target.json)"), (None, "not resolved")],
)
def test_error_reports_say_when_and_from_which_commit(tmp_path, target, where):
    paths = write_error_reports(
        tmp_path,
        "cloud assembly directory cdk.out does not exist",
        2,
        target,
        now=NOW,
        commit=Commit(None, None, "git is not installed"),
    )
    assert paths["markdown"].read_text() == (
        "## stackcheck compliance: NOT CHECKED (exit 2)\n\n"
        "Generated 2026-03-04T05:06:07Z from commit unknown (git is not installed).\n\n"
        f"Live target: {where}.\n\ncloud assembly directory cdk.out does not exist\n"
    )
    assert json.loads(paths["json"].read_text()) == {
        "schema": "stackcheck.compliance/1",
        "exit_code": 2,
        "generated": "2026-03-04T05:06:07Z",
        "commit": {"sha": None, "dirty": None, "reason": "git is not installed"},
        "error": "cloud assembly directory cdk.out does not exist",
        "target": target.to_dict() if target else None,
    }


def test_compliance_and_error_reports_are_published_as_one_set(tmp_path, monkeypatch):
    import stackcheck.compliance.report

    calls = []
    real = stackcheck.compliance.report.publish_reports
    monkeypatch.setattr(
        stackcheck.compliance.report,
        "publish_reports",
        lambda d, files: calls.append((d, sorted(files))) or real(d, files),
    )
    names = ["compliance.json", "compliance.md", "compliance.sarif"]
    written = write_compliance_reports(compliance_result(), tmp_path / "ok", now=NOW, commit=COMMIT)
    failed = write_error_reports(tmp_path / "error", "no endpoint", 3, None, now=NOW, commit=COMMIT)
    assert calls == [(tmp_path / "ok", names), (tmp_path / "error", names)]
    for folder, paths in ((tmp_path / "ok", written), (tmp_path / "error", failed)):
        assert paths == {
            "json": folder / "compliance.json",
            "sarif": folder / "compliance.sarif",
            "markdown": folder / "compliance.md",
        }
        assert sorted(p.name for p in folder.iterdir()) == names


def test_defaults_are_the_clock_and_the_working_directory_checkout(outside_git, monkeypatch):
    monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda: NOW)
    assert render_compliance_markdown(compliance_result()).splitlines()[:3] == [
        "## stackcheck compliance: FAILED",
        "",
        "Generated 2026-03-04T05:06:07Z from commit unknown (not a git checkout).",
    ]
