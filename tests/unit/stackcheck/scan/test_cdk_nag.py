"""cdk-nag: AwsSolutions at synthesis (reports only, no error annotations), the report adapter, the rule list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackcheck.assembly import NAG_CONTEXT_KEY, cache_key, synthesize
from stackcheck.errors import AssemblyError, BadInputError
from stackcheck.findings import Severity, Status
from stackcheck.scan.base import StackContext
from stackcheck.scan.cdk_nag import HELP_URL, NOT_RUN_RULE, CdkNagScanner, pack_rules, read_reports
from stackcheck.scan.runner import contexts_from_assembly

NAG_APP = """
import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb, aws_s3 as s3, aws_sns as sns
from cdk_nag import NagSuppressions

app = cdk.App()
stack = cdk.Stack(app, "Nagged")
s3.Bucket(stack, "Bucket")
topic = sns.Topic(stack, "Topic")
NagSuppressions.add_resource_suppressions(topic, [{"id": "AwsSolutions-SNS3", "reason": "suppressed in the app itself"}])
keys = dict(
    key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name="pk", key_type="HASH")],
    attribute_definitions=[dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name="pk", attribute_type="S")],
    billing_mode="PAY_PER_REQUEST",
)
dynamodb.CfnTable(stack, "PlainTable", **keys)
pitr = cdk.CfnParameter(stack, "Pitr", type="String", default="true")
dynamodb.CfnTable(stack, "ParamTable", **keys, point_in_time_recovery_specification=(
    dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(point_in_time_recovery_enabled=pitr.value)))
