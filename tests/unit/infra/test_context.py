"""The app's context schema: the strings the cdk CLI passes mean what they say; a bad value names the key, the value and the valid form."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.context import ContextError, read_context
from stackcheck.assembly import load_cdk_json

from .conftest import ROOT

CDK_JSON_CONTEXT = load_cdk_json(ROOT)["context"]


def context(**given):
    return read_context(given.get)


def test_defaults_when_nothing_is_given():
    ctx = context()
    assert (ctx.environment_suffix, ctx.availability_zones, ctx.hosted_zone_name, ctx.record_name) == (
        "dev",
        ("us-east-1a", "us-east-1b"),
        "payments-dev.example.com",
        "app",
    )
    assert (ctx.source_weight, ctx.target_weight, ctx.database_deletion_protection, ctx.benchmark_environments) == (
        100,
        0,
        True,
        1,
    )


@pytest.mark.parametrize(
    ("given", "field", "value"),
    [
        ({"databaseDeletionProtection": "false"}, "database_deletion_protection", False),
        ({"databaseDeletionProtection": "False"}, "database_deletion_protection", False),
        ({"databaseDeletionProtection": "true"}, "database_deletion_protection", True),
        ({"databaseDeletionProtection": False}, "database_deletion_protection", False),
        ({"sourceWeight": "30"}, "source_weight", 30),
        ({"targetWeight": 255}, "target_weight", 255),
        ({"availabilityZones": "eu-west-1a,eu-west-1b"}, "availability_zones", ("eu-west-1a", "eu-west-1b")),
        ({"availabilityZones": '["eu-west-1a", "eu-west-1c"]'}, "availability_zones", ("eu-west-1a", "eu-west-1c")),
        ({"availabilityZones": ["cn-north-1a", "cn-north-1b"]}, "availability_zones", ("cn-north-1a", "cn-north-1b")),
        ({"hostedZoneName": "Pay.Example.ORG."}, "hosted_zone_name", "pay.example.org"),
        ({"environmentSuffix": "qa2"}, "environment_suffix", "qa2"),
    ],
)
def test_cli_strings_and_json_values_parse(given, field, value):
    assert getattr(context(**given), field) == value


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"availabilityZones": "us-east-1a"},
            "context availabilityZones='us-east-1a' is only one zone (the Multi-AZ database and the load balancer "
            'need two); use two or more distinct zones of one region: a JSON list ["us-east-1a","us-east-1b"] or '
            '"us-east-1a,us-east-1b"',
        ),
        (
            {"availabilityZones": "us-east-1a,eu-west-1b"},
            "context availabilityZones='us-east-1a,eu-west-1b' is a list of zones in more than one region "
            "(eu-west-1, us-east-1); use two or more",
        ),
        ({"availabilityZones": ["us-east-1a", "us-east-1a"]}, "is a list naming a zone twice; use"),
        ({"availabilityZones": "us-east-1"}, "is not a list of Availability Zone names ('us-east-1' is not one)"),
        ({"availabilityZones": "[us-east-1a"}, "is not a JSON list; use"),
        ({"environmentSuffix": ""}, "context environmentSuffix='' is empty; use lowercase letters"),
        ({"environmentSuffix": "QA"}, "context environmentSuffix='QA' is not lowercase letters, digits and inner"),
        ({"sourceWeight": "abc"}, "context sourceWeight='abc' is not an integer; use an integer 0..255 (a Route 53"),
        ({"targetWeight": 256}, "context targetWeight=256 is outside 0..255; use an integer 0..255"),
        ({"targetWeight": True}, "context targetWeight=True is not an integer"),
        (
            {"databaseDeletionProtection": "nope"},
            "context databaseDeletionProtection='nope' is not a boolean; use true or false",
        ),
        ({"hostedZoneName": "localhost"}, "context hostedZoneName='localhost' is not a domain name with at least two"),
        ({"recordName": "bad_name"}, "context recordName='bad_name' is not a DNS name; use a DNS label"),
    ],
)
def test_bad_values_name_the_key_value_and_valid_form(given, message):
    with pytest.raises(ContextError) as err:
        context(**given)
    assert message in str(err.value)
    assert str(err.value).startswith(f"context {next(iter(given))}=")


def test_the_cli_string_false_turns_deletion_protection_off_in_the_templates():
    app = build_app(cdk.App(context={**CDK_JSON_CONTEXT, "databaseDeletionProtection": "false"}))
    for role in ("Source", "Target"):
        template = Template.from_stack(app.node.find_child(f"TapStackdev{role}"))
        (db,) = template.find_resources("AWS::RDS::DBInstance").values()
        assert db["Properties"]["DeletionProtection"] is False


def test_a_bad_value_stops_the_app_before_any_stack():
    with pytest.raises(ContextError, match="context sourceWeight='abc'"):
        build_app(cdk.App(context={**CDK_JSON_CONTEXT, "sourceWeight": "abc"}))
