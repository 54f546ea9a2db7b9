"""The scan runner: every (tool, template) unit, crash isolation, summary, fingerprint stability."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.scan.base import SCANNER_ERROR_RULE, StackContext
from stackcheck.scan.runner import SummaryRow, contexts_from_assembly, contexts_from_files, scan

BAD_FAILED = {
    "E3045",
    "W3045",
    "CKV_AWS_18",
    "CKV_AWS_20",
    "CKV_AWS_21",
    "CKV_AWS_53",
    "CKV_AWS_54",
    "CKV_AWS_55",
    "CKV_AWS_56",
}


@pytest.fixture(scope="module")
def result(scanners, templates):
    contexts = contexts_from_files([templates / "s3_public_unencrypted.yaml", templates / "s3_private_encrypted.yaml"])
    return scan(contexts, scanners)


def failed(findings, stack=None):
    return {f.rule_id for f in findings if f.status is Status.FAILED and stack in (None, f.stack)}


def test_unencrypted_public_bucket_fails_exact_rules_and_good_template_passes(result):
    assert failed(result.findings, "s3_public_unencrypted") == BAD_FAILED
    assert failed(result.findings, "s3_private_encrypted") == set()
    assert result.exit_code == 1


def test_summary_counts_each_stack_and_tool_with_cfn_lint_passes_not_applicable(result):
    assert result.summary() == [
        SummaryRow("s3_public_unencrypted", "cfn-lint", passed=None, failed=2, suppressed=0, unknown=0),
        SummaryRow("s3_public_unencrypted", "checkov", passed=2, failed=7, suppressed=0, unknown=0),
        SummaryRow("s3_private_encrypted", "cfn-lint", passed=None, failed=0, suppressed=0, unknown=0),
        SummaryRow("s3_private_encrypted", "checkov", passed=9, failed=0, suppressed=0, unknown=0),
    ]
    assert [(u.tool, u.stack, u.crashed) for u in result.units] == [
        ("cfn-lint", "s3_public_unencrypted", False),
        ("checkov", "s3_public_unencrypted", False),
        ("cfn-lint", "s3_private_encrypted", False),
        ("checkov", "s3_private_encrypted", False),
    ]


def test_good_template_alone_exits_zero(scanners, templates):
    assert scan(contexts_from_files([templates / "s3_private_encrypted.yaml"]), scanners).exit_code == 0


def test_fingerprints_stable_when_a_resource_is_inserted_above(scanners, templates, tmp_path, result):
    original = (templates / "s3_public_unencrypted.yaml").read_text()
    shifted = original.replace(
        "Resources:\n",
        "Resources:\n  FirstTopic:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: alias/aws/sns\n",
        1,
    )
    path = tmp_path / "s3_public_unencrypted.yaml"
    path.write_text(shifted)
    after = [f for f in scan(contexts_from_files([path]), scanners).findings if f.logical_id == "PublicBucket"]
    before = [f for f in result.findings if f.stack == "s3_public_unencrypted"]
    assert {(f.rule_id, f.status, f.fingerprint) for f in after} == {
        (f.rule_id, f.status, f.fingerprint) for f in before
    }
    lines = {f.rule_id: f.line for f in before}
    assert {f.rule_id: f.line for f in after} == {rule: line + 4 for rule, line in lines.items()}


class Crashing:
    tool = "crashy"
    reports_passes = True
    version = "0"

    def rule_ids(self):
        return frozenset()

    def scan_template(self, template_path, stack_context):
        raise RuntimeError(f"boom on\n{template_path.name}")


def test_scanner_crash_becomes_unknown_error_finding_and_scan_goes_on(scanners, templates):
    contexts = contexts_from_files([templates / "s3_private_encrypted.yaml"])
    result = scan(contexts, [Crashing(), *scanners])
    crash = [f for f in result.findings if f.tool == "crashy"]
    assert crash == [
        Finding(
            rule_id=SCANNER_ERROR_RULE,
            severity=Severity.ERROR,
            tool="crashy",
            stack="s3_private_encrypted",
            message=f"crashy crashed on {templates / 's3_private_encrypted.yaml'}: RuntimeError: boom on "
            "s3_private_encrypted.yaml; its checks on this template did not run",
            status=Status.UNKNOWN,
            template_file=str(templates / "s3_private_encrypted.yaml"),
        )
    ]
    assert {f.status for f in result.findings if f.tool == "checkov"} == {Status.PASSED}
    assert [u.crashed for u in result.units] == [True, False, False]
    assert result.failures() == crash
    assert result.exit_code == 1


def _copies(tmp_path, source, *names):
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source.read_text())
    return [tmp_path / name for name in names]


@pytest.mark.parametrize(
    ("names", "stacks"),
    [
        (["a/t.yaml", "b/t.yaml", "c/other.yaml"], ["a/t", "b/t", "other"]),
        (["x/a/t.yaml", "y/a/t.yaml"], ["x/a/t", "y/a/t"]),
        (["a/t.yaml", "a/t.yml", "b/t.yaml"], ["a/t.yaml", "a/t.yml", "b/t.yaml"]),
        (["t.template.yaml", "t.yml"], ["t.template.yaml", "t.yml"]),
    ],
)
def test_templates_sharing_a_name_get_stack_ids_from_their_paths(templates, tmp_path, names, stacks):
    files = _copies(tmp_path, templates / "s3_private_encrypted.yaml", *names)
    contexts = contexts_from_files(files)
    assert [(c.stack, c.template_file) for c in contexts] == list(zip(stacks, files, strict=True))


def test_one_file_given_twice_is_scanned_once(templates, tmp_path, monkeypatch):
    monkeypatch.chdir(templates)
    contexts = contexts_from_files(["s3_private_encrypted.yaml", templates / "s3_private_encrypted.yaml"])
    assert [(c.stack, c.template_file) for c in contexts] == [
        ("s3_private_encrypted", Path("s3_private_encrypted.yaml"))
    ]


def test_templates_sharing_a_name_are_both_scanned_and_kept_apart(scanners, templates, tmp_path):
    first, second = _copies(tmp_path, templates / "s3_public_unencrypted.yaml", "a/t.yaml", "b/t.yaml")
    result = scan(contexts_from_files([first, second]), scanners)
    failed = {(f.stack, f.template_file, f.rule_id) for f in result.findings if f.status is Status.FAILED}
    assert failed == {
        (stack, str(path), rule) for stack, path in (("a/t", first), ("b/t", second)) for rule in BAD_FAILED
    }
    assert [(u.stack, u.template_file) for u in result.units] == [
        ("a/t", str(first)),
        ("a/t", str(first)),
        ("b/t", str(second)),
        ("b/t", str(second)),
    ]
    assert [(r.stack, r.tool, r.failed) for r in result.summary()] == [
        ("a/t", "cfn-lint", 2),
        ("a/t", "checkov", 7),
        ("b/t", "cfn-lint", 2),
        ("b/t", "checkov", 7),
    ]


def test_an_empty_template_is_scanned_beside_the_others(scanners, templates, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"Resources": {}}')
    result = scan(contexts_from_files([empty, templates / "s3_public_unencrypted.yaml"]), scanners)
    assert [(u.stack, u.tool, u.crashed, u.findings) for u in result.units[:2]] == [
        ("empty", "cfn-lint", False, ()),
        ("empty", "checkov", False, ()),
    ]
    assert {f.rule_id for f in result.findings if f.status is Status.FAILED} == BAD_FAILED


def test_assembly_scan_carries_construct_paths(scanners, templates):
    result = scan(contexts_from_assembly(templates / "assembly"), scanners)
    assert {
        (f.rule_id, f.stack, f.logical_id, f.construct_path) for f in result.findings if f.status is Status.FAILED
    } == {
        (
            "CKV_AWS_18",
            "TapStackTestSource",
            "StorageLogsBucketA1B2C3D4",
            "/TapStackTestSource/Storage/LogsBucket/Resource",
        ),
        (
            "CKV_AWS_18",
            "TapStackTestSource",
            "StorageDataBucketE5F6A7B8",
            "/TapStackTestSource/Storage/DataBucket/Resource",
        ),
        ("CKV_AWS_26", "TapStackTestTarget", "AlertsTopicC9D0E1F2", "/TapStackTestTarget/Alerts/Topic/Resource"),
    }


def test_an_assembly_stack_without_resources_is_scanned_and_the_others_still_are(scanners, templates, tmp_path):
    import shutil

    assembly = shutil.copytree(templates / "assembly", tmp_path / "cdk.out")
    (assembly / "TapStackTestTarget.template.json").write_text('{"Resources": {}}\n')
    result = scan(contexts_from_assembly(assembly), scanners)
    assert [(u.stack, u.tool, u.crashed) for u in result.units] == [
        ("TapStackTestSource", "cfn-lint", False),
        ("TapStackTestSource", "checkov", False),
        ("TapStackTestTarget", "cfn-lint", False),
        ("TapStackTestTarget", "checkov", False),
    ]
    assert {(f.rule_id, f.stack, f.logical_id) for f in result.findings if f.status is Status.FAILED} == {
        ("CKV_AWS_18", "TapStackTestSource", "StorageLogsBucketA1B2C3D4"),
        ("CKV_AWS_18", "TapStackTestSource", "StorageDataBucketE5F6A7B8"),
    }


def test_stack_context_is_what_adapters_get(templates):
    (context,) = contexts_from_files([templates / "s3_public_unencrypted.yaml"])
    assert context == StackContext(
        stack="s3_public_unencrypted",
        template_file=Path(templates / "s3_public_unencrypted.yaml"),
        construct_paths={},
        resource_types={"PublicBucket": "AWS::S3::Bucket"},
    )
