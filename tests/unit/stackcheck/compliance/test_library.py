"""Live forms of checkov's own checks: checkov's id and outcome, our verdicts, and where the two stages agree or not."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from stackcheck.compliance.library import LIBRARY_CHECKS, LibraryCheck, kms_key_rotation, library_forms, s3_versioning
from stackcheck.errors import ScannerError
from stackcheck.findings import Severity, Status
from stackcheck.scan.base import StackContext, load_template
from stackcheck.scan.policy import Outcome, TemplateView

ROTATION_FIX = "set it to true (CDK: enable_key_rotation=True)"
VERSIONING_FIX = "set VersioningConfiguration.Status to Enabled (CDK: versioned=True)"
STATUS = ("Properties", "VersioningConfiguration", "Status")
ROTATION = ("Properties", "EnableKeyRotation")

# logical ID -> (properties, live form's outcome, path, message); a Ref is what the view cannot resolve.
BUCKETS = {
    "VersionedBucket": (
        {"VersioningConfiguration": {"Status": "Enabled"}},
        Outcome.PASSED,
        STATUS,
        "Bucket `VersionedBucket`: versioning is Enabled",
    ),
    "SuspendedBucket": (
        {"VersioningConfiguration": {"Status": "Suspended"}},
        Outcome.FAILED,
        STATUS,
        f"Bucket `SuspendedBucket`: VersioningConfiguration.Status is Suspended; {VERSIONING_FIX}",
    ),
    "PlainBucket": (
        {},
        Outcome.FAILED,
        ("Properties",),
        f"Bucket `PlainBucket`: VersioningConfiguration is not set, so versioning is off; {VERSIONING_FIX}",
    ),
    "ParameterBucket": (
        {"VersioningConfiguration": {"Status": {"Ref": "VersioningStatus"}}},
        Outcome.UNKNOWN,
        STATUS,
        "Bucket `ParameterBucket`: VersioningConfiguration.Status is unknown (Ref to `VersioningStatus` "
        "(a parameter or another resource) is decided at deploy time)",
    ),
}
KEYS = {
    "RotatedKey": (
        {"EnableKeyRotation": True},
        Outcome.PASSED,
        ROTATION,
        "KMS key `RotatedKey`: automatic key rotation is on",
    ),
    "UnrotatedKey": (
        {"EnableKeyRotation": False, "KeySpec": "SYMMETRIC_DEFAULT"},
        Outcome.FAILED,
        ROTATION,
        f"KMS key `UnrotatedKey`: EnableKeyRotation is false; {ROTATION_FIX}",
    ),
    "DefaultKey": (
        {},
        Outcome.FAILED,
        ("Properties",),
        f"KMS key `DefaultKey`: EnableKeyRotation is not set; {ROTATION_FIX}",
    ),
    "ParameterKey": (
        {"EnableKeyRotation": {"Ref": "Rotate"}},
        Outcome.UNKNOWN,
        ROTATION,
        "KMS key `ParameterKey`: EnableKeyRotation is unknown (Ref to `Rotate` (a parameter or another "
        "resource) is decided at deploy time)",
    ),
    "SigningKey": ({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}, Outcome.NOT_APPLICABLE, (), ""),
    "HmacKey": ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, Outcome.NOT_APPLICABLE, (), ""),
    "ImportedKey": ({"Origin": "EXTERNAL"}, Outcome.NOT_APPLICABLE, (), ""),
}
CASES = [("AWS::S3::Bucket", s3_versioning, lid, *case) for lid, case in BUCKETS.items()] + [
    ("AWS::KMS::Key", kms_key_rotation, lid, *case) for lid, case in KEYS.items()
]

# Where checkov's template verdict differs from the live form's: logical ID -> (live form, checkov).
# checkov fails a Ref it cannot resolve, and judges HMAC and imported keys AWS cannot rotate automatically;
# asymmetric keys get checkov's UNKNOWN, which it does not report.
DIFFERENT = {
    "ParameterBucket": ("UNKNOWN", "FAILED"),
    "ParameterKey": ("UNKNOWN", "FAILED"),
    "HmacKey": ("NOT_APPLICABLE", "FAILED"),
    "ImportedKey": ("NOT_APPLICABLE", "FAILED"),
    "SigningKey": ("NOT_APPLICABLE", "NOT_APPLICABLE"),
}


def template() -> dict:
    resources = {lid: {"Type": kind, "Properties": props} for kind, _, lid, props, *_ in CASES}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": resources,
        "Parameters": {
            "VersioningStatus": {"Type": "String", "AllowedValues": ["Enabled", "Suspended"]},
            "Rotate": {"Type": "String", "AllowedValues": ["true", "false"]},
        },
    }


@pytest.mark.parametrize(
    ("kind", "evaluate", "logical_id", "properties", "outcome", "path", "message"), CASES, ids=[c[2] for c in CASES]
)
def test_live_form_verdict(kind, evaluate, logical_id, properties, outcome, path, message):
    view = TemplateView({"Resources": {logical_id: {"Type": kind, "Properties": properties}}}, whole=False)
    verdict = evaluate(logical_id, kind, properties, view)
    assert (verdict.outcome, verdict.path, verdict.message) == (outcome, path, message)


def test_library_forms_carry_checkovs_own_id_outcome_and_resource_types():
    forms = library_forms()
    assert [(f.id, f.kind, f.resource_types, f.rule.outcome, f.rule.name, f.rule.severity) for f in forms] == [
        (
            "CKV_AWS_21",
            "resource",
            ("AWS::S3::Bucket",),
            "Ensure the S3 bucket has versioning enabled",
            "S3Versioning",
            Severity.ERROR,
        ),
        (
            "CKV_AWS_7",
            "resource",
            ("AWS::KMS::Key",),
            "Ensure rotation for customer created CMKs is enabled",
            "KMSRotation",
            Severity.ERROR,
        ),
    ]
    assert [Path(*f.rule.file.parts[-6:]).as_posix() for f in forms] == [
        "checkov/cloudformation/checks/resource/aws/S3Versioning.py",
        "checkov/cloudformation/checks/resource/aws/KMSRotation.py",
    ]
    assert [f.rule.evaluate for f in forms] == [s3_versioning, kms_key_rotation]


def test_checkov_at_template_time_agrees_with_the_live_forms_on_every_literal_value(tmp_path):
    """The same id means the same thing at both stages, except where DIFFERENT says (the live form says less)."""
    from stackcheck.scan.checkov import CheckovScanner

    path = tmp_path / "cases.json"
    path.write_text(json.dumps(template()))
    findings = CheckovScanner().scan_template(path, StackContext.from_template(path, load_template(path)))
    ids = {spec.check_id for spec in LIBRARY_CHECKS}
    checkov = {f.logical_id: f.status.value for f in findings if f.rule_id in ids}
    assert len(checkov) == len([f for f in findings if f.rule_id in ids])  # one finding per resource at most
    live = {lid: outcome.value for _, _, lid, _, outcome, *_ in CASES}
    found = {lid: (live[lid], checkov.get(lid, "NOT_APPLICABLE")) for lid in live}
    assert {lid: pair for lid, pair in found.items() if pair[0] != pair[1] or lid in DIFFERENT} == DIFFERENT
    assert {lid for lid, (mine, theirs) in found.items() if mine == theirs and mine != "NOT_APPLICABLE"} == {
        "VersionedBucket",
        "SuspendedBucket",
        "PlainBucket",
        "RotatedKey",
        "UnrotatedKey",
        "DefaultKey",
    }
    assert Status.UNKNOWN.value not in checkov.values()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"check_id": "CKV_AWS_999"},
            "checkov module checkov.cloudformation.checks.resource.aws.S3Versioning holds check "
            "CKV_AWS_21, not CKV_AWS_999; update stackcheck/compliance/library.py",
        ),
        (
            {"module": "checkov.cloudformation.checks.resource.aws.NoSuchCheck"},
            "the live form of CKV_AWS_21 names checkov module checkov.cloudformation.checks.resource.aws.NoSuchCheck, which "
            "does not import",
        ),
        (
            {"resource_types": ("AWS::S3::Bucket", "AWS::S3::AccessPoint")},
            "checkov's CKV_AWS_21 no longer judges ['AWS::S3::AccessPoint']",
        ),
    ],
)
def test_a_library_check_checkov_no_longer_has_stops_the_live_forms(change, message):
    spec = LIBRARY_CHECKS[0]
    fields = {name: getattr(spec, name) for name in LibraryCheck.__dataclass_fields__}
    with pytest.raises(ScannerError) as err:
        library_forms((LibraryCheck(**{**fields, **change}),))
    assert str(err.value).startswith(message)


def test_a_pack_rule_taking_a_library_id_stops_the_live_forms(tmp_path):
    from stackcheck.compliance import live_forms

    pack = tmp_path / "policies"
    for folder in ("cfn_lint", "checkov", "assembly"):
        (pack / folder).mkdir(parents=True)
    (pack / "checkov" / "__init__.py").write_text('"""checks"""\n')
    (pack / "checkov" / "OwnVersioning.py").write_text(
        textwrap.dedent('''
        """A pack check under checkov's own id."""
        from stackcheck.scan import custom
        from stackcheck.scan.policy import Outcome, Verdict

        def evaluate(logical_id, resource_type, properties, view):
            return Verdict(Outcome.PASSED, "ok")

        class OwnVersioning(custom.ResourceCheck):
            id = "CKV_AWS_21"
            outcome = "Ensure versioning"
            description = "test check"
            source_url = "https://docs.aws.amazon.com/check"
            resource_types = ("AWS::S3::Bucket",)
            evaluate = staticmethod(evaluate)

        check = OwnVersioning()
    ''')
    )
    with pytest.raises(
        ScannerError, match=r"^policy pack rule CKV_AWS_21 takes the id of checkov's own check CKV_AWS_21"
    ):
        live_forms(pack)
