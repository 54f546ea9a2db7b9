"""The EC2 network readers on the emulator: one deployment of a small VPC fixture, its live template and its drift.

The module deploys ``tests/data/compliance/network.json`` once. Tests that change it out of band put it back;
the one that deletes resources (which CloudFormation cannot get back under the same physical IDs) runs last.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from stackcheck.compliance import DeployedStack, LiveReader, LiveTemplate, deployed_stacks
from stackcheck.compliance.live import READ_PROPERTIES, READERS
from stackcheck.compliance.live.ec2 import split_compound
from stackcheck.drift.live import LiveDrift
from stackcheck.drift.model import ResourceDrift
from stackcheck.emulator.process import EmulatorRecord, reset
from tests.unit.stackcheck.test_compliance import Live, fixture, write_assembly

pytestmark = pytest.mark.emulator

NETWORK_TYPES = (
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::FlowLog",
    "AWS::EC2::VPCPeeringConnection",
)
# The fixture's resources of NETWORK_TYPES.
NETWORK = {
    "Vpc",
    "PeerVpc",
    "Gateway",
    "GatewayAttachment",
    "PublicAssociation",
    "PrivateAssociation",
    "PublicRoute",
    "PrivateRoute",
    "PeerRoute",
    "Address",
    "Nat",
    "Peering",
    "DbFromApp",
    "DbFromOffice",
    "AppToDb",
    "FlowLog",
}


@pytest.fixture(scope="module")
def network(emulator_server: EmulatorRecord, tmp_path_factory: pytest.TempPathFactory) -> Live:
    """The network fixture deployed once as stack ``Fixture`` for the whole module."""
    from stackcheck.emulator.deploy import deploy_assembly

    root = tmp_path_factory.mktemp("network")
    reset(emulator_server)
    assembly = write_assembly(root / "cdk.out", {"Fixture": fixture("network")})
    deploy_assembly(assembly, emulator_server, outputs_dir=root / "cfn-outputs")
    return Live(emulator_server, assembly, None)


def stack(live: Live) -> DeployedStack:
    (found,) = deployed_stacks(live.aws("cloudformation"), live.assembly.dependency_order())
    return found


def read(live: Live, deployed: DeployedStack | None = None) -> LiveTemplate:
    deployed = deployed or stack(live)
    return LiveReader(live.factory(), [deployed]).live_template(deployed, set(NETWORK_TYPES))


def drift(live: Live) -> dict[str, ResourceDrift]:
    (result,) = LiveDrift(live.factory()).detect(live.assembly.dependency_order())
    return {r.logical_id: r for r in result.resources}


def differences(found: ResourceDrift) -> set[tuple[str, str, str, str]]:
    return {(d.property_path, d.expected, d.actual, d.difference_type) for d in found.differences}


def expected_properties(live: Live) -> dict[str, dict[str, Any]]:
    """Each network resource's live properties on a clean deployment, exactly."""
    ec2 = live.aws("ec2")
    (address,) = ec2.describe_addresses(PublicIps=[live.physical_id("Address")])["Addresses"]
    (nat,) = ec2.describe_nat_gateways(NatGatewayIds=[live.physical_id("Nat")])["NatGateways"]
    return {
        "Vpc": {
            "VpcId": live.physical_id("Vpc"),
            "CidrBlock": "10.50.0.0/16",
            "InstanceTenancy": "default",
            "EnableDnsSupport": True,
            "EnableDnsHostnames": True,
            "Tags": [{"Key": "Name", "Value": "fixture-vpc"}],
        },
        "PeerVpc": {
            "VpcId": live.physical_id("PeerVpc"),
            "CidrBlock": "10.60.0.0/16",
            "InstanceTenancy": "default",
            "EnableDnsSupport": True,
            "EnableDnsHostnames": False,
        },
        "Gateway": {
            "InternetGatewayId": live.physical_id("Gateway"),
            "Tags": [{"Key": "Name", "Value": "fixture-igw"}],
        },
        "GatewayAttachment": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}},
        "PublicAssociation": {"RouteTableId": {"Ref": "PublicTable"}, "SubnetId": {"Ref": "PublicSubnet"}},
        "PrivateAssociation": {"RouteTableId": {"Ref": "PrivateTable"}, "SubnetId": {"Ref": "PrivateSubnet"}},
        "PublicRoute": {
            "RouteTableId": {"Ref": "PublicTable"},
            "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": {"Ref": "Gateway"},
        },
        "PrivateRoute": {
            "RouteTableId": {"Ref": "PrivateTable"},
            "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": "Nat"},
        },
        "PeerRoute": {
            "RouteTableId": {"Ref": "PrivateTable"},
            "DestinationCidrBlock": "10.60.0.0/16",
            "VpcPeeringConnectionId": {"Ref": "Peering"},
        },
        "Address": {
            "PublicIp": live.physical_id("Address"),
            "AllocationId": address["AllocationId"],
            "Domain": "vpc",
            "Tags": [{"Key": "Name", "Value": "fixture-eip"}],
        },
        "Nat": {
            "SubnetId": {"Ref": "PublicSubnet"},
            "AllocationId": address["AllocationId"],
            "PrivateIpAddress": nat["NatGatewayAddresses"][0]["PrivateIp"],
            "ConnectivityType": "public",
            "Tags": [{"Key": "Name", "Value": "fixture-nat"}, {"Key": "team", "Value": "platform"}],
        },
        "Peering": {
            "VpcId": {"Ref": "Vpc"},
            "PeerVpcId": {"Ref": "PeerVpc"},
            "PeerOwnerId": "123456789012",
            "PeerRegion": "us-east-1",
        },
        "DbFromApp": {
            "GroupId": {"Ref": "DbGroup"},
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "SourceSecurityGroupId": {"Ref": "AppGroup"},
            "Description": "PostgreSQL from the app",
        },
        "DbFromOffice": {
            "GroupId": {"Ref": "DbGroup"},
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "CidrIp": "192.0.2.0/24",
            "Description": "PostgreSQL from the office",
        },
        "AppToDb": {
            "GroupId": {"Ref": "AppGroup"},
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "DestinationSecurityGroupId": {"Ref": "DbGroup"},
            "Description": "PostgreSQL to the db",
        },
        "FlowLog": {
            "ResourceId": {"Ref": "Vpc"},
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Ref": "FlowLogs"},
            "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/fixture-flow-logs",
            "LogFormat": (
                "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
            ),
            "MaxAggregationInterval": 600,
        },
    }


