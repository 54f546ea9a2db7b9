"""PCI DSS v4.0 mapping: loading the file, per-requirement status, the scan.md section (exact tables)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stackcheck.findings import Finding, Severity, Status, Suppression
from stackcheck.report import render_markdown
from stackcheck.report.pci import Requirement, load_mapping, pci_section
from stackcheck.report.provenance import Commit
from stackcheck.scan.runner import ScanResult, UnitResult

REPO = Path(__file__).resolve().parents[4]
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
REQUIREMENTS = (
    Requirement("3.5.1", "Encryption at rest", ("CKV_TAP_3",)),
    Requirement("7.2.1", "Least privilege", ("CKV_TAP_5", "CKV_TAP_9")),
    Requirement("8.6.3", "Rotation", ("AwsSolutions-SMG4",)),
    Requirement("12.10.1", "Incident response", ()),
)


def finding(rule_id: str, status: Status) -> Finding:
    return Finding(
        tool="checkov",
        rule_id=rule_id,
        status=status,
        severity=Severity.ERROR,
        message=f"{rule_id} said {status.value}",
        stack="Stack",
        logical_id="Thing",
        construct_path="/Stack/Thing/Resource",
        template_file="cdk.out/Stack.template.json",
        line=4,
        suppression=Suppression(reason="a ledger entry stands in", owner="platform-team", expires=None)
        if status is Status.SUPPRESSED
        else None,
    )


FINDINGS = [
    finding("CKV_TAP_3", Status.PASSED),
    finding("CKV_TAP_5", Status.PASSED),
    finding("CKV_TAP_9", Status.FAILED),
    finding("AwsSolutions-SMG4", Status.SUPPRESSED),
]
TABLE = [
    "### PCI DSS v4.0",
    "",
    "| requirement | title | status | rules |",
    "| --- | --- | --- | --- |",
    "| 3.5.1 | Encryption at rest | PASS | `CKV_TAP_3` |",
    "| 7.2.1 | Least privilege | FAIL | `CKV_TAP_5`, `CKV_TAP_9` |",
    "| 8.6.3 | Rotation | PASS | `AwsSolutions-SMG4` |",
    "| 12.10.1 | Incident response | NOT COVERED | - |",
    "",
]


def test_section_gives_pass_fail_not_covered_per_requirement():
    assert pci_section(REQUIREMENTS, FINDINGS) == TABLE


def test_requirement_whose_rules_gave_no_finding_is_not_covered():
    assert pci_section(REQUIREMENTS[:1], []) == [
        *TABLE[:4],
        "| 3.5.1 | Encryption at rest | NOT COVERED | `CKV_TAP_3` |",
        "",
    ]


def test_scan_markdown_carries_the_section_only_with_a_mapping():
    units = (UnitResult("checkov", "Stack", "cdk.out/Stack.template.json", (), 0.1),)
    result = ScanResult(tuple(FINDINGS), units, (), {"checkov": {"version": "3.2.0", "reports_passes": True}})
    commit = Commit("1a2b3c4", False)
    with_pci = render_markdown(result, now=NOW, commit=commit, pci=REQUIREMENTS)
    without = render_markdown(result, now=NOW, commit=commit)
    assert "\n".join(TABLE) in with_pci
    assert "PCI DSS" not in without


def test_missing_file_is_none_and_bad_file_names_the_key(tmp_path):
    assert load_mapping(tmp_path / "absent.yaml") is None
    bad = tmp_path / "pci.yaml"
    bad.write_text('requirements:\n  "3.5.1": {title: x}\n')
    with pytest.raises(ValueError, match=r"pci.yaml: requirements.3.5.1 needs `title` \(text\) and `rules`"):
        load_mapping(bad)


def test_repository_mapping_loads_and_names_known_requirements():
    requirements = load_mapping(REPO / "policies" / "pci-dss-v4.yaml")
    assert [r.number for r in requirements] == [
        "1.3.1", "1.4.4", "3.5.1", "3.6.1", "4.2.1", "7.2.1", "7.2.2", "8.3.2", "8.6.3", "10.2.1", "10.5.1", "12.10.1",
    ]  # fmt: skip
    assert {r.number: r.rules for r in requirements}["10.2.1"] == ("CKV_TAP_10", "CKV_AWS_91", "AwsSolutions-ELB2")
