"""Route53 cutover: hosted zone, weighted records, aliases to both ALBs."""

from __future__ import annotations

from stackcheck.aws import normalize
from stackcheck.aws.asserts import assert_same_identifier

EXPECTED_WEIGHTS = {"source": 100, "target": 0}


def _weighted_records(route53, zone_id: str, record_name: str) -> dict[str, dict]:
    paginator = route53.get_paginator("list_resource_record_sets")
    records = [r for page in paginator.paginate(HostedZoneId=zone_id) for r in page["ResourceRecordSets"]]
    return {
        r["SetIdentifier"]: r
        for r in records
        if "SetIdentifier" in r and normalize.zone_name(r["Name"]) == normalize.zone_name(record_name)
    }


def test_hosted_zone_exists_with_its_name(outputs, aws_client):
    zone_id = outputs.get(role=None, kind="hosted_zone", attr="id")
    zone = aws_client("route53").get_hosted_zone(Id=zone_id)["HostedZone"]
    assert_same_identifier("hosted_zone_id", zone["Id"], zone_id)
    assert_same_identifier("zone_name", zone["Name"], outputs.get(role=None, kind="hosted_zone", attr="name"))
    assert zone["Config"]["PrivateZone"] is False


def test_weighted_records_have_set_identifiers_and_weights(outputs, aws_client):
    records = _weighted_records(
        aws_client("route53"),
        outputs.get(role=None, kind="hosted_zone", attr="id"),
        outputs.get(role=None, kind="dns_record", attr="name"),
    )
    assert {k: (r["Type"], r["Weight"]) for k, r in records.items()} == {
        k: ("A", w) for k, w in EXPECTED_WEIGHTS.items()
    }


def test_weighted_record_aliases_its_environment_alb(outputs, aws_client, role):
    records = _weighted_records(
        aws_client("route53"),
        outputs.get(role=None, kind="hosted_zone", attr="id"),
        outputs.get(role=None, kind="dns_record", attr="name"),
    )
    alias = records[role]["AliasTarget"]
    (alb,) = aws_client("elbv2").describe_load_balancers(
        LoadBalancerArns=[outputs.get(role=role, kind="load_balancer", attr="arn")]
    )["LoadBalancers"]
    assert_same_identifier("dns_name", alias["DNSName"], alb["DNSName"])
    assert_same_identifier("dns_name", alias["DNSName"], outputs.get(role=role, kind="load_balancer", attr="dns"))
    assert alias["HostedZoneId"] == alb["CanonicalHostedZoneId"]
