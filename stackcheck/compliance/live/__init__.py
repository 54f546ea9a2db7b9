"""Live state of deployed resources as CloudFormation-shaped properties: one live template per deployed stack.

A live template is the stack's template as its resources are now: the property names of the
CloudFormation resource schema (what Cloud Control API's GetResource answers), the stack's own
resources under their logical IDs, and the resources they point at (in other stacks or outside
CloudFormation) under their physical IDs, joined by ``Ref``. The policy pack's rule functions run
on it unchanged, through ``TemplateView``. Each reader names the API operation it follows.
"""

from __future__ import annotations

import contextvars
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

from stackcheck.compliance.deployed import DeployedResource, DeployedStack, index_physical_ids
from stackcheck.compliance.live.apigateway import ApiGatewayReaders
from stackcheck.compliance.live.autoscaling import AutoScalingReaders
from stackcheck.compliance.live.awslambda import FUNCTION_FIELDS, LambdaReaders
from stackcheck.compliance.live.base import DeclaredPolicy, LiveResource, LiveTemplate, norm, raise_if_unavailable
from stackcheck.compliance.live.cloudwatch import ALARM_ACTIONS, ALARM_FIELDS, CloudWatchReaders
from stackcheck.compliance.live.dms import (
    ENDPOINT_FIELDS,
    ENDPOINT_SETTINGS,
    INSTANCE_FIELDS,
    SECRET_KEYS,
    TASK_FIELDS,
    DmsReaders,
)
from stackcheck.compliance.live.dynamodb import DynamoDbReaders
from stackcheck.compliance.live.ec2 import (
    ASSOCIATION_FIELDS,
    EGRESS_FIELDS,
    EIP_FIELDS,
    FLOW_LOG_FIELDS,
    GATEWAY_ATTACHMENT_FIELDS,
    INGRESS_FIELDS,
    INTERNET_GATEWAY_FIELDS,
    NAT_GATEWAY_FIELDS,
    PEERING_FIELDS,
    ROUTE_FIELDS,
    VPC_FIELDS,
    Ec2Readers,
)
from stackcheck.compliance.live.ecs import EcsReaders
from stackcheck.compliance.live.elbv2 import TARGET_GROUP_FIELDS, Elbv2Readers
from stackcheck.compliance.live.events import EventsReaders
from stackcheck.compliance.live.iam import PRINCIPALS, IamReaders
from stackcheck.compliance.live.kms import KmsReaders
from stackcheck.compliance.live.logs import LogsReaders
from stackcheck.compliance.live.rds import RDS_CLUSTER_PROPERTIES, RDS_INSTANCE_PROPERTIES, RdsReaders
from stackcheck.compliance.live.route53 import RECORD_FIELDS, Route53Readers
from stackcheck.compliance.live.s3 import S3Readers
from stackcheck.compliance.live.secretsmanager import SecretsManagerReaders
from stackcheck.compliance.live.sns import SnsReaders
from stackcheck.compliance.live.sqs import SqsReaders
from stackcheck.compliance.live.stepfunctions import StepFunctionsReaders
from stackcheck.scan.policy import TemplateView, as_list

__all__ = [
    "READ_PROPERTIES",
    "READ_THREADS",
    "READ_TYPES",
    "LiveReader",
    "LiveResource",
    "LiveTemplate",
    "read_live_templates",
]