app.synth()
"""


def write_nag_app(root: Path) -> Path:
    (root / "nagapp").mkdir(parents=True, exist_ok=True)
    (root / "nagapp" / "__init__.py").write_text("")
    (root / "nagapp" / "main.py").write_text(NAG_APP)
    (root / "cdk.json").write_text(
        json.dumps(
            {
                "app": "python -m nagapp.main",
                "watch": {"include": ["nagapp/**/*.py", "cdk.json"]},
                "context": {"aws:cdk:version-reporting": False},
            }
        )
    )
    return root


@pytest.fixture(scope="module")
def nagged(tmp_path_factory):
    """The tiny app synthesized once with cdk-nag on; returns its cloud assembly folder."""
    root = write_nag_app(tmp_path_factory.mktemp("nag"))
    return synthesize(root).assembly.directory


@pytest.fixture(scope="module")
def nag_findings(nagged):
    (context,) = contexts_from_assembly(nagged)
    return CdkNagScanner().scan_template(context.template_file, context)


def test_each_statement_of_the_app_gives_its_exact_status_per_rule_and_construct_path(nag_findings):
    assert {(f.rule_id, f.construct_path, f.logical_id, f.status, f.severity) for f in nag_findings} == {
        ("AwsSolutions-S1", "/Nagged/Bucket/Resource", "Bucket83908E77", Status.FAILED, Severity.ERROR),
        ("AwsSolutions-S10", "/Nagged/Bucket/Resource", "Bucket83908E77", Status.FAILED, Severity.ERROR),
        ("AwsSolutions-S2", "/Nagged/Bucket/Resource", "Bucket83908E77", Status.PASSED, Severity.ERROR),
        ("AwsSolutions-S5", "/Nagged/Bucket/Resource", "Bucket83908E77", Status.PASSED, Severity.ERROR),
        ("AwsSolutions-DDB3", "/Nagged/PlainTable", "PlainTable", Status.FAILED, Severity.WARNING),
        # the PITR flag is a parameter: cdk-nag's rule throws, so no verdict
        ("AwsSolutions-DDB3", "/Nagged/ParamTable", "ParamTable", Status.UNKNOWN, Severity.WARNING),
        # suppressed inside the app: not honoured, the ledger is the one place to suppress
        ("AwsSolutions-SNS3", "/Nagged/Topic/Resource", "TopicBFC7AF6E", Status.UNKNOWN, Severity.ERROR),
    }


def test_findings_carry_template_line_help_url_and_a_message_naming_the_logical_id(nagged, nag_findings):
    by_key = {(f.rule_id, f.logical_id): f for f in nag_findings}
    s1 = by_key["AwsSolutions-S1", "Bucket83908E77"]
    lines = (nagged / "Nagged.template.json").read_text().splitlines()
    assert lines[s1.line - 1].strip() == '"Bucket83908E77": {'
    assert (s1.tool, s1.stack, s1.resource_type, s1.property_path, s1.help_url, s1.template_file) == (
        "cdk-nag",
        "Nagged",
        "AWS::S3::Bucket",
        (),
        HELP_URL,
        str(nagged / "Nagged.template.json"),
    )
    assert s1.message == "`Bucket83908E77`: The S3 Bucket has server access logs disabled."
    assert by_key["AwsSolutions-SNS3", "TopicBFC7AF6E"].message == (
        "`TopicBFC7AF6E`: The SNS Topic does not require publishers to use SSL: not evaluated, the app suppresses "
        "it with NagSuppressions ('suppressed in the app itself'); remove the suppression from the app and add a "
        "ledger entry instead"
    )
    assert by_key["AwsSolutions-DDB3", "ParamTable"].message.startswith(
        "`ParamTable`: AwsSolutions-DDB3 could not be evaluated (the rule threw"
    )


def test_synthesis_leaves_reports_but_no_cdk_nag_annotations(nagged):
    assert sorted(p.name for p in nagged.glob("*NagReport*")) == ["AwsSolutions--Nagged-NagReport.json"]
    metadata = (nagged / "manifest.json").read_text() + (nagged / "Nagged.metadata.json").read_text()
    assert "aws:cdk:error" not in metadata
    assert "AwsSolutions" not in metadata


def test_nag_off_by_context_changes_the_cache_key_and_writes_no_report(tmp_path):
    root = write_nag_app(tmp_path)
    off = {NAG_CONTEXT_KEY: False}
    assert cache_key(root, off) != cache_key(root)
    result = synthesize(root, context=off)
    assert list(result.assembly.directory.glob("*NagReport*")) == []
    (context,) = contexts_from_assembly(result.assembly.directory)
    (finding,) = CdkNagScanner().scan_template(context.template_file, context)
    assert (finding.rule_id, finding.status, finding.severity, finding.stack) == (
        NOT_RUN_RULE,
        Status.UNKNOWN,
        Severity.WARNING,
        "Nagged",
    )


def test_nag_context_value_must_be_a_bool(tmp_path):
    root = write_nag_app(tmp_path)
    with pytest.raises(AssemblyError, match=r"context stackcheck:cdk-nag='maybe' must be true or false"):
        synthesize(root, context={NAG_CONTEXT_KEY: "maybe"})


def test_a_template_outside_a_cloud_assembly_has_no_cdk_nag_findings(tmp_path):
    template = tmp_path / "lone.template.json"
    template.write_text(json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    context = StackContext.from_template(template, json.loads(template.read_text()))
    assert CdkNagScanner().scan_template(template, context) == []


def test_rows_of_other_stacks_are_left_out(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "AwsSolutions--One-NagReport.json").write_text(
        json.dumps(
            {
                "lines": [
                    {
                        "ruleId": "AwsSolutions-SNS2",
                        "resourceId": "One/Topic/Resource",
                        "compliance": "Non-Compliant",
                        "exceptionReason": "N/A",
                        "ruleLevel": "Error",
                        "ruleInfo": "x",
                    },
                    {
                        "ruleId": "AwsSolutions-SNS2",
                        "resourceId": "Two/Topic/Resource",
                        "compliance": "Non-Compliant",
                        "exceptionReason": "N/A",
                        "ruleLevel": "Error",
                        "ruleInfo": "x",
                    },
                    {
                        "ruleId": "AwsSolutions-SNS3",
                        "resourceId": "One/Unmapped",
                        "compliance": "Compliant",
                        "exceptionReason": "N/A",
                        "ruleLevel": "Warning",
                        "ruleInfo": "x",
                    },
                ]
            }
        )
    )
    template = tmp_path / "One.template.json"
    template.write_text('{\n "Resources": {\n  "TopicA1": {\n   "Type": "AWS::SNS::Topic"\n  }\n }\n}\n')
    context = StackContext(
        stack="One",
        template_file=template,
        construct_paths={"TopicA1": "/One/Topic/Resource"},
        resource_types={"TopicA1": "AWS::SNS::Topic"},
    )
    findings = CdkNagScanner().scan_template(template, context)
    assert [(f.rule_id, f.logical_id, f.construct_path, f.line, f.status) for f in findings] == [
        ("AwsSolutions-SNS2", "TopicA1", "/One/Topic/Resource", 3, Status.FAILED),
        ("AwsSolutions-SNS3", None, "/One/Unmapped", None, Status.PASSED),
    ]


def test_csv_report_is_read_when_there_is_no_json_one(tmp_path):
    (tmp_path / "AwsSolutions--One-NagReport.csv").write_text(
        "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n"
        '"AwsSolutions-S1","One/Bucket/Resource","Non-Compliant","N/A","Error","The S3 Bucket has, ""quoted"" logs"\n'
    )
    (line,) = read_reports(tmp_path)
    assert (line.rule_id, line.construct_path, line.compliance, line.level, line.info) == (
        "AwsSolutions-S1",
        "/One/Bucket/Resource",
        "Non-Compliant",
        "Error",
        'The S3 Bucket has, "quoted" logs',
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("AwsSolutions--One-NagReport.json", "{not json", "is not valid JSON (line 1"),
        ("AwsSolutions--One-NagReport.json", '{"rows": []}', 'has no "lines" list of objects'),
        (
            "AwsSolutions--One-NagReport.json",
            '{"lines": [{"ruleId": "AwsSolutions-S1"}]}',
            "row 1 has no ruleId/resourceId",
        ),
        ("AwsSolutions--One-NagReport.csv", "Rule,Resource\n", "does not start with the header Rule ID,Resource ID"),
    ],
)
def test_malformed_report_is_bad_input_naming_the_file(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(BadInputError, match=f"cdk-nag report {tmp_path / name}.*{message}".replace("(", r"\(")):
        read_reports(tmp_path)


def test_pack_rules_are_the_documented_awssolutions_rules_with_levels():
    rules = pack_rules()
    assert len(rules) == 131
    assert all(rule_id.startswith("AwsSolutions-") for rule_id in rules)
    assert (rules["AwsSolutions-IAM4"].level, rules["AwsSolutions-IAM4"].cause) == (
        "Error",
        "The IAM user, role, or group uses AWS managed policies.",
    )
    assert rules["AwsSolutions-DDB3"].level == "Warning"
    scanner = CdkNagScanner()
    assert scanner.rule_ids() == frozenset(rules)
    assert (
        scanner.rule_description("AwsSolutions-EC23")
        == "The Security Group allows for 0.0.0.0/0 or ::/0 inbound access."
    )
    assert scanner.rule_description("AwsSolutions-NOPE") is None


def test_template_scan_leaves_cdk_nag_out_but_the_ledger_knows_its_rule_ids(tmp_path, capsys, templates):
    from stackcheck.cli import main

    ledger = tmp_path / "suppressions.yaml"
    ledger.write_text(
        "- rule: AwsSolutions-S1\n  target: DataBucket\n  reason: no access logs for the fixture\n"
        "  owner: qa\n  expires: 2099-12-31\n"
    )
    code = main(
        [
            "scan",
            "--template",
            str(templates / "s3_private_encrypted.yaml"),
            "--ledger",
            str(ledger),
            "--report-dir",
            str(tmp_path / "reports"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    capsys.readouterr()
    report = json.loads((tmp_path / "reports" / "scan.json").read_text())
    assert code == report["exit_code"]  # the ledger loaded: AwsSolutions rule ids are known
    assert "cdk-nag" not in report["tools"] and {"cfn-lint", "checkov"} <= set(report["tools"])
    assert [(w["kind"], w["rule"]) for w in report["ledger"]["warnings"]] == [("stale", "AwsSolutions-S1")]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["scan.json", "scan.md", "scan.sarif"]
