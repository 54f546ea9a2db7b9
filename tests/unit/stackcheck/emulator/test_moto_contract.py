"""The moto internals the extension relies on are still there: a moto upgrade that moves one fails here, naming it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import stackcheck.emulator
from stackcheck.emulator import cfn
from stackcheck.emulator.cfn._registry import Internal, Patch, check_internal, check_patch

# Every module of the package registers what it relies on when imported.
for _module in pkgutil.walk_packages(stackcheck.emulator.__path__, "stackcheck.emulator."):
    importlib.import_module(_module.name)

EXPECTED_EXTENDED = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CDK::Metadata",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudWatch::Alarm",
    "AWS::Lambda::Alias",
    "AWS::DMS::Endpoint",
    "AWS::DMS::ReplicationInstance",
    "AWS::DMS::ReplicationSubnetGroup",
    "AWS::DMS::ReplicationTask",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::Secret",
    "AWS::SecretsManager::SecretTargetAttachment",
    "AWS::WAFv2::WebACL",
}


@pytest.mark.parametrize("internal", cfn.INTERNALS, ids=lambda i: i.name)
def test_moto_internal_is_still_there(internal: Internal):
    problem = check_internal(internal)
    assert problem is None, problem


@pytest.mark.parametrize("wrapped", cfn.PATCHES, ids=lambda p: f"{p.kind}:{p.internal.name}")
def test_patched_moto_attribute_has_the_expected_shape(wrapped: Patch):
    problem = check_patch(wrapped)
    assert problem is None, problem


@pytest.mark.parametrize("wrapped", cfn.PATCHES, ids=lambda p: p.internal.name)
def test_every_patch_docstring_names_the_aws_doc_it_follows(wrapped: Patch):
    assert wrapped.doc_url.startswith("https://docs.aws.amazon.com/")
    doc = " ".join((wrapped.wrapper.__doc__ or "").split())
    assert "Follows https://docs.aws.amazon.com/" in doc and wrapped.doc_url in doc


@pytest.mark.parametrize("resource_type", sorted(cfn.EXTENDED))
def test_every_model_docstring_names_the_aws_doc_it_follows(resource_type: str):
    assert "Follows https://docs.aws.amazon.com/" in (cfn.EXTENDED[resource_type].__doc__ or "")


def test_extension_models_are_the_ones_moto_parses_with():
    from moto.cloudformation.parsing import get_model_map

    cfn.install()
    model_map = get_model_map()
    assert set(cfn.EXTENDED) == EXPECTED_EXTENDED
    assert {t for t in EXPECTED_EXTENDED if model_map.get(t) is not cfn.EXTENDED[t]} == set()


def test_extension_types_are_not_native_moto_types():
    # A moto upgrade that adds one of these makes ours shadow it: decide which to keep.
    assert set(cfn.EXTENDED) & set(cfn.moto_native_types()) == set()


def test_models_of_logs_are_discovered_although_moto_parser_does_not_import_them():
    assert cfn.moto_native_types()["AWS::Logs::LogGroup"] == "moto.logs.models.LogGroup"


def test_check_internal_names_a_missing_attribute():
    problem = check_internal(Internal("moto.s3.models", "FakeBucket.no_such_method"))
    assert problem is not None and "moto.s3.models.FakeBucket.no_such_method" in problem


def test_check_internal_names_a_changed_signature():
    problem = check_internal(Internal("moto.s3.models", "S3Backend.put_bucket_versioning", params=("bucket", "status")))
    assert problem is not None
    assert "moto.s3.models.S3Backend.put_bucket_versioning" in problem and "['bucket']" in problem


def test_check_internal_names_a_dropped_assignment():
    problem = check_internal(Internal("moto.elbv2.models", "FakeLoadBalancer.__init__", assigns=("zone_of_the_lb",)))
    assert problem == "moto internal moto.elbv2.models.FakeLoadBalancer.__init__ no longer sets self.zone_of_the_lb"


def test_check_patch_flags_an_addition_moto_now_has(monkeypatch):
    from moto.elbv2.models import FakeTargetGroup

    (addition,) = [p for p in cfn.PATCHES if p.internal.name == "moto.elbv2.models.FakeTargetGroup.get_cfn_attribute"]
    cfn.install()
    assert check_patch(addition) is None  # our own addition is not moto's
    from stackcheck.emulator.cfn import _registry

    saved = _registry._APPLIED.pop(addition.internal.name)
    try:
        problem = check_patch(addition)
    finally:
        _registry._APPLIED[addition.internal.name] = saved
    assert FakeTargetGroup.get_cfn_attribute is addition.wrapper
    assert problem is not None and "moto now defines moto.elbv2.models.FakeTargetGroup.get_cfn_attribute" in problem