READERS: dict[str, Callable[[Any, LiveResource], dict[str, Any]]] = {
    "AWS::S3::Bucket": S3Readers.bucket,
    "AWS::IAM::Role": IamReaders.role,
    "AWS::IAM::User": IamReaders.principal,
    "AWS::IAM::Group": IamReaders.principal,
    "AWS::IAM::Policy": IamReaders.inline_policy,
    "AWS::IAM::ManagedPolicy": IamReaders.managed_policy,
    "AWS::RDS::DBInstance": RdsReaders.db_instance,
    "AWS::RDS::DBCluster": RdsReaders.db_cluster,
    "AWS::RDS::DBSubnetGroup": RdsReaders.db_subnet_group,
    "AWS::EC2::Subnet": Ec2Readers.subnet,
    "AWS::EC2::RouteTable": Ec2Readers.route_table,
    "AWS::KMS::Key": KmsReaders.kms_key,
    "AWS::SNS::Topic": SnsReaders.topic,
    "AWS::Logs::LogGroup": LogsReaders.log_group,
    "AWS::ECS::Service": EcsReaders.ecs_service,
    "AWS::ECS::TaskDefinition": EcsReaders.task_definition,
    "AWS::ElasticLoadBalancingV2::TargetGroup": Elbv2Readers.target_group,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Elbv2Readers.load_balancer,
    "AWS::ElasticLoadBalancingV2::Listener": Elbv2Readers.listener,
    "AWS::EC2::SecurityGroup": Ec2Readers.security_group,
    "AWS::SecretsManager::Secret": SecretsManagerReaders.secret,
    "AWS::DMS::Endpoint": DmsReaders.dms_endpoint,
    "AWS::DMS::ReplicationInstance": DmsReaders.dms_replication_instance,
    "AWS::DMS::ReplicationTask": DmsReaders.dms_replication_task,
    "AWS::Route53::HostedZone": Route53Readers.hosted_zone,
    "AWS::Route53::RecordSet": Route53Readers.record_set,
    "AWS::Lambda::Function": LambdaReaders.lambda_function,
    "AWS::Lambda::Permission": LambdaReaders.lambda_permission,
    "AWS::Lambda::Alias": LambdaReaders.lambda_alias,
    "AWS::Lambda::Version": LambdaReaders.lambda_version,
    "AWS::Lambda::EventSourceMapping": LambdaReaders.lambda_event_source_mapping,
    "AWS::SNS::Subscription": SnsReaders.sns_subscription,
    "AWS::DynamoDB::Table": DynamoDbReaders.dynamodb_table,
    "AWS::SQS::Queue": SqsReaders.sqs_queue,
    "AWS::Events::Rule": EventsReaders.events_rule,
    "AWS::StepFunctions::StateMachine": StepFunctionsReaders.state_machine,
    "AWS::Lambda::LayerVersion": LambdaReaders.lambda_layer_version,
    "AWS::ApiGateway::RestApi": ApiGatewayReaders.rest_api,
    "AWS::ApiGateway::Resource": ApiGatewayReaders.api_resource,
    "AWS::ApiGateway::Deployment": ApiGatewayReaders.api_deployment,
    "AWS::ApiGateway::Stage": ApiGatewayReaders.api_stage,
    "AWS::ApiGateway::Method": ApiGatewayReaders.api_method,
    "AWS::ApiGateway::Account": ApiGatewayReaders.api_account,
    # EC2 network resources read on their own
    "AWS::EC2::VPC": Ec2Readers.vpc,
    "AWS::EC2::VPCEndpoint": Ec2Readers.vpc_endpoint,
    "AWS::EC2::Instance": Ec2Readers.instance,
    "AWS::IAM::InstanceProfile": IamReaders.instance_profile,
    "AWS::AutoScaling::AutoScalingGroup": AutoScalingReaders.auto_scaling_group,
    "AWS::AutoScaling::LaunchConfiguration": AutoScalingReaders.launch_configuration,
    "AWS::CloudWatch::Dashboard": CloudWatchReaders.dashboard,
    "Custom::LogRetention": LogsReaders.log_retention,
    "Custom::S3BucketNotifications": S3Readers.bucket_notifications,
    "AWS::EC2::InternetGateway": Ec2Readers.internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": Ec2Readers.gateway_attachment,
    "AWS::EC2::Route": Ec2Readers.route,
    "AWS::EC2::SubnetRouteTableAssociation": Ec2Readers.route_table_association,
    "AWS::EC2::EIP": Ec2Readers.elastic_ip,
    "AWS::EC2::NatGateway": Ec2Readers.nat_gateway,
    "AWS::EC2::SecurityGroupIngress": Ec2Readers.ingress_rule,
    "AWS::EC2::SecurityGroupEgress": Ec2Readers.egress_rule,
    "AWS::EC2::FlowLog": Ec2Readers.flow_log,
    "AWS::EC2::VPCPeeringConnection": Ec2Readers.peering_connection,
    # alarms, and resources read on their own that name or serve another (an alias, a topic's policy)
    "AWS::CloudWatch::Alarm": CloudWatchReaders.alarm,
    "AWS::DMS::ReplicationSubnetGroup": DmsReaders.dms_replication_subnet_group,
    "AWS::ECS::Cluster": EcsReaders.ecs_cluster,
    "AWS::KMS::Alias": KmsReaders.kms_alias,
    "AWS::RDS::DBParameterGroup": RdsReaders.db_parameter_group,
    "AWS::SecretsManager::SecretTargetAttachment": SecretsManagerReaders.secret_target_attachment,
}


