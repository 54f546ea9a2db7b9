"""JSON scan report: shape, time and commit, totals, findings that round-trip, atomic write."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.report.json_report import REPORT_FILE, SCHEMA, build_report, write_report
from stackcheck.report.provenance import Commit
from stackcheck.scan.runner import ScanResult, UnitResult
from stackcheck.suppressions import LedgerWarning

TOOLS = {
    "cfn-lint": {"version": "1.58.0", "reports_passes": False},
    "checkov": {"version": "3.3.30", "reports_passes": True},
}
FINDINGS = (
    Finding(
        rule_id="W3045",
        severity=Severity.WARNING,
        tool="cfn-lint",
        stack="Stack",
        logical_id="Bucket",
        resource_type="AWS::S3::Bucket",
        template_file="Stack.template.json",
        line=7,
        property_path=("Properties", "AccessControl"),
        message="legacy",
        status=Status.FAILED,
    ),
    Finding(
        rule_id="CKV_AWS_19",
        severity=Severity.ERROR,
        tool="checkov",
        stack="Stack",
        logical_id="Bucket",
        template_file="Stack.template.json",
        line=4,
        message="encrypted",
        status=Status.PASSED,
    ),
)
UNITS = (
    UnitResult("cfn-lint", "Stack", "Stack.template.json", FINDINGS[:1], 0.25),
    UnitResult("checkov", "Stack", "Stack.template.json", FINDINGS[1:], 0.5),
)
WARNING = LedgerWarning(
    "stale", 1, 2, "E3045", "X", "ledger.yaml:2: entry 1 (rule E3045 on X) matches no failed finding"
)
RESULT = ScanResult(FINDINGS, UNITS, (WARNING,), TOOLS, {"scan": 0.75})
NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=UTC)
COMMIT = Commit("1a2b3c4", True)


def test_build_report_shape():
    data = build_report(RESULT, ledger_path="ledger.yaml", now=NOW, commit=COMMIT)
    assert {k: v for k, v in data.items() if k != "findings"} == {
        "schema": SCHEMA,
        "exit_code": 1,
        "generated": "2026-03-04T05:06:07Z",
        "commit": {"sha": "1a2b3c4", "dirty": True, "reason": None},
        "tools": TOOLS,
        "templates": [
            {
                "stack": "Stack",
                "tool": "cfn-lint",
                "template_file": "Stack.template.json",
                "seconds": 0.25,
                "crashed": False,
            },
            {
                "stack": "Stack",
                "tool": "checkov",
                "template_file": "Stack.template.json",
                "seconds": 0.5,
                "crashed": False,
            },
        ],
        "summary": {
            "rows": [
                {"stack": "Stack", "tool": "cfn-lint", "passed": None, "failed": 1, "suppressed": 0, "unknown": 0},
                {"stack": "Stack", "tool": "checkov", "passed": 1, "failed": 0, "suppressed": 0, "unknown": 0},
            ],
            "totals": {"passed": 1, "failed": 1, "suppressed": 0, "unknown": 0},
        },
        "ledger": {"path": "ledger.yaml", "warnings": [WARNING.to_dict()]},
        "timings": {"scan": 0.75},
    }
    assert [Finding.from_dict(f) for f in data["findings"]] == list(FINDINGS)


def test_write_report_writes_scan_json_and_leaves_no_temporary_file(tmp_path):
    path = write_report(RESULT, tmp_path / "reports", ledger_path="ledger.yaml", now=NOW, commit=COMMIT)
    assert path == tmp_path / "reports" / REPORT_FILE
    assert json.loads(path.read_text()) == json.loads(
        json.dumps(build_report(RESULT, ledger_path="ledger.yaml", now=NOW, commit=COMMIT))
    )
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [REPORT_FILE]


@pytest.mark.parametrize(
    "commit, data",
    [
        (Commit("1a2b3c4", False), {"sha": "1a2b3c4", "dirty": False, "reason": None}),
        (Commit("1a2b3c4", None), {"sha": "1a2b3c4", "dirty": None, "reason": None}),
        (Commit(None, None, "git is not installed"), {"sha": None, "dirty": None, "reason": "git is not installed"}),
    ],
)
def test_commit_is_data_whatever_git_could_tell(commit, data):
    report = build_report(RESULT, now=NOW, commit=commit)
    assert (report["generated"], report["commit"]) == ("2026-03-04T05:06:07Z", data)
