"""The value model under TemplateView: equal-by-construction expressions, parameter bindings, declared attributes, conditions."""

from __future__ import annotations

import pytest

from stackcheck.scan.policy import TemplateView, Unresolved
from stackcheck.scan.values import declared_attribute, expression

TEMPLATE = {
    "Parameters": {"Stage": {"Type": "String"}, "Other": {"Type": "String"}},
    "Conditions": {
        "SameStage": {"Fn::Equals": [{"Ref": "Stage"}, {"Ref": "Stage"}]},
        "IsLive": {"Fn::Equals": [{"Ref": "Stage"}, "live"]},
        "NotLive": {"Fn::Not": [{"Condition": "IsLive"}]},
        "LiveOrSame": {"Fn::Or": [{"Condition": "IsLive"}, {"Condition": "SameStage"}]},
        "Loop": {"Condition": "Loop"},
    },
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "PoolVpc": {"Type": "AWS::EC2::VPC", "Properties": {"Ipv4IpamPoolId": "ipam-pool-1"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Arn": "not an attribute echo"}},
    },
}
VIEW = TemplateView(TEMPLATE)


def test_identical_unresolved_expressions_are_equal_and_different_ones_are_not():
    assert VIEW.value({"Ref": "Stage"}) == VIEW.value({"Ref": "Stage"})
    assert VIEW.value({"Fn::Sub": "${Stage}-x"}) == VIEW.value({"Fn::Sub": "${Stage}-x"})
    assert VIEW.value({"Ref": "Stage"}) != VIEW.value({"Ref": "Other"})
    assert VIEW.value({"Ref": "Stage"}) != 8080
    assert len({VIEW.value({"Ref": "Stage"}), VIEW.value({"Ref": "Stage"}), VIEW.value({"Ref": "Other"})}) == 2


def test_expression_is_the_canonical_text_of_an_intrinsic():
    assert expression("Ref", "AppPort") == "Ref AppPort"
    assert expression("Fn::GetAtt", ["Db", "Endpoint.Port"]) == "Fn::GetAtt Db.Endpoint.Port"
    assert expression("Fn::GetAtt", "Db.Endpoint.Port") == "Fn::GetAtt Db.Endpoint.Port"
    assert expression("Fn::Join", ["", ["a", {"Ref": "B"}]]) == '{"Fn::Join": ["", ["a", {"Ref": "B"}]]}'
    assert str(VIEW.value({"Ref": "Stage"})) == "Ref Stage"


def test_an_unconstrained_parameter_is_unknown_and_names_itself():
    found = VIEW.value({"Ref": "Stage"})
    assert isinstance(found, Unresolved)
    assert (found.reason, found.expr) == ("depends on parameter Stage", "Ref Stage")


def test_a_bound_parameter_is_its_value_in_every_intrinsic():
    view = TemplateView(TEMPLATE, bindings={"Stage": "live"})
    assert view.value({"Ref": "Stage"}) == "live"
    assert view.value({"Fn::Sub": "${Stage}-${AWS::NoValue}"}) == Unresolved(
        "Fn::Sub placeholder ${AWS::NoValue}: pseudo parameter AWS::NoValue is known only at deploy time",
        '{"Fn::Sub": "${Stage}-${AWS::NoValue}"}',
    )
    assert view.value({"Fn::Sub": "app-${Stage}"}) == "app-live"
    assert view.value({"Fn::Join": ["/", [{"Ref": "Stage"}, "x"]]}) == "live/x"
    assert view.value({"Fn::If": ["IsLive", "a", "b"]}) == "a"
    assert view.text({"Fn::Join": ["", ["${", {"Ref": "Stage"}]]}) == "${!live"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"Fn::GetAtt": ["Vpc", "CidrBlock"]}, "10.0.0.0/16"),
        ({"Fn::GetAtt": "Subnet.CidrBlock"}, "10.0.1.0/24"),
        ({"Fn::Sub": "${Vpc.CidrBlock}"}, "10.0.0.0/16"),
        ({"Fn::Select": [0, [{"Fn::GetAtt": ["Subnet", "CidrBlock"]}]]}, "10.0.1.0/24"),
    ],
)
def test_getatt_of_a_declared_property_that_the_attribute_echoes_is_resolved(node, expected):
    assert VIEW.value(node) == expected


@pytest.mark.parametrize(
    ("arg", "reason"),
    [
        (
            ["PoolVpc", "CidrBlock"],
            "Fn::GetAtt PoolVpc.CidrBlock: `PoolVpc` does not declare CidrBlock, so AWS picks it",
        ),
        (["Bucket", "Arn"], "Fn::GetAtt Bucket.Arn is known only after deployment"),
        (["Vpc", "VpcId"], "Fn::GetAtt Vpc.VpcId is known only after deployment"),
        (["Nowhere", "CidrBlock"], "Fn::GetAtt Nowhere.CidrBlock is known only after deployment"),
    ],
)
def test_getatt_the_template_does_not_decide_stays_unresolved(arg, reason):
    assert declared_attribute(VIEW, arg) == Unresolved(reason, f"Fn::GetAtt {arg[0]}.{arg[1]}")


def test_getatt_of_a_declared_expression_is_that_expression():
    assert VIEW.value({"Fn::GetAtt": ["Subnet", "VpcId"]}) == VIEW.value({"Ref": "Vpc"})


@pytest.mark.parametrize(
    ("condition", "bindings", "expected"),
    [
        ("SameStage", {}, "same"),  # Fn::Equals of one expression with itself holds by construction
        ("IsLive", {"Stage": "live"}, "same"),
        ("IsLive", {"Stage": "dev"}, "other"),
        ("NotLive", {"Stage": "dev"}, "same"),
        ("LiveOrSame", {}, "same"),  # one true operand decides an Fn::Or
    ],
)
def test_fn_if_follows_conditions_the_template_decides(condition, bindings, expected):
    view = TemplateView(TEMPLATE, bindings=bindings)
    assert view.value({"Fn::If": [condition, "same", "other"]}) == expected


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("IsLive", "Fn::If on condition `IsLive`: depends on parameter Stage"),
        ("Loop", "Fn::If on condition `Loop`: condition `Loop` refers to itself"),
        ("Missing", "Fn::If on condition `Missing`: condition 'Missing' is not in Conditions"),
    ],
)
def test_fn_if_on_an_undecided_condition_is_unresolved_unless_both_branches_agree(condition, reason):
    found = VIEW.value({"Fn::If": [condition, "a", "b"]})
    assert isinstance(found, Unresolved)
    assert found.reason == reason
    assert VIEW.value({"Fn::If": [condition, {"Fn::GetAtt": "Vpc.CidrBlock"}, "10.0.0.0/16"]}) == "10.0.0.0/16"


def test_an_attribute_declared_as_itself_is_unresolved_not_a_hang():
    view = TemplateView(
        {"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"VpcId": {"Fn::GetAtt": "Sg.VpcId"}}}}}
    )
    found = view.value({"Fn::GetAtt": ["Sg", "VpcId"]})
    assert isinstance(found, Unresolved)
    assert (found.reason, found.expr) == ("Fn::GetAtt Sg.VpcId refers to itself", "Fn::GetAtt Sg.VpcId")
