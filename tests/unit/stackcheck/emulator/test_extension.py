"""The CloudFormation extension, over HTTP: each model creates what it should and answers the calls a post-deploy check makes."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

SSL_ONLY_STATEMENT = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    "Resource": ["arn:aws:s3:::stackcheck-test-logs", "arn:aws:s3:::stackcheck-test-logs/*"],
}


def outputs_of(result, stack="Stack"):
    (found,) = [s for s in result.stacks if s.stack_name == stack]
    return found.outputs


# --- S3 -------------------------------------------------------------------------------------


def test_bucket_versioning_is_enabled_from_versioning_configuration(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    assert aws("s3").get_bucket_versioning(Bucket=out["LogsBucketName"])["Status"] == "Enabled"


def test_public_access_block_has_all_four_flags(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    block = aws("s3").get_public_access_block(Bucket=out["LogsBucketName"])["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def test_public_access_block_omitted_flags_are_false(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    block = aws("s3").get_public_access_block(Bucket=out["ScratchBucketName"])["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }


def test_bucket_policy_denies_insecure_transport(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    policy = json.loads(aws("s3").get_bucket_policy(Bucket=out["LogsBucketName"])["Policy"])
    assert policy["Statement"] == [SSL_ONLY_STATEMENT]
    assert out["LogsBucketPolicyRef"] == "stackcheck-test-logs"


def test_bucket_without_policy_has_none(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    with pytest.raises(ClientError) as err:
        aws("s3").get_bucket_policy(Bucket=out["ScratchBucketName"])
    assert err.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_bucket_lifecycle_rules_are_in_api_shape(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    rules = aws("s3").get_bucket_lifecycle_configuration(Bucket=out["LogsBucketName"])["Rules"]
    assert rules == [
        {
            "ID": "noncurrent",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
        },
        {"ID": "scratch", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 7}},
    ]


def test_bucket_logging_defaults_to_the_bucket_itself(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    logging = aws("s3").get_bucket_logging(Bucket=out["LogsBucketName"])["LoggingEnabled"]
    assert logging == {"TargetBucket": "stackcheck-test-logs", "TargetPrefix": "s3-access-logs/"}


def test_bucket_ownership_and_encryption_are_kept(deploy, aws):
    out = outputs_of(deploy({"Stack": ("storage", [])}))
    s3 = aws("s3")
    ownership = s3.get_bucket_ownership_controls(Bucket=out["LogsBucketName"])["OwnershipControls"]
    encryption = s3.get_bucket_encryption(Bucket=out["LogsBucketName"])["ServerSideEncryptionConfiguration"]
    assert ownership == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}


def bucket_template(bucket_name: str, **properties) -> dict:
    return {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket_name, **properties}}}
    }


def test_bucket_without_access_block_or_encryption_gets_the_aws_new_bucket_defaults(deploy, aws):
    deploy({"Stack": (bucket_template("stackcheck-test-plain"), [])})
    s3 = aws("s3")
    block = s3.get_public_access_block(Bucket="stackcheck-test-plain")["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket="stackcheck-test-plain")["ServerSideEncryptionConfiguration"]
    assert block == ALL_BLOCKED
    assert encryption == SSE_S3


def test_bucket_made_with_create_bucket_gets_the_aws_new_bucket_defaults(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket="stackcheck-test-api")
    block = s3.get_public_access_block(Bucket="stackcheck-test-api")["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket="stackcheck-test-api")["ServerSideEncryptionConfiguration"]
    assert block == ALL_BLOCKED
    assert encryption == SSE_S3


def test_deleting_a_buckets_encryption_leaves_it_on_sse_s3_as_aws_does(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket="stackcheck-test-delete")
    kms = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/own"}}
    s3.put_bucket_encryption(Bucket="stackcheck-test-delete", ServerSideEncryptionConfiguration={"Rules": [kms]})
    s3.delete_bucket_encryption(Bucket="stackcheck-test-delete")
    assert s3.get_bucket_encryption(Bucket="stackcheck-test-delete")["ServerSideEncryptionConfiguration"] == SSE_S3


def test_bucket_keeps_the_access_block_and_encryption_its_template_sets(deploy, aws):
    template = bucket_template(
        "stackcheck-test-own",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": False,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": False,
        },
        BucketEncryption={
            "ServerSideEncryptionConfiguration": [
                {
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/own"},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    deploy({"Stack": (template, [])})
    s3 = aws("s3")
    block = s3.get_public_access_block(Bucket="stackcheck-test-own")["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket="stackcheck-test-own")["ServerSideEncryptionConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    assert encryption == {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/own"},
                "BucketKeyEnabled": True,
            }
        ]
    }


def test_bucket_with_every_access_block_flag_false_keeps_them_false(deploy, aws):
    template = bucket_template("stackcheck-test-open", PublicAccessBlockConfiguration={})
    deploy({"Stack": (template, [])})
    block = aws("s3").get_public_access_block(Bucket="stackcheck-test-open")["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(ALL_BLOCKED, False)


# --- Secrets Manager and RDS ----------------------------------------------------------------


def test_generated_secret_has_template_keys_and_password_rules(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId=out["DbSecretId"])["SecretString"])
    password = secret["password"]
    assert secret["username"] == "payments_admin"
    assert len(password) == 30
    assert set(password) & set(" %+~`#$&*()|[]{}:;<>?!'/@\"\\") == set()


def test_secret_target_attachment_adds_connection_keys(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId=out["DbSecretArn"])["SecretString"])
    db_id = out["DbInstanceIdentifier"]
    assert set(secret) == {"username", "password", "engine", "host", "port", "dbname", "dbInstanceIdentifier"}
    assert (secret["engine"], secret["port"], secret["dbname"], secret["dbInstanceIdentifier"]) == (
        "postgres",
        5432,
        "payments",
        db_id,
    )
    assert secret["host"] == f"{db_id}.aaaaaaaaaa.us-east-1.rds.amazonaws.com"


def test_secret_ref_is_the_arn(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    described = aws("secretsmanager").describe_secret(SecretId=out["DbSecretArn"])
    assert out["DbSecretArn"] == out["DbSecretId"] == described["ARN"]
    assert described["Name"].startswith("Secret-")


def test_master_username_from_dynamic_reference_is_the_real_name(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    (db,) = aws("rds").describe_db_instances(DBInstanceIdentifier=out["DbInstanceIdentifier"])["DBInstances"]
    assert db["MasterUsername"] == "payments_admin"


def test_db_instance_keeps_port_network_and_protection_settings(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    (db,) = aws("rds").describe_db_instances(DBInstanceIdentifier=out["DbInstanceIdentifier"])["DBInstances"]
    assert db["Endpoint"]["Port"] == 5432
    assert out["DbEndpointPort"] == "5432"
    assert db["VpcSecurityGroups"] == [{"VpcSecurityGroupId": out["DbSecurityGroupId"], "Status": "active"}]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == out["DbSubnetGroupName"]
    assert (db["DeletionProtection"], db["MultiAZ"], db["StorageEncrypted"], db["BackupRetentionPeriod"]) == (
        True,
        True,
        True,
        7,
    )
    assert (db["AllocatedStorage"], db["MaxAllocatedStorage"]) == (50, 200)
    assert db["EnabledCloudwatchLogsExports"] == ["postgresql"]


def test_get_azs_answers_the_stack_region(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    assert out["SubnetAZs"] == "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1e,us-east-1f"


def test_get_azs_in_another_region(emulator):
    from stackcheck.emulator.deploy import CAPABILITIES
    from stackcheck.emulator.process import emulator_session

    template = {
        "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}}},
        "Outputs": {
            "Zones": {"Value": {"Fn::Join": [",", {"Fn::GetAZs": ""}]}},
            "Named": {"Value": {"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}},
        },
    }
    cfn = emulator_session(emulator).client(
        "cloudformation", region_name="eu-west-1", endpoint_url=emulator.endpoint_url
    )
    cfn.create_stack(StackName="Zones", TemplateBody=json.dumps(template), Capabilities=CAPABILITIES)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName="Zones")["Stacks"][0]["Outputs"]}
    assert outputs == {"Zones": "eu-west-1a,eu-west-1b,eu-west-1c", "Named": "eu-west-1a"}


def test_security_group_egress_property_replaces_the_default_rule(deploy, aws):
    out = outputs_of(deploy({"Stack": ("database", [])}))
    (group,) = aws("ec2").describe_security_groups(GroupIds=[out["DbSecurityGroupId"]])["SecurityGroups"]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], r["IpRanges"]) for r in group["IpPermissionsEgress"]] == [
        ("icmp", 252, 86, [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic"}])
    ]


# --- ECS, ELBv2, Route 53, CloudWatch ------------------------------------------------------


def test_service_launch_type_and_load_balancer(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    (service,) = aws("ecs").describe_services(cluster=out["EcsClusterName"], services=[out["EcsServiceName"]])[
        "services"
    ]
    assert service["launchType"] == "FARGATE"
    assert service["platformVersion"] == "LATEST"
    assert service["loadBalancers"] == [
        {"targetGroupArn": out["TargetGroupArn"], "containerName": "web", "containerPort": 80}
    ]


def test_service_network_and_deployment_configuration(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    (service,) = aws("ecs").describe_services(cluster=out["EcsClusterName"], services=[out["EcsServiceName"]])[
        "services"
    ]
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert (awsvpc["securityGroups"], awsvpc["assignPublicIp"], len(awsvpc["subnets"])) == (
        [out["ServiceSecurityGroupId"]],
        "DISABLED",
        2,
    )
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["healthCheckGracePeriodSeconds"] == 60


def test_task_definition_keeps_fargate_settings(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    task = aws("ecs").describe_task_definition(taskDefinition=out["TaskDefinitionArn"])["taskDefinition"]
    assert (task["cpu"], task["memory"], task["networkMode"], task["requiresCompatibilities"]) == (
        "256",
        "512",
        "awsvpc",
        ["FARGATE"],
    )
    assert task["containerDefinitions"][0]["portMappings"] == [{"containerPort": 80, "protocol": "tcp"}]


def test_alias_record_targets_the_load_balancer_hosted_zone(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    (lb,) = aws("elbv2").describe_load_balancers(LoadBalancerArns=[out["LoadBalancerArn"]])["LoadBalancers"]
    records = aws("route53").list_resource_record_sets(HostedZoneId=out["HostedZoneId"])["ResourceRecordSets"]
    (alias,) = [r for r in records if "AliasTarget" in r]
    assert lb["CanonicalHostedZoneId"] == alias["AliasTarget"]["HostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert out["LoadBalancerCanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert alias["AliasTarget"]["DNSName"] == f"dualstack.{lb['DNSName']}"


def test_load_balancer_and_target_group_attributes_are_applied(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    elb = aws("elbv2")
    lb_attrs = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=out["LoadBalancerArn"])["Attributes"]
    }
    tg_attrs = {
        a["Key"]: a["Value"]
        for a in elb.describe_target_group_attributes(TargetGroupArn=out["TargetGroupArn"])["Attributes"]
    }
    assert lb_attrs["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert tg_attrs["deregistration_delay.timeout_seconds"] == "30"


def test_alarm_dimensions_use_full_names_of_load_balancer_and_target_group(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    (alarm,) = aws("cloudwatch").describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"]
    lb_suffix = out["LoadBalancerArn"].split(":loadbalancer/")[1]
    tg_suffix = out["TargetGroupArn"].split(":")[-1]
    assert alarm["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": lb_suffix},
        {"Name": "TargetGroup", "Value": tg_suffix},
    ]
    assert lb_suffix.startswith("app/") and tg_suffix.startswith("targetgroup/")


def test_security_group_egress_resource_adds_a_rule_to_a_group(deploy, aws):
    out = outputs_of(deploy({"Stack": ("web", [])}))
    (group,) = aws("ec2").describe_security_groups(GroupIds=[out["LoadBalancerSecurityGroupId"]])["SecurityGroups"]
    pairs = [
        (r["FromPort"], p["GroupId"], p.get("Description"))
        for r in group["IpPermissionsEgress"]
        for p in r["UserIdGroupPairs"]
    ]
    assert pairs == [(80, out["ServiceSecurityGroupId"], "Load balancer to target")]


def test_alarm_actions_notify_the_topic(deploy, aws):
    out = outputs_of(deploy({"Stack": ("monitoring", [])}))
    (alarm,) = aws("cloudwatch").describe_alarms(AlarmNames=[out["CpuAlarmName"]])["MetricAlarms"]
    assert alarm["AlarmActions"] == [out["AlarmTopicArn"]]
    assert alarm["OKActions"] == [out["AlarmTopicArn"]]
    assert alarm["AlarmArn"] == out["CpuAlarmArn"]
    assert (
        alarm["MetricName"],
        alarm["Threshold"],
        alarm["EvaluationPeriods"],
        alarm["DatapointsToAlarm"],
        alarm["TreatMissingData"],
    ) == ("CPUUtilization", 80.0, 3, 2, "notBreaching")


def test_metric_math_alarm_keeps_its_queries(deploy, aws):
    deploy({"Stack": ("monitoring", [])})
    (alarm,) = aws("cloudwatch").describe_alarms(AlarmNames=["stackcheck-error-rate"])["MetricAlarms"]
    assert [(m["Id"], m.get("Expression")) for m in alarm["Metrics"]] == [
        ("errors", None),
        ("requests", None),
        ("rate", "100 * errors / requests"),
    ]


def test_topic_policy_is_set_on_the_topic(deploy, aws):
    out = outputs_of(deploy({"Stack": ("monitoring", [])}))
    attributes = aws("sns").get_topic_attributes(TopicArn=out["AlarmTopicArn"])["Attributes"]
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert (statement["Sid"], statement["Effect"], statement["Condition"]) == (
        "AllowPublishThroughSSLOnly",
        "Deny",
        {"Bool": {"aws:SecureTransport": "false"}},
    )


# --- DMS ------------------------------------------------------------------------------------


def test_endpoint_postgresql_settings_name_the_secret(deploy, aws):
    out = outputs_of(deploy({"Stack": ("migration", [])}))
    (endpoint,) = aws("dms").describe_endpoints(
        Filters=[{"Name": "endpoint-arn", "Values": [out["SourceEndpointArn"]]}]
    )["Endpoints"]
    assert endpoint["PostgreSQLSettings"] == {
        "SecretsManagerSecretId": out["SourceSecretArn"],
        "SecretsManagerAccessRoleArn": out["SecretsAccessRoleArn"],
    }
    assert (endpoint["EndpointIdentifier"], endpoint["EndpointType"], endpoint["EngineName"], endpoint["SslMode"]) == (
        "stackcheck-source",
        "source",
        "postgres",
        "require",
    )


def test_replication_instance_reports_its_subnet_group(deploy, aws):
    out = outputs_of(deploy({"Stack": ("migration", [])}))
    (instance,) = aws("dms").describe_replication_instances()["ReplicationInstances"]
    group = instance["ReplicationSubnetGroup"]
    assert out["SubnetGroupIdentifier"] == group["ReplicationSubnetGroupIdentifier"] == "stackcheck-dms"
    assert group["VpcId"] == out["VpcId"]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted([out["SubnetAId"], out["SubnetBId"]])
    assert (instance["ReplicationInstanceArn"], instance["PubliclyAccessible"]) == (
        out["ReplicationInstanceArn"],
        False,
    )
    assert out["ReplicationInstancePrivateIps"] == "10.0.0.1"


def test_replication_task_is_ready_and_links_its_endpoints(deploy, aws):
    out = outputs_of(deploy({"Stack": ("migration", [])}))
    (task,) = aws("dms").describe_replication_tasks()["ReplicationTasks"]
    assert (task["ReplicationTaskArn"], task["Status"], task["MigrationType"]) == (
        out["TaskArn"],
        "ready",
        "full-load-and-cdc",
    )
    assert task["SourceEndpointArn"] == out["SourceEndpointArn"]
    assert task["ReplicationInstanceArn"] == out["ReplicationInstanceArn"]


# --- KMS, Logs, IAM, VPC, ECS cluster ---------------------------------------------------------


def test_key_policy_is_json_text(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    policy = aws("kms").get_key_policy(KeyId=out["KeyArn"], PolicyName="default")["Policy"]
    assert isinstance(policy, str)
    assert [s["Sid"] for s in json.loads(policy)["Statement"]] == ["Root"]


def test_log_group_is_encrypted_with_the_key(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=out["LogGroupName"])["logGroups"]
    assert (group["kmsKeyId"], group["retentionInDays"]) == (out["KeyArn"], 365)


def test_role_has_its_aws_managed_policy_attached(deploy, aws):
    deploy({"Stack": ("platform", [])})
    attached = aws("iam").list_attached_role_policies(RoleName="dms-vpc-role")["AttachedPolicies"]
    assert attached == [
        {
            "PolicyName": "AmazonDMSVPCManagementRole",
            "PolicyArn": "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
        }
    ]


def test_role_inline_policies_are_json_documents_as_iam_stores_them(deploy, aws, template):
    body = template("platform")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:x:*",
            }
        ],
    }
    body["Resources"]["DmsVpcRole"]["Properties"]["Policies"] = [
        {"PolicyName": "write-logs", "PolicyDocument": document}
    ]
    deploy({"Stack": (body, [])})
    iam = aws("iam")
    assert iam.list_role_policies(RoleName="dms-vpc-role")["PolicyNames"] == ["write-logs"]
    # boto3 decodes the URL-encoded JSON GetRolePolicy answers; moto alone answered the Python repr, left a string
    assert iam.get_role_policy(RoleName="dms-vpc-role", PolicyName="write-logs")["PolicyDocument"] == document


def test_vpc_dns_hostnames_are_enabled(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    answer = aws("ec2").describe_vpc_attribute(VpcId=out["VpcId"], Attribute="enableDnsHostnames")
    assert answer["EnableDnsHostnames"] == {"Value": True}


def test_cluster_container_insights_setting_is_kept(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    (cluster,) = aws("ecs").describe_clusters(clusters=[out["ClusterName"]], include=["SETTINGS"])["clusters"]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_subnet_maps_public_ip_on_launch_when_the_template_says_so(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    (subnet,) = aws("ec2").describe_subnets(SubnetIds=[out["PublicSubnetId"]])["Subnets"]
    assert subnet["MapPublicIpOnLaunch"] is True


def test_same_account_peering_is_accepted_as_cloudformation_does(deploy, aws):
    out = outputs_of(deploy({"Stack": ("peering", [])}))
    (peering,) = aws("ec2").describe_vpc_peering_connections(VpcPeeringConnectionIds=[out["PeeringId"]])[
        "VpcPeeringConnections"
    ]
    assert (peering["Status"]["Code"], peering["RequesterVpcInfo"]["VpcId"], peering["AccepterVpcInfo"]["VpcId"]) == (
        "active",
        out["RequesterVpcId"],
        out["AccepterVpcId"],
    )


def test_subnet_route_table_association_shows_on_the_route_table(deploy, aws):
    out = outputs_of(deploy({"Stack": ("platform", [])}))
    ec2 = aws("ec2")
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [out["PublicSubnetId"]]}])
    assert [
        (t["RouteTableId"], a["SubnetId"]) for t in tables["RouteTables"] for a in t["Associations"] if "SubnetId" in a
    ] == [(out["PublicRouteTableId"], out["PublicSubnetId"])]


def nlb_template(kind: str) -> dict:
    """A VPC, two subnets and a load balancer of ``Type`` ``kind``, its ARN as output ``Arn``."""
    subnet = {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}}
    return {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
            "A": {**subnet, "Properties": {**subnet["Properties"], "CidrBlock": "10.9.0.0/24"}},
            "B": {**subnet, "Properties": {**subnet["Properties"], "CidrBlock": "10.9.1.0/24"}},
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Name": f"lb-{kind}", "Type": kind, "Subnets": [{"Ref": "A"}, {"Ref": "B"}]},
            },
        },
        "Outputs": {"Arn": {"Value": {"Ref": "Balancer"}}},
    }


@pytest.mark.parametrize(("kind", "arn_kind"), [("network", "net"), ("application", "app")])
def test_a_load_balancers_arn_names_its_kind_as_aws_does(deploy, aws, kind, arn_kind):
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
    arn = outputs_of(deploy({"Stack": (nlb_template(kind), [])}))["Arn"]
    assert arn.split(":")[5].split("/")[:2] == ["loadbalancer", arn_kind]
    (lb,) = aws("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    assert (lb["LoadBalancerArn"], lb["Type"], lb["LoadBalancerName"]) == (arn, kind, f"lb-{kind}")


def test_while_moto_imports_each_region_list_is_read_once_and_boto3_session_is_restored_after():
    import boto3

    from stackcheck.emulator.cfn import _regions_listed_once

    real = boto3.session.Session()
    with _regions_listed_once():
        during = boto3.Session
        session = boto3.Session(region_name="eu-west-1")
        answers = [session.get_available_regions("ec2", partition) for partition in ("aws", "aws-us-gov", "aws-cn")]
        again = boto3.Session().get_available_regions("ec2", "aws-cn")
    assert boto3.Session is boto3.session.Session
    assert during is not boto3.session.Session and isinstance(session, boto3.session.Session)
    assert session.region_name == "eu-west-1"
    assert answers == [real.get_available_regions("ec2", partition) for partition in ("aws", "aws-us-gov", "aws-cn")]
    assert again == answers[2] and again is not answers[2]  # a fresh list each time, as botocore gives
    assert "us-east-1" in answers[0] and "cn-north-1" in answers[2]


MOTO_REGIONS = """
import json
import boto3
from stackcheck.emulator import cfn
cfn.install()
from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
real = boto3.session.Session()
expected = [r for p in ("aws", "aws-us-gov", "aws-cn") for r in real.get_available_regions("ec2", p)]
print(json.dumps({"moto": [r.name for r in RegionsAndZonesBackend.regions], "botocore": expected,
                  "restored": boto3.Session is boto3.session.Session}))
"""


def test_moto_imported_by_the_extension_lists_every_region_botocore_does():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", MOTO_REGIONS], capture_output=True, text=True, timeout=300, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["moto"] == found["botocore"] and found["restored"] is True
    assert len(found["moto"]) > 30
