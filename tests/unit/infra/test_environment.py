"""Source and Target stacks: database, storage, service, DMS, monitoring, network."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Capture, Match

ENVIRONMENTS = pytest.mark.parametrize("env", ["Source", "Target"])


def _only(template, resource_type):
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


@ENVIRONMENTS
def test_database_is_encrypted_multi_az_private_postgres(template, env):
    t = template(env)
    key_id, _ = _only(t, "AWS::KMS::Key")
    _, db = _only(t, "AWS::RDS::DBInstance")
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert props["EngineVersion"] == "17.6"
    assert props["MultiAZ"] is True
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert "MasterUserPassword" in props and "{{resolve:secretsmanager:" in json.dumps(props["MasterUserPassword"])
    assert props["MasterUsername"] == "payments_admin"


@ENVIRONMENTS
def test_database_subnet_group_uses_only_isolated_subnets(template, env):
    t = template(env)
    isolated = {
        lid
        for lid, r in t.find_resources("AWS::EC2::Subnet").items()
        if {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in r["Properties"]["Tags"]
    }
    _, group = _only(t, "AWS::RDS::DBSubnetGroup")
    assert {ref["Ref"] for ref in group["Properties"]["SubnetIds"]} == isolated
    assert len(isolated) == 2


@ENVIRONMENTS
def test_secret_is_generated_with_username_and_attached(template, env):
    t = template(env)
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "GenerateSecretString": Match.object_like(
                {
                    "GenerateStringKey": "password",
                    "SecretStringTemplate": json.dumps({"username": "payments_admin"}, separators=(",", ":")),
                }
            ),
            "KmsKeyId": Match.any_value(),
        },
    )
    t.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 1)


@ENVIRONMENTS
def test_logs_bucket_is_encrypted_versioned_private(template, env):
    template(env).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": f"payment-logs-{env.lower()}-dev",
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )


@ENVIRONMENTS
def test_bucket_policy_denies_requests_without_tls(template, env):
    template(env).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


@ENVIRONMENTS
def test_container_target_group_and_service_ingress_all_use_port_80(template, env):
    t = template(env)
    t.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {"PortMappings": [{"ContainerPort": 80, "Protocol": "tcp"}], "ReadonlyRootFilesystem": True}
                )
            ],
            "RequiresCompatibilities": ["FARGATE"],
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Port": 80, "Protocol": "HTTP", "TargetType": "ip", "HealthCheckPath": "/"},
    )
    alb_sg, service_sg = Capture(), Capture()
    ingress = t.find_resources("AWS::EC2::SecurityGroupIngress", {"Properties": {"FromPort": 80}})
    assert len(ingress) == 1
    props = next(iter(ingress.values()))["Properties"]
    assert (props["ToPort"], props["IpProtocol"]) == (80, "tcp")
    t.has_resource_properties(
        "AWS::ECS::Service",
        {
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                    "AssignPublicIp": "DISABLED",
                    "SecurityGroups": [{"Fn::GetAtt": [service_sg, "GroupId"]}],
                }
            },
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Scheme": "internet-facing", "SecurityGroups": [{"Fn::GetAtt": [alb_sg, "GroupId"]}]},
    )
    assert props["GroupId"] == {"Fn::GetAtt": [service_sg.as_string(), "GroupId"]}
    assert props["SourceSecurityGroupId"] == {"Fn::GetAtt": [alb_sg.as_string(), "GroupId"]}


@ENVIRONMENTS
def test_database_admits_only_service_and_dms_on_5432(template, env):
    t = template(env)
    ((db_sg_id, _),) = t.find_resources(
        "AWS::EC2::SecurityGroup", {"Properties": {"GroupDescription": Match.string_like_regexp("PostgreSQL")}}
    ).items()
    rules = [
        r["Properties"]
        for r in t.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [db_sg_id, "GroupId"]}
    ]
    sources = {r["SourceSecurityGroupId"]["Fn::GetAtt"][0] for r in rules}
    assert {(r["FromPort"], r["ToPort"]) for r in rules} == {(5432, 5432)}
    assert len(sources) == 2 and all(
        s.startswith(("WebServiceSecurityGroup", "MigrationSecurityGroup")) for s in sources
    )


@ENVIRONMENTS
def test_dms_endpoint_reads_credentials_from_secrets_manager(template, env):
    t = template(env)
    _, endpoint = _only(t, "AWS::DMS::Endpoint")
    props = endpoint["Properties"]
    assert props["EndpointType"] == env.lower()
    assert props["EngineName"] == "postgres"
    assert not {"Username", "Password", "ServerName", "Port"} & set(props)
    settings = props["PostgreSqlSettings"]
    assert set(settings) == {"SecretsManagerSecretId", "SecretsManagerAccessRoleArn"}
    assert settings["SecretsManagerSecretId"]["Ref"].startswith("DatabaseInstanceSecret")


@ENVIRONMENTS
def test_replication_instance_is_not_public(template, env):
    template(env).has_resource_properties(
        "AWS::DMS::ReplicationInstance", {"PubliclyAccessible": False, "KmsKeyId": Match.any_value()}
    )


@ENVIRONMENTS
def test_kms_key_rotates(template, env):
    template(env).has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@ENVIRONMENTS
def test_four_alarms_notify_the_encrypted_topic(template, env):
    t = template(env)
    topic_id, topic = _only(t, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic["Properties"]
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    metrics = sorted((a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values())
    assert metrics == [
        ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
        ("AWS/ECS", "CPUUtilization"),
        ("AWS/RDS", "CPUUtilization"),
        ("AWS/RDS", "FreeStorageSpace"),
    ]
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in alarms.values())


@ENVIRONMENTS
def test_vpc_flow_logs_capture_all_traffic_to_cloudwatch(template, env):
    template(env).has_resource_properties(
        "AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )


@ENVIRONMENTS
def test_vpc_spans_two_explicit_azs_with_three_tiers(template, env):
    subnets = template(env).find_resources("AWS::EC2::Subnet").values()
    tiers = {
        (
            s["Properties"]["AvailabilityZone"],
            next(t["Value"] for t in s["Properties"]["Tags"] if t["Key"] == "aws-cdk:subnet-type"),
        )
        for s in subnets
    }
    assert tiers == {(az, tier) for az in ("us-east-1a", "us-east-1b") for tier in ("Public", "Private", "Isolated")}


EXPORTS = {
    "Source": {
        "VpcId",
        "DataRouteTable1Id",
        "DataRouteTable2Id",
        "DbSecurityGroupId",
        "DmsEndpointArn",
        "LoadBalancerDnsName",
        "LoadBalancerCanonicalHostedZoneId",
    },
    "Target": {
        "VpcId",
        "ApplicationRouteTable1Id",
        "ApplicationRouteTable2Id",
        "DmsSecurityGroupId",
        "DmsEndpointArn",
        "DmsReplicationInstanceArn",
        "LoadBalancerDnsName",
        "LoadBalancerCanonicalHostedZoneId",
    },
}


@ENVIRONMENTS
def test_only_imported_values_are_exported_under_the_stack_name(templates, env):
    exports = {o["Export"]["Name"] for o in templates[env]["Outputs"].values() if "Export" in o}
    assert exports == {f"TapStackdev{env}:{k}" for k in EXPORTS[env]}


@ENVIRONMENTS
def test_security_groups_without_open_egress_render_the_no_traffic_rule(templates, env):
    groups = {
        k: r["Properties"] for k, r in templates[env]["Resources"].items() if r["Type"] == "AWS::EC2::SecurityGroup"
    }
    egress = {
        k.split("SecurityGroup")[0]: [
            (e["IpProtocol"], e.get("FromPort"), e.get("ToPort"), e["CidrIp"]) for e in p["SecurityGroupEgress"]
        ]
        for k, p in groups.items()
    }
    no_traffic = [("icmp", 252, 86, "255.255.255.255/32")]
    assert egress == {
        "Database": no_traffic,
        "WebLoadBalancer": no_traffic,
        "Migration": no_traffic,
        "WebService": [("tcp", 443, 443, "0.0.0.0/0")],
    }


@ENVIRONMENTS
def test_service_depends_only_on_listener_and_task_role(app_assembly, env):
    stack = app_assembly.stack(f"TapStackdev{env}")
    (service,) = [r for r in stack.resources.values() if r["Type"] == "AWS::ECS::Service"]
    assert [stack.construct_path(d) for d in service["DependsOn"]] == [
        f"/TapStackdev{env}/Web/LoadBalancer/HttpListener/Resource",
        f"/TapStackdev{env}/Web/TaskDefinition/TaskRole/Resource",
    ]
