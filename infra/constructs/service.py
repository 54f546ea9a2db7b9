"""Service: nginx on ECS Fargate behind an internet-facing ALB, ports aligned on 80."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

CONTAINER_PORT = 80
HEALTH_CHECK_PATH = "/"
# nginx writes here; with a read-only root file system these are task-scoped volumes.
WRITABLE_PATHS = {"cache": "/var/cache/nginx", "run": "/var/run", "tmp": "/tmp"}


class WebService(Construct):
    """ALB (HTTP :80) → target group (:80, health check ``/``) → Fargate service (container :80).

    The service security group admits only the ALB security group, on the container port.
    Attributes: ``cluster``, ``task_definition``, ``container``, ``service``, ``load_balancer``,
    ``listener``, ``target_group``, ``service_security_group``, ``load_balancer_security_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        access_logs_bucket: s3.IBucket,
        image: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        self.task_definition = ecs.FargateTaskDefinition(self, "TaskDefinition", cpu=256, memory_limit_mib=512)
        log_group = logs.LogGroup(
            self,
            "ContainerLogGroup",
            encryption_key=encryption_key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.container = self.task_definition.add_container(
            "web",
            image=ecs.ContainerImage.from_registry(image),
            port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="web", log_group=log_group),
            readonly_root_filesystem=True,
            essential=True,
        )
        for name, path in WRITABLE_PATHS.items():
            self.task_definition.add_volume(name=name)
            self.container.add_mount_points(ecs.MountPoint(source_volume=name, container_path=path, read_only=False))

        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description="Internet-facing ALB: HTTP from anywhere, to the service only",
            allow_all_outbound=False,
        )
        self.load_balancer_security_group.add_ingress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP from the internet (cutover traffic)"
        )
        self.service_security_group = ec2.SecurityGroup(
            self,
            "ServiceSecurityGroup",
            vpc=vpc,
            description="Fargate tasks: admits the ALB only, on the container port",
            allow_all_outbound=False,
        )
        # Image pulls and log delivery go out through the NAT gateways over HTTPS.
        self.service_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to ECR, CloudWatch Logs and Secrets Manager"
        )

        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=2,
            min_healthy_percent=100,
            max_healthy_percent=200,
            assign_public_ip=False,
            security_groups=[self.service_security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            health_check_grace_period=Duration.seconds(60),
        )

        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            security_group=self.load_balancer_security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
        )
        # ALB access logs need the region's ELB log-delivery principal, which an
        # environment-agnostic synthesis cannot know; with CDK_DEFAULT_REGION set they are on.
        if not Token.is_unresolved(Stack.of(self).region):
            self.load_balancer.log_access_logs(access_logs_bucket, prefix="alb")
        self.listener = self.load_balancer.add_listener(
            "HttpListener", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False
        )
        self.target_group = self.listener.add_targets(
            "Service",
            port=CONTAINER_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            health_check=elbv2.HealthCheck(
                path=HEALTH_CHECK_PATH,
                healthy_http_codes="200",
                interval=Duration.seconds(30),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
            deregistration_delay=Duration.seconds(30),
        )
        # The CDK makes the service DependsOn the target group it already Refs (cfn-lint W3005).
        # Keep the ordering that matters: the listener (the target group must be attached to a
        # load balancer before ECS registers tasks) and the task role.
        stack = Stack.of(self)
        self.service.node.default_child.add_override(
            "DependsOn",
            [
                stack.get_logical_id(self.listener.node.default_child),
                stack.get_logical_id(self.task_definition.task_role.node.default_child),
            ],
        )
