"""checkov's own checks on the live template: which (check, resource type) pairs run live, and what they answer."""

from __future__ import annotations

import pytest

from stackcheck.compliance.checkov_checks import (
    Coverage,
    checkov_checks,
    checkov_forms,
    coverage,
    declared_types,
    properties_read,
)
from stackcheck.compliance.live import READ_PROPERTIES
from stackcheck.scan.policy import Outcome, TemplateView

BUCKET = "AWS::S3::Bucket"
INGRESS = "AWS::EC2::SecurityGroupIngress"
REDSHIFT = "AWS::Redshift::Cluster"


def check(resource_type: str, check_id: str):
    (found,) = [c for c in checkov_checks()[resource_type] if c.id == check_id]
    return found


def test_checkovs_own_checks_are_listed_by_type_without_a_policy_packs():
    found = checkov_checks()
    assert {c.id for c in found[BUCKET]} >= {"CKV_AWS_18", "CKV_AWS_19", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_57"}
    assert not any(c.id.startswith("CKV_TAP_") for checks in found.values() for c in checks)


def test_a_value_check_reads_its_inspected_key():
    assert properties_read(check(BUCKET, "CKV_AWS_53"), BUCKET) == {
        "PublicAccessBlockConfiguration": frozenset({"BlockPublicAcls"})
    }
    assert properties_read(check(BUCKET, "CKV_AWS_18"), BUCKET) == {"LoggingConfiguration": frozenset()}


def test_another_check_reads_the_schema_properties_its_source_names():
    listener = "AWS::ElasticLoadBalancingV2::Listener"
    assert set(properties_read(check(listener, "CKV_AWS_103"), listener)) == {"DefaultActions", "Protocol", "SslPolicy"}
    # inherited from checkov's base class for security group rules
    assert set(properties_read(check(INGRESS, "CKV_AWS_24"), INGRESS)) == {"CidrIp", "CidrIpv6", "FromPort", "ToPort"}


def test_coverage_says_why_a_check_stays_template_only():
    rows = {
        (r.resource_type, r.rule_id): r
        for r in coverage((), {BUCKET, INGRESS, "AWS::DynamoDB::Table", "AWS::SQS::Queue", REDSHIFT})
    }
    assert rows[(BUCKET, "CKV_AWS_18")] == Coverage(
        "CKV_AWS_18", "checkov", BUCKET, False, "reads LoggingConfiguration, which the live reader does not read"
    )
    # the ingress rule reader reads Description (DescribeSecurityGroupRules answers it), so the check can run live
    assert rows[(INGRESS, "CKV_AWS_23")].why == "reads Description, read live"
    assert {r.rule_id: r.why for r in rows.values() if r.resource_type == "AWS::DynamoDB::Table"} == {
        "CKV_AWS_28": "reads PointInTimeRecoverySpecification, read live",
        "CKV_AWS_119": "reads SSESpecification, read live",
    }
    assert rows[("AWS::SQS::Queue", "CKV_AWS_27")].why == "reads KmsMasterKeyId, read live"
    assert {r.why for (t, _), r in rows.items() if t == REDSHIFT} == {"no live reader for AWS::Redshift::Cluster"}
    # with no forms given, a check that could run live is listed as such but not as live
    assert rows[(BUCKET, "CKV_AWS_53")].live is False


def test_a_property_read_in_part_keeps_a_check_on_an_unread_part_template_only():
    group = "AWS::EC2::SecurityGroup"
    rules = frozenset({"IpProtocol", "FromPort", "ToPort", "CidrIp"})
    # IPv6 ranges unread: the open-port checks read CidrIpv6 too, so none runs live
    assert checkov_forms(set(), {group: {"SecurityGroupIngress": rules, "VpcId": None}}) == ()
    assert {
        r.why for r in coverage((), {group}, {group: {"SecurityGroupIngress": rules}}) if r.rule_id != "CKV_AWS_23"
    } == {"reads SecurityGroupIngress.CidrIpv6, which the live reader does not read"}
    read = {group: {"SecurityGroupIngress": rules | {"CidrIpv6"}, "VpcId": None}}
    forms = checkov_forms(set(), read)
    assert {f.id for f in forms} == {"CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"}
    rows = {r.rule_id: r for r in coverage(forms, {group}, read)}
    assert rows["CKV_AWS_23"] == Coverage(
        "CKV_AWS_23", "checkov", group, False, "reads SecurityGroupEgress, which the live reader does not read"
    )
    assert rows["CKV_AWS_24"] == Coverage(
        "CKV_AWS_24",
        "checkov",
        group,
        True,
        "checkov's check on the live resource; reads SecurityGroupIngress, read live",
    )


def test_forms_cover_exactly_the_types_whose_reader_reads_what_the_check_reads():
    read = {BUCKET: {"PublicAccessBlockConfiguration": None, "BucketName": None}}
    forms = checkov_forms({"CKV_AWS_56"}, read)
    assert {(f.id, f.resource_types, f.origin, f.rule.tool) for f in forms} == {
        (i, (BUCKET,), "checkov", "checkov") for i in ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55")
    }


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"BlockPublicAcls": True}, Outcome.PASSED),
        ({"BlockPublicAcls": False}, Outcome.FAILED),
        (None, Outcome.FAILED),
    ],
)
def test_a_form_answers_as_checkov_does_on_the_live_properties(block, expected):
    (form,) = [f for f in checkov_forms(set(), READ_PROPERTIES) if f.id == "CKV_AWS_53"]
    props = {"BucketName": "logs"} if block is None else {"BucketName": "logs", "PublicAccessBlockConfiguration": block}
    view = TemplateView({"Resources": {"Logs": {"Type": BUCKET, "Properties": props}}}, whole=False)
    verdict = form.rule.evaluate("Logs", BUCKET, props, view)
    assert verdict.outcome is expected
    assert verdict.path == ("Properties", "PublicAccessBlockConfiguration", "BlockPublicAcls")
    shown = " fails checkov's check: " if expected is Outcome.FAILED else ": "
    assert verdict.message == f"{BUCKET} `Logs`{shown}Ensure S3 bucket has block public ACLs enabled"


def test_a_check_that_does_not_apply_gives_no_verdict():
    listener = "AWS::ElasticLoadBalancingV2::Listener"
    (form,) = [f for f in checkov_forms(set(), READ_PROPERTIES) if f.id == "CKV_AWS_103"]
    # checkov answers UNKNOWN for an intrinsic default action; its runner reports nothing then, nor does the form
    props = {"Protocol": "HTTP", "DefaultActions": ["Fn::If"]}
    view = TemplateView({"Resources": {"L": {"Type": listener, "Properties": props}}}, whole=False)
    assert form.rule.evaluate("L", listener, props, view).outcome is Outcome.NOT_APPLICABLE


def test_declared_types_are_every_resource_type_of_the_templates():
    templates = [
        {"Resources": {"A": {"Type": BUCKET}, "B": {"Type": INGRESS}}},
        {"Resources": {"C": {"Type": BUCKET}, "D": {"Properties": {}}}},
        {"Outputs": {}},
    ]
    assert declared_types(templates) == {BUCKET, INGRESS}