OPERATIONS = {
    "Vpc": ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeVpcAttribute"],
    "Gateway": ["ec2:DescribeInternetGateways"],
    "GatewayAttachment": ["ec2:DescribeInternetGateways"],
    "PublicAssociation": ["ec2:DescribeRouteTables"],
    "PublicRoute": ["ec2:DescribeRouteTables"],
    "Address": ["ec2:DescribeAddresses"],
    "Nat": ["ec2:DescribeNatGateways"],
    "Peering": ["ec2:DescribeVpcPeeringConnections"],
    "DbFromApp": ["ec2:DescribeSecurityGroupRules"],
    "AppToDb": ["ec2:DescribeSecurityGroupRules"],
    "FlowLog": ["ec2:DescribeFlowLogs"],
}


def test_every_network_type_has_a_reader_and_read_properties():
    assert set(NETWORK_TYPES) <= set(READERS)
    assert set(NETWORK_TYPES) <= set(READ_PROPERTIES)


def test_network_resources_read_under_their_cloudformation_property_names(network):
    template = read(network)
    assert template.errors() == [], template.errors()
    resources = template.template["Resources"]
    assert {key: resources[key]["Properties"] for key in NETWORK} == expected_properties(network)
    assert {key: template.resources[key].operations for key in OPERATIONS} == OPERATIONS


def test_each_reader_answers_only_properties_read_properties_lists(network):
    template = read(network)
    for key in NETWORK:
        entry = template.template["Resources"][key]
        listed = set(READ_PROPERTIES[entry["Type"]])
        assert set(entry["Properties"]) <= listed, (key, set(entry["Properties"]) - listed)


def test_physical_ids_as_cloudformation_gives_them_on_aws_read_the_same(network):
    """On AWS a route is ``<table>|<destination>``, a gateway attachment ``IGW|<vpc>``, an association its
    ``rtbassoc-`` ID and an address may be ``<ip>|<allocation>``; the emulator's forms are read the same."""
    deployed = stack(network)
    (table,) = network.aws("ec2").describe_route_tables(RouteTableIds=[network.physical_id("PublicTable")])[
        "RouteTables"
    ]
    (association,) = [a["RouteTableAssociationId"] for a in table["Associations"] if a.get("SubnetId")]
    route_table, destination = split_compound(network.physical_id("PublicRoute")) or ("", "")
    allocation = expected_properties(network)["Address"]["AllocationId"]
    aws_ids = {
        "PublicRoute": f"{route_table}|{destination}",
        "GatewayAttachment": f"IGW|{network.physical_id('Vpc')}",
        "PublicAssociation": association,
        "Address": f"{network.physical_id('Address')}|{allocation}",
    }
    as_on_aws = DeployedStack(
        artifact=deployed.artifact,
        status=deployed.status,
        resources=tuple(replace(r, physical_id=aws_ids.get(r.logical_id, r.physical_id)) for r in deployed.resources),
    )
    template = read(network, as_on_aws)
    assert template.errors() == [], template.errors()
    expected = expected_properties(network)
    assert {key: template.template["Resources"][key]["Properties"] for key in aws_ids} == {
        key: expected[key] for key in aws_ids
    }
    assert {key: template.resources[key].physical_id for key in aws_ids} == aws_ids


