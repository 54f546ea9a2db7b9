"""cfn-lint adapter: real lint runs on the fixture templates, matches mapped into Findings."""

from __future__ import annotations

import pytest

from stackcheck.findings import Severity, Status
from stackcheck.scan.base import StackContext, load_template


def scan(scanner, path):
    return scanner.scan_template(path, StackContext.from_template(path, load_template(path)))


@pytest.fixture(scope="module")
def bad_findings(cfn_lint, templates):
    return scan(cfn_lint, templates / "s3_public_unencrypted.yaml")


def test_bad_template_fails_exact_rules_with_locations(bad_findings, templates):
    assert {
        (f.rule_id, f.severity, f.status, f.logical_id, f.resource_type, f.line, f.property_path) for f in bad_findings
    } == {
        ("E3045", Severity.ERROR, Status.FAILED, "PublicBucket", "AWS::S3::Bucket", 6, ("Properties",)),
        (
            "W3045",
            Severity.WARNING,
            Status.FAILED,
            "PublicBucket",
            "AWS::S3::Bucket",
            7,
            ("Properties", "AccessControl"),
        ),
    }
    assert {(f.tool, f.stack, f.template_file) for f in bad_findings} == {
        ("cfn-lint", "s3_public_unencrypted", str(templates / "s3_public_unencrypted.yaml")),
    }


def test_findings_carry_rule_docs_and_message(bad_findings):
    w3045 = next(f for f in bad_findings if f.rule_id == "W3045")
    assert w3045.help_url == "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html"
    assert w3045.message == "'AccessControl' is a legacy property. Consider using 'AWS::S3::BucketPolicy' instead"


def test_good_template_has_no_findings(cfn_lint, templates):
    assert scan(cfn_lint, templates / "s3_private_encrypted.yaml") == []


def test_template_metadata_cannot_switch_rules_off(cfn_lint, tmp_path, templates):
    text = (templates / "s3_public_unencrypted.yaml").read_text()
    text = text.replace(
        "Resources:\n", "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3045, W3045]\nResources:\n"
    )
    text = text.replace(
        "    Type: AWS::S3::Bucket\n",
        "    Type: AWS::S3::Bucket\n    Metadata:\n"
        "      cfn-lint:\n        config:\n          ignore_checks: [E3045]\n",
    )
    path = tmp_path / "s3_public_unencrypted.yaml"
    path.write_text(text)
    assert {f.rule_id for f in scan(cfn_lint, path)} == {"E3045", "W3045"}


def test_rule_ids_are_the_cfn_lint_registry(cfn_lint):
    ids = cfn_lint.rule_ids()
    assert {"E0000", "E3045", "W3045", "W3010", "I3011"} <= ids
    assert not any(i.startswith("CKV") for i in ids)
