"""checkov adapter: real checkov runs on the fixture templates, records mapped into Findings."""

from __future__ import annotations

import pytest

from stackcheck.findings import Severity, Status
from stackcheck.scan.base import StackContext, load_template
from stackcheck.scan.checkov import evaluated_keys_path

S3_CHECKS = {
    "CKV_AWS_18",
    "CKV_AWS_19",
    "CKV_AWS_20",
    "CKV_AWS_21",
    "CKV_AWS_53",
    "CKV_AWS_54",
    "CKV_AWS_55",
    "CKV_AWS_56",
    "CKV_AWS_57",
}


def scan(scanner, path):
    return scanner.scan_template(path, StackContext.from_template(path, load_template(path)))


def by_status(findings):
    return {status: {f.rule_id for f in findings if f.status is status} for status in Status}


@pytest.fixture(scope="module")
def bad_findings(checkov, templates):
    return scan(checkov, templates / "s3_public_unencrypted.yaml")


def test_bad_template_fails_exact_checks(bad_findings):
    assert by_status(bad_findings) == {
        Status.FAILED: {
            "CKV_AWS_18",
            "CKV_AWS_20",
            "CKV_AWS_21",
            "CKV_AWS_53",
            "CKV_AWS_54",
            "CKV_AWS_55",
            "CKV_AWS_56",
        },
        Status.PASSED: {"CKV_AWS_19", "CKV_AWS_57"},
        Status.UNKNOWN: set(),
        Status.SUPPRESSED: set(),
    }


def test_records_map_resource_line_and_property_path(bad_findings, templates):
    ckv53 = next(f for f in bad_findings if f.rule_id == "CKV_AWS_53")
    assert (
        ckv53.tool,
        ckv53.stack,
        ckv53.logical_id,
        ckv53.resource_type,
        ckv53.line,
        ckv53.property_path,
        ckv53.severity,
        ckv53.message,
        ckv53.template_file,
    ) == (
        "checkov",
        "s3_public_unencrypted",
        "PublicBucket",
        "AWS::S3::Bucket",
        4,
        ("Properties", "PublicAccessBlockConfiguration", "BlockPublicAcls"),
        Severity.ERROR,
        "Ensure S3 bucket has block public ACLs enabled",
        str(templates / "s3_public_unencrypted.yaml"),
    )


def test_good_template_passes_every_check(checkov, templates):
    assert by_status(scan(checkov, templates / "s3_private_encrypted.yaml")) == {
        Status.FAILED: set(),
        Status.PASSED: S3_CHECKS,
        Status.UNKNOWN: set(),
        Status.SUPPRESSED: set(),
    }


def test_inline_checkov_skip_is_not_honoured_but_reported_unknown(checkov, tmp_path, templates):
    text = (
        (templates / "s3_public_unencrypted.yaml")
        .read_text()
        .replace(
            "    Type: AWS::S3::Bucket\n",
            "    Type: AWS::S3::Bucket\n    Metadata:\n      checkov:\n        skip:\n"
            "          - id: CKV_AWS_18\n            comment: logs elsewhere\n",
        )
    )
    path = tmp_path / "s3_public_unencrypted.yaml"
    path.write_text(text)
    findings = scan(checkov, path)
    assert by_status(findings)[Status.UNKNOWN] == {"CKV_AWS_18"}
    skipped = next(f for f in findings if f.status is Status.UNKNOWN)
    assert (skipped.severity, skipped.logical_id, skipped.message) == (
        Severity.ERROR,
        "PublicBucket",
        "Ensure the S3 bucket has access logging enabled: not evaluated, the template skips it inline "
        "('logs elsewhere'); remove the checkov skip from the resource Metadata and add a ledger entry instead",
    )


def test_rule_ids_cover_resource_and_graph_checks(checkov):
    ids = checkov.rule_ids()
    assert S3_CHECKS | {"CKV_AWS_26", "CKV_AWS_260"} <= ids
    assert any(i.startswith("CKV2_AWS_") for i in ids)
    assert not any(i.startswith(("E", "W")) for i in ids)


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        ([], ()),
        (["Properties/AccessControl"], ("Properties", "AccessControl")),
        (
            ["Properties/BucketEncryption/ServerSideEncryptionConfiguration/[0]/ServerSideEncryptionByDefault"],
            ("Properties", "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault"),
        ),
        (["Properties/A/X", "Properties/A/Y"], ("Properties", "A")),
        (["Properties/A", "Metadata/B"], ()),
    ],
)
def test_evaluated_keys_path(keys, path):
    assert evaluated_keys_path(keys) == path
