"""Output resolution on shapes other apps produce: CDK hash suffixes, ExportsOutput keys, S3 endpoint
names, per-stack files repeating a key, exact-key and stack-qualified lookups."""

from __future__ import annotations

import json

import pytest

from stackcheck.errors import AmbiguousOutputError, OutputNotFoundError
from stackcheck.outputs import OutputMatch, OutputResolver
from stackcheck.outputs.kinds import strip_cdk_hash


def test_an_s3_endpoint_name_never_passes_as_the_bucket_name():
    # the name is derived from the ARN; the bucket's domain names obey the naming rules too, but are not its name
    resolver = OutputResolver(
        {
            "SiteBucketDomainName": "site-1.s3.amazonaws.com",
            "SiteBucketRegionalDomainName": "site-1.s3.eu-west-1.amazonaws.com",
            "SiteBucketWebsiteUrl": "http://site-1.s3-website-eu-west-1.amazonaws.com",
            "SiteBucketArn": "arn:aws:s3:::site-1",
        }
    )
    assert resolver.resolve(role=None, kind="bucket", attr="name") == OutputMatch(
        "SiteBucketArn", "site-1", derived_from="arn"
    )


@pytest.mark.parametrize(
    ("key", "stripped"),
    [
        ("WebLoadBalancerDnsName3F1A9B2C", "WebLoadBalancerDnsName"),
        ("StorageLogsBucketNameE5B2A1D0", "StorageLogsBucketName"),
        ("SourceVpcId", "SourceVpcId"),
        ("DEADBEEFCAFEBABE", "DEADBEEFCAFEBABE"),  # no digit: words, not a hash
        ("ABCDEF12", "ABCDEF12"),  # nothing left before it: a key, not a suffix
    ],
)
def test_cdk_hash_suffix(key, stripped):
    assert strip_cdk_hash(key) == stripped


def test_keys_with_cdk_hash_suffixes_resolve_and_look_up():
    resolver = OutputResolver({"StorageLogsBucketNameE5B2A1D0": "logs-1"})
    assert resolver.get(role=None, kind="bucket", attr="name") == "logs-1"
    assert resolver.value("StorageLogsBucketName") == "logs-1"
    assert resolver.value("StorageLogsBucketNameE5B2A1D0") == "logs-1"


def test_the_apps_own_outputs_rank_above_cdks_exports_outputs():
    resolver = OutputResolver(
        {"ExportsOutputRefLogsBucket9C4D8843": "exported-logs", "LogsBucketName": "logs"},
    )
    assert resolver.get(role=None, kind="bucket", attr="name") == "logs"
    only_exports = OutputResolver({"ExportsOutputRefLogsBucket9C4D8843": "exported-logs"})
    assert only_exports.get(role=None, kind="bucket", attr="name") == "exported-logs"


NESTED = {
    "AppBlue": {"BucketName": "blue-b", "ApiUrl": "https://blue.example.com"},
    "AppGreen": {"BucketName": "green-b", "ApiUrl": "https://green.example.com"},
}


def test_a_key_repeated_across_stacks_is_found_by_stack_or_role():
    resolver = OutputResolver.from_nested(NESTED, roles={"source": ["blue"], "target": ["green"]})
    assert sorted(resolver.entries) == [
        "AppBlue/ApiUrl",
        "AppBlue/BucketName",
        "AppGreen/ApiUrl",
        "AppGreen/BucketName",
    ]
    assert resolver.get(role="source", kind="bucket", attr="name") == "blue-b"
    assert resolver.resolve(role="target", kind="bucket", attr="name") == OutputMatch(
        "BucketName", "green-b", stack="AppGreen"
    )
    assert resolver.value("BucketName", stack="AppGreen") == "green-b"


def test_a_repeated_key_without_a_stack_is_ambiguous_naming_the_stacks():
    resolver = OutputResolver.from_nested(NESTED)
    with pytest.raises(AmbiguousOutputError) as err:
        resolver.value("BucketName")
    assert str(err.value) == (
        "output 'BucketName' is declared by stacks ['AppBlue', 'AppGreen'] in DescribeStacks; pass stack="
    )
    with pytest.raises(AmbiguousOutputError, match=r"pass stack= one of \['AppBlue', 'AppGreen'\]"):
        resolver.get(role=None, kind="bucket", attr="name")
    assert resolver.get(role=None, kind="bucket", attr="name", stack="AppBlue") == "blue-b"


def test_a_stack_not_in_the_file_is_named():
    resolver = OutputResolver.from_nested(NESTED)
    with pytest.raises(OutputNotFoundError) as err:
        resolver.value("BucketName", stack="AppPurple")
    assert err.value.message == "stack 'AppPurple' is not in DescribeStacks; stacks there: AppBlue, AppGreen"
    with pytest.raises(OutputNotFoundError, match="stack 'AppPurple' is not in"):
        resolver.get(role=None, kind="bucket", attr="name", stack="AppPurple")


def test_an_exact_key_that_is_missing_names_the_closest_keys():
    resolver = OutputResolver({"SourceVpcId": "vpc-1", "TargetVpcId": "vpc-2"})
    with pytest.raises(OutputNotFoundError) as err:
        resolver.value("SourceVpcID")
    assert err.value.message == (f"output 'SourceVpcID' not found in {resolver.source}; closest keys: ['SourceVpcId']")


def test_a_per_stack_file_repeating_a_key_is_read_whole(tmp_path):
    path = tmp_path / "all-outputs.json"
    path.write_text(json.dumps(NESTED))
    resolver = OutputResolver.from_file(path)
    assert resolver.stacks == ["AppBlue", "AppGreen"]
    assert resolver.value("ApiUrl", stack="AppBlue") == "https://blue.example.com"
    assert resolver.source == str(path)


# Route 53 hosted zone IDs and names: https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html
@pytest.mark.parametrize(
    ("key", "attr", "value"),
    [
        ("ZoneId", "id", "Z0123456789ABCDEFGHIJ"),
        ("PublicZoneId", "id", "Z0123456789ABCDEFGHIJ"),
        ("HostedZoneIdOutput", "id", "/hostedzone/Z0123456789ABCDEFGHIJ"),
        ("PrivateZoneName", "name", "internal.example.com"),
    ],
)
def test_a_zone_key_without_the_word_hosted_resolves_to_the_hosted_zone(key: str, attr: str, value: str) -> None:
    resolver = OutputResolver({key: value})
    assert resolver.entries[key].kinds == ("hosted_zone",)
    assert resolver.resolve(role=None, kind="hosted_zone", attr=attr) == OutputMatch(key, value)


def test_an_availability_zone_never_passes_as_a_hosted_zone_id() -> None:
    resolver = OutputResolver({"AvailabilityZone": "us-east-1a", "PublicZoneId": "Z0123456789ABCDEFGHIJ"})
    assert resolver.get(role=None, kind="hosted_zone", attr="id") == "Z0123456789ABCDEFGHIJ"
    with pytest.raises(OutputNotFoundError) as err:
        OutputResolver({"AvailabilityZone": "us-east-1a"}).get(role=None, kind="hosted_zone", attr="id")
    assert "candidates: [AvailabilityZone (value 'us-east-1a' is not a Route 53 hosted zone ID)]" in str(err.value)
