"""Ledger scope: entries naming stacks outside the scanned set are neither applied nor reported stale."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.suppressions import LedgerEntry, apply_ledger, load_ledger, scan_scope

TODAY = date(2026, 6, 1)
KNOWN = {"CKV_AWS_18", "CKV_AWS_21"}

LEDGER = """\
- rule: CKV_AWS_18
  target: TapStackdevSource/Storage/LogsBucket/Resource
  reason: the access-log bucket cannot log to itself
  owner: platform-team
  expires: 2026-12-31
- rule: CKV_AWS_18
  target: TapStackdevTarget/Storage/LogsBucket/Resource
  reason: the access-log bucket cannot log to itself
  owner: platform-team
  expires: 2026-12-31
- rule: CKV_AWS_21
  target: TapStackdevTarget/Storage/DataBucket/Resource
  reason: versioning is off while the data is disposable
  owner: platform-team
  expires: 2026-01-01
- rule: CKV_AWS_21
  target: OrphanBucket
  reason: a bare logical ID may match in any stack
  owner: platform-team
  expires: 2026-12-31
"""


def finding(stack: str = "TapStackdevSource") -> Finding:
    return Finding(
        rule_id="CKV_AWS_18",
        severity=Severity.ERROR,
        tool="checkov",
        stack=stack,
        logical_id="StorageLogsBucketA1B2C3D4",
        construct_path=f"/{stack}/Storage/LogsBucket/Resource",
        template_file=f"cdk.out/{stack}.template.json",
        message="Ensure the S3 bucket has access logging enabled",
        status=Status.FAILED,
    )


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "suppressions.yaml"
    path.write_text(textwrap.dedent(LEDGER))
    return load_ledger(path, KNOWN)


@pytest.mark.parametrize(
    ("target", "stack"),
    [
        ("TapStackdevSource/Storage/LogsBucket/Resource", "TapStackdevSource"),
        ("/TapStackdevSource/Storage/*", "TapStackdevSource"),
        ("TapStackdevSource/StorageLogsBucketA1B2C3D4", "TapStackdevSource"),
        ("StorageLogsBucketA1B2C3D4", None),
    ],
)
def test_entry_names_the_stack_of_its_target(target, stack):
    entry = LedgerEntry(1, 1, "CKV_AWS_18", target, "a reason of some length", "team", date(2026, 12, 31))
    assert entry.stack == stack
    assert entry.in_scope({"OtherStack"}) is (stack is None)
    assert entry.in_scope({"TapStackdevSource"}) is True


def test_scan_scope_is_stack_ids_and_construct_path_roots():
    assert scan_scope(["t", "b/t"], ["/TapStackdevSource/Storage/Resource", "Stage/Stack/Topic/Resource", ""]) == {
        "t",
        "b/t",
        "TapStackdevSource",
        "Stage",
    }


def test_entries_for_stacks_not_scanned_are_neither_applied_nor_reported(ledger):
    findings, warnings = apply_ledger([finding()], ledger, TODAY, scope=scan_scope(["TapStackdevSource"]))
    assert [(f.status, f.suppression.source) for f in findings] == [(Status.SUPPRESSED, f"{ledger.path} entry 1")]
    assert [(w.kind, w.entry, w.target) for w in warnings] == [("stale", 4, "OrphanBucket")]


def test_a_scan_of_another_template_reports_no_app_entry_stale(ledger):
    other = finding("bucket")
    findings, warnings = apply_ledger([other], ledger, TODAY, scope=scan_scope(["bucket"], [other.construct_path]))
    assert findings == [other]
    assert [(w.kind, w.entry) for w in warnings] == [("stale", 4)]


def test_without_a_scope_every_entry_is_applied_and_reported(ledger):
    findings, warnings = apply_ledger([finding()], ledger, TODAY)
    assert findings[0].status is Status.SUPPRESSED
    assert [(w.kind, w.entry) for w in warnings] == [("stale", 2), ("expired", 3), ("stale", 4)]
