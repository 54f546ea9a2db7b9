"""Finding: fingerprint stability and sensitivity, deduplication, validation, dict round trip."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from stackcheck.findings import Finding, Severity, Status, Suppression, deduplicate


def make(**changes) -> Finding:
    base = Finding(
        rule_id="CKV_AWS_18",
        severity=Severity.ERROR,
        tool="checkov",
        stack="TapStackdevSource",
        logical_id="LogsBucketA1B2C3D4",
        resource_type="AWS::S3::Bucket",
        construct_path="/TapStackdevSource/Storage/LogsBucket/Resource",
        template_file="cdk.out/TapStackdevSource.template.json",
        line=12,
        property_path=("Properties", "LoggingConfiguration"),
        message="Ensure the S3 bucket has access logging enabled",
        status=Status.FAILED,
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "change",
    [
        {"line": 400},
        {"line": None},
        {"message": "another wording"},
        {"template_file": "elsewhere/TapStackdevSource.template.json"},
        {"severity": Severity.WARNING},
        {"help_url": "https://docs.aws.amazon.com/"},
        {"resource_type": "AWS::S3::BucketPolicy"},
        # the construct path is the anchor, so a changed logical ID (re-hashed) keeps the fingerprint
        {"logical_id": "LogsBucketFFFF0000"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_fingerprint_unchanged_when_non_identity_fields_change(change):
    assert make(**change).fingerprint == make().fingerprint


@pytest.mark.parametrize(
    "change",
    [
        {"tool": "cfn-lint"},
        {"rule_id": "CKV_AWS_21"},
        {"stack": "TapStackdevTarget"},
        {"construct_path": "/TapStackdevSource/Storage/DataBucket/Resource"},
        {"property_path": ("Properties", "VersioningConfiguration")},
        {"property_path": ()},
    ],
    ids=lambda c: f"{next(iter(c))}={next(iter(c.values()))}",
)
def test_fingerprint_changes_with_identity_fields(change):
    assert make(**change).fingerprint != make().fingerprint


def test_fingerprint_uses_logical_id_when_no_construct_path():
    without_path = make(construct_path=None)
    assert without_path.fingerprint != make(construct_path=None, logical_id="OtherBucket").fingerprint
    assert without_path.fingerprint == make(construct_path=None, line=1).fingerprint


def test_fingerprint_is_sha256_hex():
    fingerprint = make().fingerprint
    assert len(fingerprint) == 64
    assert set(fingerprint) <= set("0123456789abcdef")


def test_deduplicate_drops_same_fingerprint_and_status_keeps_first_and_order():
    first = make(line=12)
    same_elsewhere = make(line=99, message="duplicate from a second pass")
    passed = make(status=Status.PASSED)
    other = make(rule_id="CKV_AWS_21")
    assert deduplicate([first, other, same_elsewhere, passed]) == [first, other, passed]


def test_suppress_keeps_data_and_sets_status_and_reason():
    suppression = Suppression(
        reason="log bucket cannot log to itself",
        owner="platform",
        expires=date(2099, 12, 31),
        source="policies/suppressions.yaml entry 1",
    )
    suppressed = make().suppress(suppression)
    assert suppressed.status is Status.SUPPRESSED
    assert suppressed.suppression == suppression
    assert dataclasses.replace(suppressed, status=Status.FAILED, suppression=None) == make()
    assert suppressed.fingerprint == make().fingerprint


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"line": 0}, "1-based"),
        ({"line": -3}, "1-based"),
        ({"status": Status.SUPPRESSED}, "suppression is set exactly when status is SUPPRESSED"),
        (
            {"suppression": Suppression(reason="r" * 10, owner="o", expires=None)},
            "suppression is set exactly when status is SUPPRESSED",
        ),
    ],
)
def test_invalid_findings_are_rejected(changes, error):
    with pytest.raises(ValueError, match=error):
        make(**changes)


def test_string_enums_and_list_paths_are_coerced():
    finding = make(severity="WARNING", status="PASSED", property_path=["Properties", 0])
    assert (finding.severity, finding.status, finding.property_path) == (
        Severity.WARNING,
        Status.PASSED,
        ("Properties", 0),
    )


def test_to_dict_round_trip():
    finding = make(property_path=("Properties", "Rules", 0)).suppress(
        Suppression(reason="accepted for the migration window", owner="db-team", expires=date(2099, 1, 2), source="x")
    )
    data = finding.to_dict()
    assert data["fingerprint"] == finding.fingerprint
    assert data["status"] == "SUPPRESSED"
    assert data["suppression"] == {
        "reason": "accepted for the migration window",
        "owner": "db-team",
        "expires": "2099-01-02",
        "source": "x",
    }
    assert data["property_path"] == ["Properties", "Rules", 0]
    assert Finding.from_dict(data) == finding


def test_target_is_stack_and_logical_id_or_stack_alone():
    assert make().target == "TapStackdevSource/LogsBucketA1B2C3D4"
    assert make(logical_id=None).target == "TapStackdevSource"