READ_TYPES: frozenset[str] = frozenset(READERS)
"""Resource types whose live state a live template can hold (a live form may name only these)."""

_INGRESS = ("IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId")
_EGRESS = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "CidrIpv6",
    "DestinationSecurityGroupId",
    "DestinationPrefixListId",
)


def _read(*names: str, **partial: tuple[str, ...]) -> Mapping[str, frozenset[str] | None]:
    return {**dict.fromkeys(names), **{name: frozenset(read) for name, read in partial.items()}}


READ_PROPERTIES: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "AWS::S3::Bucket": _read(
        "BucketName", "AccessControl", "BucketEncryption", "PublicAccessBlockConfiguration", "VersioningConfiguration"
    ),
    "AWS::S3::BucketPolicy": _read("Bucket", "PolicyDocument"),
    "AWS::IAM::Role": _read("RoleName", "Path", "AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns"),
    "AWS::IAM::User": _read("UserName", "Policies", "ManagedPolicyArns"),
    "AWS::IAM::Group": _read("GroupName", "Policies", "ManagedPolicyArns"),
    "AWS::IAM::Policy": _read("PolicyName", "PolicyDocument"),
    "AWS::IAM::ManagedPolicy": _read("ManagedPolicyName", "Path", "PolicyDocument"),
    "AWS::RDS::DBInstance": _read(
        *RDS_INSTANCE_PROPERTIES,
        "EnableCloudwatchLogsExports",
        "DBParameterGroupName",
        "KmsKeyId",
        "DBClusterIdentifier",
        "DBSubnetGroupName",
    ),
    "AWS::RDS::DBCluster": _read(
        *RDS_CLUSTER_PROPERTIES,
        "EnableCloudwatchLogsExports",
        "DBClusterParameterGroupName",
        "KmsKeyId",
        "DBSubnetGroupName",
    ),
    "AWS::RDS::DBSubnetGroup": _read("DBSubnetGroupName", "SubnetIds"),
    "AWS::EC2::Subnet": _read("VpcId", "CidrBlock", "AvailabilityZone", "MapPublicIpOnLaunch", "Tags"),
    "AWS::EC2::RouteTable": _read("VpcId", "Tags"),
    "AWS::EC2::SecurityGroup": _read("GroupName", "VpcId", SecurityGroupIngress=_INGRESS, SecurityGroupEgress=_EGRESS),
    "AWS::KMS::Key": _read("KeySpec", "KeyUsage", "Origin", "MultiRegion", "Enabled", "EnableKeyRotation", "KeyPolicy"),
    "AWS::SNS::Topic": _read("TopicName", "KmsMasterKeyId"),
    "AWS::Logs::LogGroup": _read("LogGroupName", "KmsKeyId", "RetentionInDays"),
    "AWS::ECS::Service": _read(
        "ServiceName",
        "Cluster",
        "LaunchType",
        "DesiredCount",
        "TaskDefinition",
        "LoadBalancers",
        "NetworkConfiguration",
    ),
    "AWS::ECS::TaskDefinition": _read(
        "Family", "NetworkMode", ContainerDefinitions=("Name", "PortMappings", "ContainerPort", "HostPort", "Protocol")
    ),
    "AWS::ElasticLoadBalancingV2::TargetGroup": _read(*TARGET_GROUP_FIELDS, "Name"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _read(
        "Name", "Type", "Scheme", "SecurityGroups", "LoadBalancerAttributes"
    ),
    "AWS::ElasticLoadBalancingV2::Listener": _read(
        "LoadBalancerArn", "Port", "Protocol", "SslPolicy", "Certificates", "AlpnPolicy", "DefaultActions"
    ),
    "AWS::ElasticLoadBalancingV2::ListenerRule": _read("ListenerArn", "Priority", "Conditions", "Actions"),
    "AWS::SecretsManager::Secret": _read("Name", "Description", "KmsKeyId"),
    "AWS::SecretsManager::ResourcePolicy": _read("SecretId", "ResourcePolicy"),
    "AWS::SecretsManager::RotationSchedule": _read("SecretId", "RotationLambdaARN", "RotationRules"),
    "AWS::DMS::Endpoint": _read(*ENDPOINT_FIELDS, **dict.fromkeys(ENDPOINT_SETTINGS.values(), SECRET_KEYS)),
    "AWS::DMS::ReplicationInstance": _read(*INSTANCE_FIELDS, "ReplicationSubnetGroupIdentifier", "VpcSecurityGroupIds"),
    "AWS::DMS::ReplicationTask": _read(*TASK_FIELDS),
    "AWS::Route53::HostedZone": _read("Name", HostedZoneConfig=("Comment",)),
    "AWS::Lambda::Function": _read(
        *FUNCTION_FIELDS,
        "Role",
        "KmsKeyArn",
        "Architectures",
        "TracingConfig",
        "VpcConfig",
        "DeadLetterConfig",
        "Layers",
        "ReservedConcurrentExecutions",
    ),
    "AWS::Lambda::EventSourceMapping": _read(
        "EventSourceArn",
        "FunctionName",
        "Enabled",
        "BatchSize",
        "StartingPosition",
        "MaximumBatchingWindowInSeconds",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "BisectBatchOnFunctionError",
        "FunctionResponseTypes",
        "FilterCriteria",
    ),
    "AWS::SNS::Subscription": _read(
        "Protocol",
        "Endpoint",
        "TopicArn",
        "RawMessageDelivery",
        "FilterPolicy",
        "FilterPolicyScope",
        "RedrivePolicy",
        "DeliveryPolicy",
        "SubscriptionRoleArn",
    ),
    "AWS::Lambda::Alias": _read("FunctionName", "Name", "FunctionVersion", "Description", "RoutingConfig"),
    "AWS::Lambda::Version": _read("FunctionName", "Description"),
    "AWS::Lambda::Permission": _read(
        "Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "PrincipalOrgID", "FunctionUrlAuthType"
    ),
    "AWS::ApiGateway::RestApi": _read(
        "Name",
        "Description",
        "BinaryMediaTypes",
        "ApiKeySourceType",
        "MinimumCompressionSize",
        "DisableExecuteApiEndpoint",
        "Policy",
        EndpointConfiguration=("Types",),
    ),
    "AWS::ApiGateway::Resource": _read("RestApiId", "ParentId", "PathPart"),
    "AWS::ApiGateway::Deployment": _read("RestApiId", "Description"),
    "AWS::ApiGateway::Stage": _read(
        "RestApiId",
        "StageName",
        "DeploymentId",
        "Description",
        "TracingEnabled",
        "CacheClusterEnabled",
        "CacheClusterSize",
        "Variables",
        "AccessLogSetting",
        "MethodSettings",
    ),
    "AWS::ApiGateway::Account": _read("CloudWatchRoleArn"),
    "AWS::ApiGateway::Method": _read(
        "RestApiId",
        "ResourceId",
        "HttpMethod",
        "AuthorizationType",
        "AuthorizerId",
        "ApiKeyRequired",
        "OperationName",
        "RequestParameters",
        "RequestModels",
        "RequestValidatorId",
        "AuthorizationScopes",
        "MethodResponses",
        Integration=(
            "Type",
            "IntegrationHttpMethod",
            "Uri",
            "Credentials",
            "PassthroughBehavior",
            "RequestParameters",
            "RequestTemplates",
            "TimeoutInMillis",
            "ContentHandling",
            "ConnectionType",
            "ConnectionId",
            "CacheNamespace",
            "CacheKeyParameters",
            "IntegrationResponses",
        ),
    ),
    "Custom::LogRetention": _read("LogGroupName", "RetentionInDays"),
    "Custom::S3BucketNotifications": _read("BucketName", "NotificationConfiguration"),
    "AWS::CloudWatch::Dashboard": _read("DashboardName", "DashboardBody"),
    "AWS::AutoScaling::LaunchConfiguration": _read(
        "LaunchConfigurationName",
        "ImageId",
        "InstanceType",
        "KeyName",
        "SecurityGroups",
        "UserData",
        "IamInstanceProfile",
        "AssociatePublicIpAddress",
        "InstanceMonitoring",
        "SpotPrice",
        "EbsOptimized",
    ),
    "AWS::AutoScaling::AutoScalingGroup": _read(
        "AutoScalingGroupName",
        "MinSize",
        "MaxSize",
        "DesiredCapacity",
        "VPCZoneIdentifier",
        "LaunchConfigurationName",
        "LaunchTemplate",
        "TargetGroupARNs",
        "LoadBalancerNames",
        "HealthCheckType",
        "HealthCheckGracePeriod",
        "Cooldown",
        "NewInstancesProtectedFromScaleIn",
        "TerminationPolicies",
        "Tags",
    ),
    "AWS::IAM::InstanceProfile": _read("InstanceProfileName", "Path", "Roles"),
    "AWS::EC2::Instance": _read(
        "ImageId",
        "InstanceType",
        "SubnetId",
        "SecurityGroupIds",
        "KeyName",
        "IamInstanceProfile",
        "UserData",
        "AvailabilityZone",
        "PrivateIpAddress",
        "SourceDestCheck",
        "Monitoring",
        "EbsOptimized",
        "Tags",
    ),
    "AWS::EC2::VPCEndpoint": _read(
        "VpcId",
        "ServiceName",
        "VpcEndpointType",
        "PolicyDocument",
        "RouteTableIds",
        "SubnetIds",
        "SecurityGroupIds",
        "PrivateDnsEnabled",
    ),
    "AWS::Lambda::LayerVersion": _read(
        "LayerName", "Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"
    ),
    "AWS::StepFunctions::StateMachine": _read(
        "StateMachineName",
        "StateMachineType",
        "RoleArn",
        "Definition",
        "DefinitionString",
        "LoggingConfiguration",
        "TracingConfiguration",
        "EncryptionConfiguration",
    ),
    "AWS::Events::Rule": _read(
        "Name", "Description", "EventBusName", "EventPattern", "ScheduleExpression", "State", "RoleArn", "Targets"
    ),
    "AWS::SQS::Queue": _read(
        "QueueName",
        "FifoQueue",
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
        "RedrivePolicy",
        "RedriveAllowPolicy",
    ),
    "AWS::DynamoDB::Table": _read(
        "TableName",
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "DeletionProtectionEnabled",
        "ProvisionedThroughput",
        "LocalSecondaryIndexes",
        "TableClass",
        GlobalSecondaryIndexes=("IndexName", "KeySchema", "Projection", "ProvisionedThroughput"),
        StreamSpecification=("StreamViewType",),
        SSESpecification=("SSEEnabled", "SSEType", "KMSMasterKeyId"),
        PointInTimeRecoverySpecification=("PointInTimeRecoveryEnabled", "RecoveryPeriodInDays"),
        TimeToLiveSpecification=("AttributeName", "Enabled"),
    ),
    "AWS::Route53::RecordSet": _read(
        "Name", "Type", "SetIdentifier", "HostedZoneId", "ResourceRecords", "AliasTarget", *RECORD_FIELDS
    ),
    # EC2 network resources read on their own
    "AWS::EC2::VPC": _read(*VPC_FIELDS),
    "AWS::EC2::InternetGateway": _read(*INTERNET_GATEWAY_FIELDS),
    "AWS::EC2::VPCGatewayAttachment": _read(*GATEWAY_ATTACHMENT_FIELDS),
    "AWS::EC2::Route": _read(*ROUTE_FIELDS),
    "AWS::EC2::SubnetRouteTableAssociation": _read(*ASSOCIATION_FIELDS),
    "AWS::EC2::EIP": _read(*EIP_FIELDS),
    "AWS::EC2::NatGateway": _read(*NAT_GATEWAY_FIELDS),
    "AWS::EC2::SecurityGroupIngress": _read(*INGRESS_FIELDS),
    "AWS::EC2::SecurityGroupEgress": _read(*EGRESS_FIELDS),
    "AWS::EC2::FlowLog": _read(*FLOW_LOG_FIELDS),
    "AWS::EC2::VPCPeeringConnection": _read(*PEERING_FIELDS),
    # alarms, and resources read on their own that name or serve another (an alias, a topic's policy)
    "AWS::CloudWatch::Alarm": _read(*ALARM_FIELDS, *ALARM_ACTIONS, "Dimensions", "Metrics"),
    "AWS::DMS::ReplicationSubnetGroup": _read(
        "ReplicationSubnetGroupIdentifier", "ReplicationSubnetGroupDescription", "SubnetIds"
    ),
    "AWS::ECS::Cluster": _read(
        "ClusterName", "ClusterSettings", "CapacityProviders", "DefaultCapacityProviderStrategy"
    ),
    "AWS::KMS::Alias": _read("AliasName", "TargetKeyId"),
    "AWS::RDS::DBParameterGroup": _read("DBParameterGroupName", "Family", "Description", "Parameters"),
    "AWS::SNS::TopicPolicy": _read("PolicyDocument", "Topics"),
    "AWS::SQS::QueuePolicy": _read("PolicyDocument", "Queues"),
    "AWS::SecretsManager::SecretTargetAttachment": _read("SecretId", "TargetType", "TargetId"),
}
"""Resource type → each property its reader reads: None when read in full, else the names within it that are
read (``SecurityGroupIngress``: each rule's protocol, ports and source, not its ``Description``). A property
listed and absent from a live resource is not set on it; a property not listed is unknown there. The types are the readers' own
(READ_TYPES) and those read as part of another (a bucket's policy, a load balancer's listeners)."""


