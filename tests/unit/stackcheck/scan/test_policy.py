"""TemplateView: what intrinsics resolve to inside a template, and what stays Unresolved."""

from __future__ import annotations

import pytest

from stackcheck.scan.policy import (
    Outcome,
    TemplateView,
    Unresolved,
    Verdict,
    action_matches,
    as_list,
    clean,
    is_intrinsic,
    placeholders,
    statements,
)

TEMPLATE = {
    "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
    "Mappings": {"Ports": {"web": {"http": 80}}},
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "logs"}},
        "Role": {"Type": "AWS::IAM::Role"},
    },
    "Outputs": {"Name": {"Value": {"Ref": "Bucket"}}, "Broken": "not an object"},
}
VIEW = TemplateView(TEMPLATE)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("literal", "literal"),
        (80, 80),
        ({"Fn::Join": ["-", ["a", 1, True]]}, "a-1-true"),
        ({"Fn::Sub": "plain ${!Literal}"}, "plain ${Literal}"),
        ({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Fn::Join": ["", ["y", "z"]]}}]}, "x-yz"),
        ({"Fn::Select": [1, ["a", "b"]]}, "b"),
        ({"Fn::FindInMap": ["Ports", "web", "http"]}, 80),
        ({"Key": [{"Fn::Join": ["", ["a", "b"]]}]}, {"Key": ["ab"]}),
    ],
)
def test_value_evaluates_what_the_template_decides(node, expected):
    assert VIEW.value(node) == expected


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ({"Ref": "Env"}, "depends on parameter Env"),
        ({"Ref": "Bucket"}, "Ref to resource `Bucket` is known only after deployment"),
        ({"Ref": "AWS::Region"}, "pseudo parameter AWS::Region is known only at deploy time"),
        ({"Ref": "Nowhere"}, "Ref to `Nowhere`, which this template does not declare"),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, "Fn::GetAtt Bucket.Arn is known only after deployment"),
        (
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}]]},
            "pseudo parameter AWS::Partition is known only at deploy time",
        ),
        ({"Fn::Sub": "${Env}-x"}, "Fn::Sub placeholder ${Env}: depends on parameter Env"),
        ({"Fn::ImportValue": "shared"}, "Fn::ImportValue is decided only at deploy time"),
        ({"Fn::If": ["C", 1, 2]}, "Fn::If on condition `C`: condition 'C' is not in Conditions"),
        ({"Fn::FindInMap": ["Ports", "web", "https"]}, "Fn::FindInMap ['Ports', 'web', 'https'] is not in Mappings"),
    ],
)
def test_value_is_unresolved_with_a_reason_for_deploy_time_values(node, reason):
    found = VIEW.value(node)
    assert isinstance(found, Unresolved)
    assert found.reason == reason


def test_parameters_are_never_resolved_to_their_default():
    assert isinstance(VIEW.value({"Ref": "Env"}), Unresolved)


@pytest.mark.parametrize(
    ("node", "text"),
    [
        ("dms.amazonaws.com", "dms.amazonaws.com"),
        ("has ${dollar", "has ${!dollar"),
        (443, "443"),
        (False, "false"),
        ({"Ref": "AWS::Region"}, "${AWS::Region}"),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, "${Bucket.Arn}"),
        ({"Fn::GetAtt": "Bucket.Arn"}, "${Bucket.Arn}"),
        ({"Fn::Join": ["", ["dms.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}, "dms.${AWS::Region}.amazonaws.com"),
        (
            {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Secret"}, ":SecretString:password::}}"]]},
            "{{resolve:secretsmanager:${Secret}:SecretString:password::}}",
        ),
        (
            {
                "Fn::Sub": [
                    "${Prefix}.${AWS::URLSuffix}",
                    {"Prefix": {"Fn::Join": ["", ["dms.", {"Ref": "AWS::Region"}]]}},
                ]
            },
            "dms.${AWS::Region}.${AWS::URLSuffix}",
        ),
        ({"Fn::FindInMap": ["Ports", "web", "http"]}, "80"),
    ],
)
def test_text_renders_a_sub_template(node, text):
    assert VIEW.text(node) == text


@pytest.mark.parametrize(
    "node",
    [
        {"Fn::If": ["C", "a", "b"]},
        {"Fn::ImportValue": "x"},
        ["a"],
        {"Key": "v"},
        {"Fn::Join": ["", {"Fn::GetAZs": ""}]},
    ],
)
def test_text_is_unresolved_without_a_string_form(node):
    assert isinstance(VIEW.text(node), Unresolved)


@pytest.mark.parametrize(
    ("node", "target"),
    [
        ({"Ref": "Bucket"}, "Bucket"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "Role"),
        ({"Fn::GetAtt": "Role.Arn"}, "Role"),
        ({"Ref": "Env"}, None),
        ({"Ref": "AWS::Region"}, None),
        ({"Fn::ImportValue": "x"}, None),
        ("Bucket", None),
    ],
)
def test_target_names_the_resource_a_reference_points_at(node, target):
    assert VIEW.target(node) == target


def test_sections_skip_entries_that_are_not_objects():
    assert list(VIEW.outputs) == ["Name"]
    assert list(VIEW.of_type("AWS::S3::Bucket")) == ["Bucket"]
    assert (VIEW.type_of("Role"), VIEW.type_of("Nope"), VIEW.type_of(None)) == ("AWS::IAM::Role", None, None)
    assert (VIEW.properties("Bucket"), VIEW.properties("Role")) == ({"BucketName": "logs"}, {})
    assert TemplateView({}).resources == {}


def test_a_partial_view_explains_names_it_does_not_hold():
    view = TemplateView({"Resources": {"Db": {"Type": "AWS::RDS::DBInstance"}}}, whole=False)
    assert view.value({"Ref": "Encrypt"}) == Unresolved(
        "Ref to `Encrypt` (a parameter or another resource) is decided at deploy time", "Ref Encrypt"
    )


def test_walk_yields_every_node_with_its_path():
    assert list(TemplateView({}).walk({"A": [1, {"B": 2}]}, ("Root",))) == [
        (("Root",), {"A": [1, {"B": 2}]}),
        (("Root", "A"), [1, {"B": 2}]),
        (("Root", "A", 0), 1),
        (("Root", "A", 1), {"B": 2}),
        (("Root", "A", 1, "B"), 2),
    ]


def test_helpers():
    assert (as_list(None), as_list("a"), as_list(["a", "b"])) == ([], ["a"], ["a", "b"])
    assert placeholders("a${X}b${!Y}${Z.Arn}") == ["X", "Z.Arn"]
    assert statements({"Statement": {"Effect": "Allow"}}) == [{"Effect": "Allow"}]
    assert statements({"Fn::If": []}) == [] and statements("x") == []
    assert action_matches("iam:Pass*", "iam:PassRole") and action_matches("*", "iam:PassRole")
    assert not action_matches("iam:Get*", "iam:PassRole")
    assert is_intrinsic({"Fn::If": []}) and not is_intrinsic({"Statement": []}) and not is_intrinsic("x")
    assert clean({"A": {"__startline__": 3, "B": [{"__file__": "x", "C": 1}]}}) == {"A": {"B": [{"C": 1}]}}


def test_verdict_normalizes_outcome_and_path():
    verdict = Verdict("FAILED", "Bucket `B`: ...", "B", ["Properties", "X"])
    assert (verdict.outcome, verdict.path) == (Outcome.FAILED, ("Properties", "X"))
    with pytest.raises(ValueError):
        Verdict("MAYBE", "")
