"""The Route 53 readers on the emulator: a hosted zone with two weighted records, read live and diffed for drift.

The module deploys one small stack. The weight test puts the record back; the deletion test runs last.
"""

from __future__ import annotations

from typing import Any

import pytest

from stackcheck.compliance import LiveReader, deployed_stacks
from stackcheck.drift.live import LiveDrift
from stackcheck.drift.model import ResourceDrift
from stackcheck.emulator.process import EmulatorRecord, reset
from tests.unit.stackcheck.test_compliance import Live, write_assembly

pytestmark = pytest.mark.emulator

ZONE_NAME = "fixture.example.com."
RECORD_NAME = "app.fixture.example.com"


def record(identifier: str, weight: int, address: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "HostedZoneId": {"Ref": "Zone"},
            "Name": RECORD_NAME,
            "Type": "A",
            "SetIdentifier": identifier,
            "Weight": weight,
            "TTL": "60",
            "ResourceRecords": [address],
        },
    }


TEMPLATE = {
    "Resources": {
        "Zone": {
            "Type": "AWS::Route53::HostedZone",
            "Properties": {"Name": ZONE_NAME, "HostedZoneConfig": {"Comment": "fixture zone"}},
        },
        "Blue": record("blue", 75, "192.0.2.10"),
        "Green": record("green", 25, "192.0.2.20"),
    }
}


@pytest.fixture(scope="module")
def dns(emulator_server: EmulatorRecord, tmp_path_factory: pytest.TempPathFactory) -> Live:
    """The zone and its two weighted records deployed once as stack ``Fixture``."""
    from stackcheck.emulator.deploy import deploy_assembly

    root = tmp_path_factory.mktemp("dns")
    reset(emulator_server)
    assembly = write_assembly(root / "cdk.out", {"Fixture": TEMPLATE})
    deploy_assembly(assembly, emulator_server, outputs_dir=root / "cfn-outputs")
    return Live(emulator_server, assembly, None)


def drift(live: Live) -> dict[str, ResourceDrift]:
    (result,) = LiveDrift(live.factory()).detect(live.assembly.dependency_order())
    return {r.logical_id: r for r in result.resources}


def change_weight(live: Live, identifier: str, weight: int, address: str) -> None:
    live.aws("route53").change_resource_record_sets(
        HostedZoneId=live.physical_id("Zone"),
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": RECORD_NAME + ".",
                        "Type": "A",
                        "SetIdentifier": identifier,
                        "Weight": weight,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": address}],
                    },
                }
            ]
        },
    )


def test_zone_and_weighted_records_are_read_with_exactly_their_properties(dns):
    (deployed,) = deployed_stacks(dns.aws("cloudformation"), dns.assembly.dependency_order())
    live = LiveReader(dns.factory(), [deployed]).live_template(
        deployed, {"AWS::Route53::HostedZone", "AWS::Route53::RecordSet"}
    )
    zone = dns.physical_id("Zone")
    records = {
        name: {
            "Name": RECORD_NAME,
            "Type": "A",
            "SetIdentifier": identifier,
            "Weight": weight,
            "TTL": 60,
            "HostedZoneId": zone,
            "ResourceRecords": [address],
        }
        for name, identifier, weight, address in (
            ("Blue", "blue", 75, "192.0.2.10"),
            ("Green", "green", 25, "192.0.2.20"),
        )
    }
    assert {k: v["Properties"] for k, v in live.template["Resources"].items()} == {
        "Zone": {"Name": ZONE_NAME, "HostedZoneConfig": {"Comment": "fixture zone"}},
        **records,
    }
    assert {k: r.operations for k, r in live.resources.items()} == {
        "Zone": ["route53:GetHostedZone"],
        "Blue": ["route53:ListResourceRecordSets"],
        "Green": ["route53:ListResourceRecordSets"],
    }


def test_a_cutover_weight_changed_out_of_band_is_drift_on_that_record_only(dns):
    assert {lid: r.status.value for lid, r in drift(dns).items()} == {
        "Zone": "IN_SYNC",
        "Blue": "IN_SYNC",
        "Green": "IN_SYNC",
    }
    change_weight(dns, "green", 50, "192.0.2.20")
    try:
        found = drift(dns)
        assert {lid: r.status.value for lid, r in found.items()} == {
            "Zone": "IN_SYNC",
            "Blue": "IN_SYNC",
            "Green": "MODIFIED",
        }
        assert [(d.property_path, d.expected, d.actual, d.difference_type) for d in found["Green"].differences] == [
            ("/Weight", "25", "50", "NOT_EQUAL")
        ]
    finally:
        change_weight(dns, "green", 25, "192.0.2.20")
    assert drift(dns)["Green"].status.value == "IN_SYNC"


def test_a_record_deleted_out_of_band_is_deleted_not_unknown(dns):
    dns.aws("route53").change_resource_record_sets(
        HostedZoneId=dns.physical_id("Zone"),
        ChangeBatch={
            "Changes": [
                {
                    "Action": "DELETE",
                    "ResourceRecordSet": {
                        "Name": RECORD_NAME + ".",
                        "Type": "A",
                        "SetIdentifier": "blue",
                        "Weight": 75,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "192.0.2.10"}],
                    },
                }
            ]
        },
    )
    found = drift(dns)
    assert {lid: r.status.value for lid, r in found.items()} == {
        "Zone": "IN_SYNC",
        "Blue": "DELETED",
        "Green": "IN_SYNC",
    }
