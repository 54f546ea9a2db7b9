"""Route53 stack: hosted zone, weighted alias records to both ALBs, the DMS replication task."""

from __future__ import annotations

import json


def test_weighted_alias_records_point_at_both_albs(templates):
    records = [
        r["Properties"] for r in templates["Route53"]["Resources"].values() if r["Type"] == "AWS::Route53::RecordSet"
    ]
    shaped = sorted(
        (
            r["SetIdentifier"],
            r["Weight"],
            r["Type"],
            r["AliasTarget"]["HostedZoneId"],
            json.dumps(r["AliasTarget"]["DNSName"]),
        )
        for r in records
    )
    assert shaped == [
        (
            "source",
            100,
            "A",
            {"Fn::ImportValue": "TapStackdevSource:LoadBalancerCanonicalHostedZoneId"},
            json.dumps(
                {"Fn::Join": ["", ["dualstack.", {"Fn::ImportValue": "TapStackdevSource:LoadBalancerDnsName"}]]}
            ),
        ),
        (
            "target",
            0,
            "A",
            {"Fn::ImportValue": "TapStackdevTarget:LoadBalancerCanonicalHostedZoneId"},
            json.dumps(
                {"Fn::Join": ["", ["dualstack.", {"Fn::ImportValue": "TapStackdevTarget:LoadBalancerDnsName"}]]}
            ),
        ),
    ]


def test_every_import_matches_an_export_of_a_dependency(app_assembly):
    route53 = app_assembly.stack("TapStackdevRoute53")
    text = json.dumps(route53.template)
    exported = {name for dep in route53.dependencies for name in app_assembly.stack(dep).exports}
    imports = {part.split('"')[0] for part in text.split('{"Fn::ImportValue": "')[1:]}
    assert imports and imports <= exported


def test_replication_task_is_full_load_and_cdc_from_source_to_target(template):
    template("Route53").has_resource_properties(
        "AWS::DMS::ReplicationTask",
        {
            "MigrationType": "full-load-and-cdc",
            "SourceEndpointArn": {"Fn::ImportValue": "TapStackdevSource:DmsEndpointArn"},
            "TargetEndpointArn": {"Fn::ImportValue": "TapStackdevTarget:DmsEndpointArn"},
            "ReplicationInstanceArn": {"Fn::ImportValue": "TapStackdevTarget:DmsReplicationInstanceArn"},
        },
    )


def test_hosted_zone_is_public_and_its_id_output_is_a_ref(templates):
    resources = templates["Route53"]["Resources"]
    ((zone_id, zone),) = [(k, r) for k, r in resources.items() if r["Type"] == "AWS::Route53::HostedZone"]
    assert zone["Properties"]["Name"] == "payments-migration.example.com."
    assert "VPCs" not in zone["Properties"]
    assert templates["Route53"]["Outputs"]["HostedZoneId"]["Value"] == {"Ref": zone_id}


def test_target_dms_reaches_the_source_database_over_peering(templates):
    resources = templates["Route53"]["Resources"]
    ((peering_id, peering),) = [(k, r) for k, r in resources.items() if r["Type"] == "AWS::EC2::VPCPeeringConnection"]
    assert peering["Properties"] == {
        "VpcId": {"Fn::ImportValue": "TapStackdevTarget:VpcId"},
        "PeerVpcId": {"Fn::ImportValue": "TapStackdevSource:VpcId"},
    }
    routes = {
        (r["Properties"]["RouteTableId"]["Fn::ImportValue"], r["Properties"]["DestinationCidrBlock"])
        for r in resources.values()
        if r["Type"] == "AWS::EC2::Route"
    }
    assert routes == {
        ("TapStackdevTarget:ApplicationRouteTable1Id", "10.10.0.0/16"),
        ("TapStackdevTarget:ApplicationRouteTable2Id", "10.10.0.0/16"),
        ("TapStackdevSource:DataRouteTable1Id", "10.20.0.0/16"),
        ("TapStackdevSource:DataRouteTable2Id", "10.20.0.0/16"),
    }
    assert all(
        r["Properties"]["VpcPeeringConnectionId"] == {"Ref": peering_id}
        for r in resources.values()
        if r["Type"] == "AWS::EC2::Route"
    )
    rules = sorted(
        (
            r["Type"],
            r["Properties"]["GroupId"]["Fn::ImportValue"],
            r["Properties"]["FromPort"],
            r["Properties"]["ToPort"],
        )
        for r in resources.values()
        if r["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
    )
    assert rules == [
        ("AWS::EC2::SecurityGroupEgress", "TapStackdevTarget:DmsSecurityGroupId", 5432, 5432),
        ("AWS::EC2::SecurityGroupIngress", "TapStackdevSource:DbSecurityGroupId", 5432, 5432),
    ]
