"""The VPC endpoint reader on the emulator: a gateway and an interface endpoint's CloudFormation-shaped properties, exactly."""

from __future__ import annotations

import json

import pytest

from tests.unit.stackcheck.compliance.test_live_readers import properties, read
from tests.unit.stackcheck.test_compliance import REPO

pytestmark = pytest.mark.emulator

ENDPOINT = "AWS::EC2::VPCEndpoint"
TEMPLATE = REPO / "tests" / "data" / "drift" / "live" / "endpoints.json"


def test_gateway_and_interface_endpoints_read_their_policy_routes_subnets_and_groups(deploy):
    live = deploy("endpoints", template=json.loads(TEMPLATE.read_text()))
    template = read(live, ENDPOINT)
    assert properties(template, "S3Gateway") == {
        "VpcId": {"Ref": "Vpc"},
        "ServiceName": "com.amazonaws.us-east-1.s3",
        "VpcEndpointType": "Gateway",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::fixture-artifacts/*",
                }
            ],
        },
        "RouteTableIds": [{"Ref": "Routes"}],
        "SubnetIds": [],
        "SecurityGroupIds": [],
    }
    assert properties(template, "SecretsInterface") == {
        "VpcId": {"Ref": "Vpc"},
        "ServiceName": "com.amazonaws.us-east-1.secretsmanager",
        "VpcEndpointType": "Interface",
        "PolicyDocument": {
            "Version": "2008-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
        "RouteTableIds": [],
        "SubnetIds": [{"Ref": "Private"}],
        "SecurityGroupIds": [{"Ref": "Endpoints"}],
        "PrivateDnsEnabled": True,
    }
    assert template.resources["S3Gateway"].operations == ["ec2:DescribeVpcEndpoints"]


def test_a_deleted_endpoint_is_gone(deploy):
    live = deploy("endpoints", template=json.loads(TEMPLATE.read_text()))
    live.aws("ec2").delete_vpc_endpoints(VpcEndpointIds=[live.physical_id("S3Gateway")])
    assert read(live, ENDPOINT).resources["S3Gateway"].gone is True