def test_clean_network_is_in_sync_every_type_checked(network):
    found = drift(network)
    assert {(lid, found[lid].status.value, found[lid].method) for lid in NETWORK} == {
        (lid, "IN_SYNC", "live-template") for lid in NETWORK
    }
    assert {(lid, p.path) for lid in NETWORK for p in found[lid].unchecked_properties} == set()


def test_route_target_changed_out_of_band_is_drift_on_the_route(network):
    ec2 = network.aws("ec2")
    table, gateway, nat = (network.physical_id(k) for k in ("PublicTable", "Gateway", "Nat"))
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    try:
        found = drift(network)
    finally:
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    assert found["PublicRoute"].status.value == "MODIFIED"
    assert differences(found["PublicRoute"]) == {("/GatewayId", gateway, "", "REMOVE")}
    assert {lid for lid in NETWORK if found[lid].status.value != "IN_SYNC"} == {"PublicRoute"}


def test_dns_hostnames_turned_off_out_of_band_is_drift_on_the_vpc(network):
    ec2 = network.aws("ec2")
    vpc = network.physical_id("Vpc")
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    try:
        found = drift(network)
    finally:
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    assert differences(found["Vpc"]) == {("/EnableDnsHostnames", "true", "false", "NOT_EQUAL")}
    assert {lid for lid in NETWORK if found[lid].status.value != "IN_SYNC"} == {"Vpc"}


def test_a_private_subnet_turned_to_public_ips_out_of_band_is_drift_on_the_subnet(network):
    ec2 = network.aws("ec2")
    subnet = network.physical_id("PrivateSubnet")
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    try:
        found = drift(network)
    finally:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    assert differences(found["PrivateSubnet"]) == {("/MapPublicIpOnLaunch", "false", "true", "NOT_EQUAL")}
    assert {lid for lid, r in found.items() if r.status.value != "IN_SYNC"} == {"PrivateSubnet"}


def test_nat_gateway_tag_removed_out_of_band_is_drift_on_its_tags(network):
    ec2 = network.aws("ec2")
    nat = network.physical_id("Nat")
    ec2.delete_tags(Resources=[nat], Tags=[{"Key": "team"}])
    try:
        found = drift(network)
    finally:
        ec2.create_tags(Resources=[nat], Tags=[{"Key": "team", "Value": "platform"}])
    assert differences(found["Nat"]) == {("/Tags/1", '{"Key":"team","Value":"platform"}', "", "REMOVE")}
    assert {lid for lid in NETWORK if found[lid].status.value != "IN_SYNC"} == {"Nat"}


def test_resources_deleted_out_of_band_are_deleted(network):
    """Runs last: an ingress rule revoked, a route and the flow log deleted, the internet gateway detached."""
    ec2 = network.aws("ec2")
    ec2.revoke_security_group_ingress(
        GroupId=network.physical_id("DbGroup"), SecurityGroupRuleIds=[network.physical_id("DbFromOffice")]
    )
    ec2.delete_route(RouteTableId=network.physical_id("PrivateTable"), DestinationCidrBlock="10.60.0.0/16")
    ec2.delete_flow_logs(FlowLogIds=[network.physical_id("FlowLog")])
    ec2.detach_internet_gateway(InternetGatewayId=network.physical_id("Gateway"), VpcId=network.physical_id("Vpc"))
    found = drift(network)
    gone = {lid: found[lid].reason for lid in NETWORK if found[lid].status.value == "DELETED"}
    assert set(gone) == {"DbFromOffice", "PeerRoute", "FlowLog", "GatewayAttachment"}
    assert f"route table {network.physical_id('PrivateTable')} has no route to 10.60.0.0/16" in (
        gone["PeerRoute"] or ""
    )
    assert "InvalidSecurityGroupRuleId.NotFound" in (gone["DbFromOffice"] or "")
    assert "InvalidFlowLogId.NotFound" in (gone["FlowLog"] or "")
    assert f"no IGW gateway is attached to {network.physical_id('Vpc')}" in (gone["GatewayAttachment"] or "")
    assert {lid for lid in NETWORK if found[lid].status.value not in ("IN_SYNC", "DELETED")} == set()
