"""ECS for the emulator: the AWS::ECS::Service and ::TaskDefinition properties moto's models drop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on
from stackcheck.emulator.cfn._values import camel_keys

__all__ = ["api_load_balancers", "api_network_configuration", "camel_keys"]

CLUSTER_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-cluster.html"
SERVICE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html"
TASK_DEFINITION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-taskdefinition.html"
)

relies_on(
    "moto.ecs.models",
    "Service.__init__",
    assigns=(
        "launch_type",
        "load_balancers",
        "network_configuration",
        "platform_version",
        "propagate_tags",
        "tags",
        "deployments",
    ),
)
relies_on("moto.ecs.models", "Service._validate_network", params=("nc",))
relies_on("moto.ecs.models", "Service.__init__", assigns=("deployment_controller",))
relies_on("moto.ecs.models", "Cluster.__init__", assigns=("settings",))
relies_on(
    "moto.ecs.models",
    "TaskDefinition.__init__",
    assigns=(
        "network_mode",
        "requires_compatibilities",
        "compatibilities",
        "cpu",
        "task_role_arn",
        "execution_role_arn",
        "runtime_platform",
    ),
)


def api_load_balancers(load_balancers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CloudFormation ``LoadBalancers`` → ECS API ``loadBalancers`` (targetGroupArn, containerName, containerPort int)."""
    out = []
    for lb in load_balancers:
        item: dict[str, Any] = {}
        if lb.get("TargetGroupArn"):
            item["targetGroupArn"] = lb["TargetGroupArn"]
        if lb.get("LoadBalancerName"):
            item["loadBalancerName"] = lb["LoadBalancerName"]
        if lb.get("ContainerName"):
            item["containerName"] = lb["ContainerName"]
        if lb.get("ContainerPort") is not None:
            item["containerPort"] = int(lb["ContainerPort"])
        out.append(item)
    return out


def api_network_configuration(network: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation ``NetworkConfiguration`` → ECS API ``networkConfiguration`` (awsvpcConfiguration)."""
    awsvpc = network.get("AwsvpcConfiguration") or {}
    return {
        "awsvpcConfiguration": {
            "subnets": list(awsvpc.get("Subnets") or []),
            "securityGroups": list(awsvpc.get("SecurityGroups") or []),
            "assignPublicIp": awsvpc.get("AssignPublicIp", "DISABLED"),
        }
    }


@patch(
    "moto.ecs.models",
    "Cluster.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ECS::Cluster",
    adds=("ClusterSettings",),
    doc_url=CLUSTER_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_cluster(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the cluster from its name only, so Container Insights reads "disabled" whatever
    ``ClusterSettings`` says; set the settings DescribeClusters (include SETTINGS) reports.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-cluster.html
    """
    cluster = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    settings = (cloudformation_json.get("Properties") or {}).get("ClusterSettings")
    if settings:
        cluster.settings = camel_keys(settings)
    return cluster


@patch(
    "moto.ecs.models",
    "Service.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ECS::Service",
    adds=(
        "LaunchType",
        "LoadBalancers",
        "NetworkConfiguration",
        "PlatformVersion",
        "PropagateTags",
        "Tags",
        "DeploymentConfiguration",
        "DeploymentController",
        "HealthCheckGracePeriodSeconds",
        "EnableExecuteCommand",
        "EnableECSManagedTags",
    ),
    doc_url=SERVICE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_service(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the service from Cluster, TaskDefinition and DesiredCount only (and answers
    launchType EC2); this sets what the template declares and DescribeServices reports: launch
    type, load balancers, the awsvpc network configuration (validated by moto: the subnets and
    security groups must exist), platform version, tag propagation, tags, deployment
    configuration (circuit breaker) and controller, health check grace period, ECS Exec and
    managed tags (false unless given, as in ECS), and DesiredCount 1 when the template gives none
    (CloudFormation's default for a new REPLICA service).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html
    """
    service = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    p = cloudformation_json.get("Properties", {})
    if p.get("LaunchType"):
        service.launch_type = p["LaunchType"]
    if p.get("LoadBalancers"):
        service.load_balancers = api_load_balancers(p["LoadBalancers"])
    if p.get("NetworkConfiguration"):
        service.network_configuration = service._validate_network(api_network_configuration(p["NetworkConfiguration"]))
    if p.get("PlatformVersion"):
        service.platform_version = p["PlatformVersion"]
    elif service.launch_type == "FARGATE":
        service.platform_version = "LATEST"  # what ECS reports for a Fargate service given none
    if p.get("PropagateTags"):
        service.propagate_tags = p["PropagateTags"]
    if p.get("Tags"):
        service.tags = [{"key": t["Key"], "value": t["Value"]} for t in p["Tags"]]
    if p.get("DeploymentConfiguration"):
        service.deployment_configuration = camel_keys(p["DeploymentConfiguration"])
    if p.get("DeploymentController"):
        service.deployment_controller = camel_keys(p["DeploymentController"])
    if p.get("HealthCheckGracePeriodSeconds") is not None:
        service.health_check_grace_period_seconds = int(p["HealthCheckGracePeriodSeconds"])
    for cfn_name, attribute in (
        ("EnableExecuteCommand", "enable_execute_command"),
        ("EnableECSManagedTags", "enable_ecs_managed_tags"),
    ):
        setattr(service, attribute, str(p.get(cfn_name, False)).lower() == "true")  # ECS defaults: false
    if p.get("DesiredCount") is None and p.get("SchedulingStrategy") != "DAEMON":
        # "For new services, if a desired count is not specified, a default value of 1 is used"
        service.desired_count = 1
    for deployment in service.deployments:
        deployment["desiredCount"] = service.desired_count
        deployment["launchType"] = service.launch_type
        deployment["platformFamily"] = "EC2" if service.launch_type == "EC2" else "FARGATE"
        deployment["platformVersion"] = service.platform_version
        deployment["networkConfiguration"] = service.network_configuration or None
    return service


@patch(
    "moto.ecs.models",
    "TaskDefinition.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ECS::TaskDefinition",
    adds=("Cpu", "NetworkMode", "RequiresCompatibilities", "TaskRoleArn", "ExecutionRoleArn", "RuntimePlatform"),
    doc_url=TASK_DEFINITION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_task_definition(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto registers family, container definitions, volumes and memory; this sets the rest
    DescribeTaskDefinition reports: cpu, network mode, compatibilities, task and execution roles
    and runtime platform.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-taskdefinition.html
    """
    task_definition = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    p = cloudformation_json.get("Properties", {})
    if p.get("Cpu") is not None:
        task_definition.cpu = str(p["Cpu"])
    if p.get("RequiresCompatibilities"):
        task_definition.requires_compatibilities = list(p["RequiresCompatibilities"])
        if "FARGATE" in task_definition.requires_compatibilities:
            task_definition.compatibilities = ["EC2", "FARGATE"]
    if p.get("NetworkMode"):
        task_definition.network_mode = p["NetworkMode"]
    if p.get("TaskRoleArn"):
        task_definition.task_role_arn = p["TaskRoleArn"]
    if p.get("ExecutionRoleArn"):
        task_definition.execution_role_arn = p["ExecutionRoleArn"]
    if p.get("RuntimePlatform"):
        platform = p["RuntimePlatform"]
        task_definition.runtime_platform = {k[0].lower() + k[1:]: v for k, v in platform.items()}
    return task_definition