class TemplateBuilder(
    S3Readers,
    IamReaders,
    RdsReaders,
    Ec2Readers,
    KmsReaders,
    SnsReaders,
    LogsReaders,
    EcsReaders,
    Elbv2Readers,
    SecretsManagerReaders,
    DmsReaders,
    Route53Readers,
    CloudWatchReaders,
    LambdaReaders,
    DynamoDbReaders,
    SqsReaders,
    AutoScalingReaders,
    StepFunctionsReaders,
    EventsReaders,
    ApiGatewayReaders,
):
    """The live template builder with every per-service reader."""

    readers: ClassVar[Mapping[str, Callable[[Any, LiveResource], dict[str, Any]]]] = READERS


class LiveReader:
    """Reads live resources through a ClientFactory (every call retried on throttling) and builds live templates.

    ``stacks`` are every deployed stack of the cloud assembly, so a resource of another stack is
    recognised as such. API answers are cached for the reader's life (one run). ``calls`` counts
    the API calls made, ``thread_calls()`` those made by the calling thread. Several threads may read
    live templates at once (``check_compliance`` reads its stacks side by side); a call two of them
    need at the same moment may then be made twice, its answer kept once.
    """

    def __init__(self, factory: Any, stacks: Iterable[DeployedStack]):
        self.factory = factory
        self.stacks = list(stacks)
        self._index = {(t, norm(t, p)): r for (t, p), r in index_physical_ids(self.stacks).items()}
        self._answers: dict[str, Any] = {}
        self._policies: dict[tuple[str, str], DeclaredPolicy] | None = None
        self.calls = 0
        self._counting = threading.Lock()
        self._local = threading.local()

    def thread_calls(self) -> int:
        """The API calls this reader made from the calling thread."""
        return int(getattr(self._local, "calls", 0))

    def owner(self, resource_type: str, physical_id: str) -> DeployedResource | None:
        """The deployed resource of that type and physical ID (any stack), or None."""
        return self._index.get((resource_type, norm(resource_type, physical_id)))

    def declared_policies(self) -> Mapping[tuple[str, str], DeclaredPolicy]:
        """(stack artifact id, logical ID) → each deployed ``AWS::IAM::Policy``, as its stack's template declares it.

        IAM keeps such a policy only as an inline policy of each role, user and group it names, under
        its ``PolicyName``; neither is in its physical ID. A principal is named by ``Ref`` to a resource
        of its stack (its physical ID) or by a literal name.
        """
        if self._policies is None:
            policies: dict[tuple[str, str], DeclaredPolicy] = {}  # published whole: other threads read it
            for stack in self.stacks:
                view = TemplateView(stack.artifact.template)
                for logical_id in view.of_type("AWS::IAM::Policy"):
                    deployed = stack.resource(logical_id)
                    if deployed is None or not deployed.live:
                        continue
                    props = view.properties(logical_id)
                    principals = []
                    for resource_type, (_, _, listed) in PRINCIPALS.items():
                        for node in as_list(props.get(listed)):
                            target, literal = view.target(node), view.value(node)
                            if target is not None:
                                found = stack.resource(target)
                                principal = found.physical_id if found is not None and found.live else None
                            else:
                                principal = literal if isinstance(literal, str) and literal else None
                            principals.append((resource_type, principal, json.dumps(node, sort_keys=True)))
                    policy_name = view.value(props.get("PolicyName"))
                    policies[(stack.artifact_id, logical_id)] = DeclaredPolicy(
                        policy_name if isinstance(policy_name, str) and policy_name else None, tuple(principals)
                    )
            self._policies = policies
        return self._policies

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """``factory(service).<operation>(**kwargs)``, cached per arguments.

        Raises DetectionUnavailableError when the endpoint does not answer or there are no
        credentials (nothing can be read then); other errors propagate.
        """
        return self._answer(service, operation, None, kwargs)

    def call_keeping(self, service: str, operation: str, keep: Callable[[Any], Any], **kwargs: Any) -> Any:
        """``keep(answer)`` of ``call``: only that is cached and returned, the answer itself is dropped
        (GetSecretValue: only a secret's non-secret keys are kept). Raises what ``call`` raises."""
        return self._answer(service, operation, keep, kwargs)

    def _answer(self, service: str, operation: str, keep: Callable[[Any], Any] | None, kwargs: dict[str, Any]) -> Any:
        cache = json.dumps([service, operation, kwargs], sort_keys=True, default=str)
        if cache not in self._answers:
            client = self.factory(service)
            try:
                if operation.startswith("paginate:"):
                    name = operation.split(":", 1)[1]
                    self._answers[cache] = list(client.get_paginator(name).paginate(**kwargs))
                elif keep is not None:
                    self._answers[cache] = keep(getattr(client, operation)(**kwargs))
                else:
                    self._answers[cache] = getattr(client, operation)(**kwargs)
            except Exception as exc:
                raise_if_unavailable(exc)
                raise
            finally:
                with self._counting:
                    self.calls += 1
                self._local.calls = self.thread_calls() + 1
        return self._answers[cache]

    def api_name(self, service: str, operation: str) -> str:
        """``s3:GetBucketEncryption`` for ``("s3", "get_bucket_encryption")``."""
        name = operation.split(":", 1)[-1]
        mapping = self.factory(service).meta.method_to_api_mapping
        return f"{service}:{mapping.get(name, name)}"

    def live_template(self, stack: DeployedStack, resource_types: Collection[str]) -> LiveTemplate:
        """The live template of ``stack``: each of its live resources of ``resource_types``, read in full,
        and what those point at. Resources that cannot be read are kept with their ``error``."""
        builder = TemplateBuilder(self, stack)
        for resource in stack.resources:
            if resource.resource_type in resource_types and resource.live and resource.resource_type in READERS:
                builder.add(resource.resource_type, resource.physical_id or "", full=True, owner=resource)
        return LiveTemplate(stack=stack, template={"Resources": builder.template}, resources=builder.resources)


READ_THREADS = 4
"""Stacks whose live templates are read at once: each waits on its own API calls (network round trips on
AWS; the emulator answers several calls at once), so reading them side by side overlaps the waits."""


def read_live_templates(
    reader: LiveReader, stacks: Sequence[DeployedStack], types: Collection[str]
) -> dict[str, Future[tuple[LiveTemplate, int]]]:
    """Artifact id → the future ``(live template, API calls its read made)`` of each stack, read in up to
    READ_THREADS threads (each in a copy of the caller's context, so retries stay attributed to the running
    test). A read's exception is raised by its future's ``result()``, in the caller's stack order."""

    def read(stack: DeployedStack) -> tuple[LiveTemplate, int]:
        before = reader.thread_calls()
        live = reader.live_template(stack, types)
        return live, reader.thread_calls() - before

    with ThreadPoolExecutor(max_workers=max(1, min(READ_THREADS, len(stacks))), thread_name_prefix="live-read") as pool:
        return {s.artifact_id: pool.submit(contextvars.copy_context().run, read, s) for s in stacks}
