"""Live-state readers on a real emulator server: each reader's CloudFormation-shaped properties, exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackcheck.compliance import LiveReader, LiveTemplate, deployed_stacks
from tests.unit.stackcheck.test_compliance import Live, fixture

pytestmark = pytest.mark.emulator


def read(live: Live, *resource_types: str) -> LiveTemplate:
    """The live template of stack ``Fixture`` holding its resources of ``resource_types`` (and what they point at)."""
    stacks = deployed_stacks(live.aws("cloudformation"), live.assembly.dependency_order())
    (stack,) = stacks
    return LiveReader(live.factory(), stacks).live_template(stack, set(resource_types))


def properties(template: LiveTemplate, key: str) -> dict[str, Any]:
    return template.template["Resources"][key]["Properties"]


def key_arn(live: Live) -> str:
    return f"arn:aws:kms:us-east-1:123456789012:key/{live.physical_id('Key')}"


# -- RDS -------------------------------------------------------------------------------------------


def database_with_backups() -> dict[str, Any]:
    """The database fixture with 7 days of automated backups, deletion protection and its own parameter group."""
    template = fixture("database")
    template["Resources"]["Parameters"] = {
        "Type": "AWS::RDS::DBParameterGroup",
        "Properties": {
            "Family": "postgres16",
            "Description": "fixture parameters",
            "Parameters": {"rds.force_ssl": "1"},
        },
    }
    template["Resources"]["Database"]["Properties"].update(
        {"BackupRetentionPeriod": 7, "DeletionProtection": True, "DBParameterGroupName": {"Ref": "Parameters"}}
    )
    return template


def test_db_instance_reads_backups_deletion_protection_and_parameter_group(deploy):
    live = deploy("database", template=database_with_backups())
    template = read(live, "AWS::RDS::DBInstance")
    assert properties(template, "Database") == {
        "DBInstanceIdentifier": live.physical_id("Database"),
        "Engine": "postgres",
        "StorageEncrypted": True,
        "PubliclyAccessible": False,
        "BackupRetentionPeriod": 7,
        "DeletionProtection": True,
        "MultiAZ": True,
        "EnableIAMDatabaseAuthentication": True,
        "MonitoringInterval": 60,
        "DBParameterGroupName": {"Ref": "Parameters"},
        "KmsKeyId": key_arn(live),
        "DBSubnetGroupName": {"Ref": "SubnetGroup"},
    }
    # the parameter group is named, not read: only DB instances were asked for
    assert template.template["Resources"]["Parameters"] == {"Type": "AWS::RDS::DBParameterGroup", "Properties": {}}
    assert template.resources["Database"].operations == ["rds:DescribeDBInstances", "kms:DescribeKey"]


def test_db_instance_with_backups_and_deletion_protection_turned_off_out_of_band_reads_them_off(deploy):
    live = deploy("database", template=database_with_backups())
    rds = live.aws("rds")
    # a group no stack declares is named by its name
    rds.create_db_parameter_group(DBParameterGroupName="loose", DBParameterGroupFamily="postgres16", Description="x")
    rds.modify_db_instance(
        DBInstanceIdentifier=live.physical_id("Database"),
        BackupRetentionPeriod=0,
        DeletionProtection=False,
        DBParameterGroupName="loose",
        ApplyImmediately=True,
    )
    props = properties(read(live, "AWS::RDS::DBInstance"), "Database")
    assert (props["BackupRetentionPeriod"], props["DeletionProtection"], props["DBParameterGroupName"]) == (
        0,
        False,
        "loose",
    )


def test_db_cluster_reads_backups_deletion_protection_and_parameter_group(deploy):
    from stackcheck.compliance import DeployedResource, DeployedStack

    live = deploy("database")
    rds = live.aws("rds")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="ledger-params", DBParameterGroupFamily="aurora-postgresql16", Description="x"
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="fixture",
        MasterUserPassword="fixture-password-only-in-the-emulator",
        BackupRetentionPeriod=0,
        DeletionProtection=False,
        DBClusterParameterGroupName="ledger-params",
        StorageEncrypted=True,
        KmsKeyId=key_arn(live),
        DBSubnetGroupName=live.physical_id("SubnetGroup"),
    )
    (deployed,) = deployed_stacks(live.aws("cloudformation"), live.assembly.dependency_order())
    stack = DeployedStack(
        artifact=deployed.artifact,
        status="CREATE_COMPLETE",
        resources=(
            *deployed.resources,
            DeployedResource(
                "Fixture", "Ledger", "AWS::RDS::DBCluster", "ledger", "CREATE_COMPLETE", "/Fixture/Ledger"
            ),
            DeployedResource(
                "Fixture", "LedgerParams", "AWS::RDS::DBClusterParameterGroup", "Ledger-Params", "CREATE_COMPLETE"
            ),
        ),
    )
    template = LiveReader(live.factory(), [stack]).live_template(stack, {"AWS::RDS::DBCluster"})
    assert template.errors() == [], template.errors()
    assert {key: template.template["Resources"][key] for key in ("Ledger", "LedgerParams")} == {
        "Ledger": {
            "Type": "AWS::RDS::DBCluster",
            "Properties": {
                "DBClusterIdentifier": "ledger",
                "Engine": "aurora-postgresql",
                "StorageEncrypted": True,
                "PubliclyAccessible": False,
                "BackupRetentionPeriod": 0,
                "DeletionProtection": False,
                "EnableIAMDatabaseAuthentication": False,
                "CopyTagsToSnapshot": False,
                "DBClusterParameterGroupName": {"Ref": "LedgerParams"},
                "KmsKeyId": key_arn(live),
                "DBSubnetGroupName": {"Ref": "SubnetGroup"},
            },
        },
        "LedgerParams": {"Type": "AWS::RDS::DBClusterParameterGroup", "Properties": {}},
    }


# -- Secrets Manager -------------------------------------------------------------------------------

OPEN_TO_EVERYONE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
}


def storage_with_a_secret() -> dict[str, Any]:
    """The storage fixture with a secret encrypted under its key."""
    template = fixture("storage")
    template["Resources"]["Secret"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": "compliance-fixture-db",
            "Description": "fixture database credentials",
            "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
            "GenerateSecretString": {
                "SecretStringTemplate": '{"username": "fixture"}',
                "GenerateStringKey": "password",
            },
        },
    }
    return template


def test_secret_without_policy_or_rotation_reads_its_name_description_and_key(deploy):
    live = deploy("storage", template=storage_with_a_secret())
    template = read(live, "AWS::SecretsManager::Secret")
    assert template.template["Resources"] == {
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": "compliance-fixture-db",
                "Description": "fixture database credentials",
                "KmsKeyId": key_arn(live),
            },
        }
    }
    secret = template.resources["Secret"]
    assert secret.operations == ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"]
    assert secret.notes == ["GetResourcePolicy: no resource policy", "DescribeSecret: rotation not enabled"]


def test_resource_policy_put_out_of_band_is_a_resource_policy_of_the_live_template(deploy):
    live = deploy("storage", template=storage_with_a_secret())
    arn = live.physical_id("Secret")
    live.aws("secretsmanager").put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(OPEN_TO_EVERYONE))
    template = read(live, "AWS::SecretsManager::Secret")
    assert template.template["Resources"]["Secret/ResourcePolicy"] == {
        "Type": "AWS::SecretsManager::ResourcePolicy",
        "Properties": {"SecretId": {"Ref": "Secret"}, "ResourcePolicy": OPEN_TO_EVERYONE},
    }
    policy = template.resources["Secret/ResourcePolicy"]
    assert (policy.physical_id, policy.owner, policy.operations) == (arn, None, ["secretsmanager:GetResourcePolicy"])


def test_rotation_turned_on_is_a_rotation_schedule_of_the_live_template(deploy):
    live = deploy("storage", template=storage_with_a_secret())
    arn = live.physical_id("Secret")
    live.aws("secretsmanager").rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 30})
    template = read(live, "AWS::SecretsManager::Secret")
    assert set(template.template["Resources"]) == {"Secret", "Secret/RotationSchedule"}
    assert template.template["Resources"]["Secret/RotationSchedule"] == {
        "Type": "AWS::SecretsManager::RotationSchedule",
        "Properties": {"SecretId": {"Ref": "Secret"}, "RotationRules": {"AutomaticallyAfterDays": 30}},
    }
    assert template.resources["Secret"].notes == ["GetResourcePolicy: no resource policy"]


# -- ELBv2 -----------------------------------------------------------------------------------------


def test_listener_reads_port_protocol_and_default_actions(deploy):
    live = deploy("web")
    template = read(live, "AWS::ElasticLoadBalancingV2::Listener")
    assert template.template["Resources"] == {
        "Listener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": {"Ref": "LoadBalancer"},
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
            },
        },
        # named, not read: no live form asked for them
        "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
        "TargetGroup": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {}},
    }
    assert template.resources["Listener"].operations == ["elbv2:DescribeListeners", "elbv2:DescribeRules"]


def test_load_balancer_reads_attributes_listeners_certificates_and_rules_changed_out_of_band(deploy):
    live = deploy("web")
    elbv2 = live.aws("elbv2")
    balancer, group = live.physical_id("LoadBalancer"), live.physical_id("TargetGroup")
    certificate = live.aws("acm").request_certificate(DomainName="pay.example.com")["CertificateArn"]
    not_found = {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no"}
    https = elbv2.create_listener(
        LoadBalancerArn=balancer,
        Port=443,
        Protocol="HTTPS",
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": not_found}],
    )["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(
        ListenerArn=https,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/pay/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": group}],
    )["Rules"][0]["RuleArn"]
    elbv2.modify_listener(ListenerArn=live.physical_id("Listener"), Port=8081)
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=balancer, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}]
    )
    template = read(live, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    resources = template.template["Resources"]
    assert set(resources) == {"LoadBalancer", "AlbSecurityGroup", "TargetGroup", "Listener", https, rule}
    # the emulator answers these four attributes; AWS answers every attribute of the load balancer type
    assert resources["LoadBalancer"]["Properties"] == {
        "Name": elbv2.describe_load_balancers(LoadBalancerArns=[balancer])["LoadBalancers"][0]["LoadBalancerName"],
        "Type": "application",
        "Scheme": "internet-facing",
        "SecurityGroups": [{"Ref": "AlbSecurityGroup"}],
        "LoadBalancerAttributes": [
            {"Key": "access_logs.s3.bucket", "Value": ""},
            {"Key": "access_logs.s3.prefix", "Value": ""},
            {"Key": "deletion_protection.enabled", "Value": "true"},
            {"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
        ],
    }
    assert resources["Listener"]["Properties"]["Port"] == 8081
    assert resources[https]["Properties"] == {
        "LoadBalancerArn": {"Ref": "LoadBalancer"},
        "Port": 443,
        "Protocol": "HTTPS",
        "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "Certificates": [{"CertificateArn": certificate}],
        "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": not_found}],
    }
    assert resources[rule] == {
        "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
        "Properties": {
            "ListenerArn": {"Ref": https},
            "Priority": 10,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/pay/*"]}}],
            "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
        },
    }
    assert template.resources["LoadBalancer"].sources == {
        "LoadBalancerAttributes": [("operation", "elbv2:DescribeLoadBalancerAttributes")]
    }


def test_resource_policy_opening_the_secret_to_everyone_fails_e9008_on_the_secret(deploy):
    live = deploy("storage", template=storage_with_a_secret())
    arn = live.physical_id("Secret")
    assert ("E9008", "Secret") not in {(f.rule_id, f.logical_id) for f in live.check().scan.findings}
    live.aws("secretsmanager").put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(OPEN_TO_EVERYONE))
    result = live.check()
    (finding,) = [f for f in result.scan.findings if f.rule_id == "E9008" and f.logical_id == "Secret"]
    assert (finding.status.value, finding.construct_path) == ("FAILED", "/Fixture/Secret")
    assert {(f.rule_id, f.logical_id) for f in result.scan.failures()} == {("E9008", "Secret")}
    assert finding.message.startswith(
        'ResourcePolicy `Secret/ResourcePolicy` on Secret `Secret`: Statement[0] allows any principal ("*")'
    )
    assert f"[live: {arn} via secretsmanager:DescribeSecret, secretsmanager:GetResourcePolicy;" in finding.message
    live.aws("secretsmanager").put_resource_policy(
        SecretId=arn,
        ResourcePolicy=json.dumps(
            {
                **OPEN_TO_EVERYONE,
                "Statement": [
                    {**OPEN_TO_EVERYONE["Statement"][0], "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
                ],
            }
        ),
    )
    (finding,) = [f for f in live.check().scan.findings if f.rule_id == "E9008" and f.logical_id == "Secret"]
    assert finding.status.value == "PASSED"
