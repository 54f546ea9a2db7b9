"""ALB → target group → ECS Fargate service, ports aligned on 80; security groups."""

from __future__ import annotations

from tests.integration.checks import assert_ingress_only


def test_alb_is_active_and_internet_facing(outputs, aws_client, role):
    arn = outputs.get(role=role, kind="load_balancer", attr="arn")
    (alb,) = aws_client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    assert (alb["State"]["Code"], alb["Scheme"], alb["Type"]) == ("active", "internet-facing", "application")


def test_alb_listens_on_http_80_forwarding_to_the_target_group(outputs, aws_client, role):
    elbv2 = aws_client("elbv2")
    listeners = elbv2.describe_listeners(LoadBalancerArn=outputs.get(role=role, kind="load_balancer", attr="arn"))
    shaped = [
        (listener["Protocol"], listener["Port"], [a.get("TargetGroupArn") for a in listener["DefaultActions"]])
        for listener in listeners["Listeners"]
    ]
    assert shaped == [("HTTP", 80, [outputs.get(role=role, kind="target_group", attr="arn")])]


def test_target_group_sends_to_port_80_with_health_check_root(outputs, aws_client, role):
    arn = outputs.get(role=role, kind="target_group", attr="arn")
    (group,) = aws_client("elbv2").describe_target_groups(TargetGroupArns=[arn])["TargetGroups"]
    assert (group["Protocol"], group["Port"], group["TargetType"], group["HealthCheckPath"]) == ("HTTP", 80, "ip", "/")


def test_ecs_service_is_active_on_fargate_behind_the_target_group(outputs, aws_client, role):
    cluster = outputs.get(role=role, kind="ecs_cluster", attr="name")
    service_arn = outputs.get(role=role, kind="ecs_service", attr="arn")
    (service,) = aws_client("ecs").describe_services(cluster=cluster, services=[service_arn])["services"]
    assert (service["status"], service["launchType"]) == ("ACTIVE", "FARGATE")
    assert [(lb["targetGroupArn"], lb["containerPort"]) for lb in service["loadBalancers"]] == [
        (outputs.get(role=role, kind="target_group", attr="arn"), 80)
    ]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert network["securityGroups"] == [outputs.get(role=role, kind="service_security_group", attr="id")]


def test_task_definition_container_listens_on_80(outputs, aws_client, role):
    arn = outputs.get(role=role, kind="task_definition", attr="arn")
    task = aws_client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
    ports = [(c["name"], m["containerPort"]) for c in task["containerDefinitions"] for m in c.get("portMappings", [])]
    assert ports == [("web", 80)]
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"


def test_service_security_group_admits_only_the_alb_on_80(outputs, aws_client, role):
    assert_ingress_only(
        aws_client("ec2"),
        outputs.get(role=role, kind="service_security_group", attr="id"),
        {("tcp", 80, 80, outputs.get(role=role, kind="alb_security_group", attr="id"))},
    )


def _dms_security_group(outputs, aws_client, role: str) -> str:
    arn = outputs.get(role=role, kind="dms_replication_instance", attr="arn")
    (instance,) = aws_client("dms").describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
    )["ReplicationInstances"]
    (group,) = [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]]
    return group


def test_db_security_group_admits_only_service_and_dms_on_5432(outputs, aws_client, role):
    service_sg = outputs.get(role=role, kind="service_security_group", attr="id")
    expected = {("tcp", 5432, 5432, service_sg), ("tcp", 5432, 5432, _dms_security_group(outputs, aws_client, role))}
    if role == "source":  # the target's replication instance pulls from the source over the peering
        expected.add(("tcp", 5432, 5432, _dms_security_group(outputs, aws_client, "target")))
    assert_ingress_only(aws_client("ec2"), outputs.get(role=role, kind="db_security_group", attr="id"), expected)
