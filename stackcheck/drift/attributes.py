"""``Fn::GetAtt`` values that follow from a resource's physical ID, as CloudFormation documents them.

An ARN attribute (``Fn::GetAtt Key.Arn``) is not a property the live template holds, but
CloudFormation builds it from the physical ID (what ``Ref`` returns) and the stack's partition,
region and account, each as the "Return values" section of the resource type's page in the
CloudFormation User Guide gives it (e.g.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html#aws-resource-kms-key-return-values).
Only attributes whose value those pages spell out from the physical ID are here; any other stays
unresolved, so a property that depends on it is not compared rather than compared with a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ATTRIBUTES", "attribute_from_physical_id"]

# (physical ID, {"partition", "region", "account"}, the resource's live properties) -> value, or None
_Formula = Callable[[str, Mapping[str, str], Mapping[str, Any]], str | None]


def _arn(service: str, resource: str, *, regional: bool = True, account: bool = True) -> _Formula:
    """``arn:{partition}:{service}:{region}:{account}:{resource}`` with ``{id}`` the physical ID."""

    def formula(physical_id: str, where: Mapping[str, str], _: Mapping[str, Any]) -> str:
        region = where["region"] if regional else ""
        owner = where["account"] if account else ""
        return f"arn:{where['partition']}:{service}:{region}:{owner}:{resource.format(id=physical_id)}"

    return formula


def _iam(kind: str) -> _Formula:
    """IAM ARNs carry the resource's path (``Path``, default ``/``): ``arn:aws:iam::123456789012:role/path/name``."""

    def formula(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str | None:
        path = live.get("Path", "/")
        if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/"):
            return None
        return f"arn:{where['partition']}:iam::{where['account']}:{kind}{path}{physical_id}"

    return formula


def _itself(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str:
    return physical_id


def _resource_part(drop: str = "") -> _Formula:
    """The resource part of an ARN physical ID (after its fifth ``:``), less the prefix ``drop``:
    ``loadbalancer/app/name/id`` less ``loadbalancer/`` is a load balancer's full name ``app/name/id``."""

    def formula(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str | None:
        parts = physical_id.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or not parts[5].startswith(drop):
            return None
        return parts[5][len(drop) :] or None

    return formula


def _last(separator: str) -> _Formula:
    """The last ``separator``-separated part of an ARN or URL physical ID (a topic ARN's name after ``:``,
    a queue URL's name after ``/``)."""

    def formula(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str | None:
        tail = physical_id.rstrip(separator).rsplit(separator, 1)[-1]
        return tail if tail and tail != physical_id else None

    return formula


_last_segment = _last("/")


def _rule_arn(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str:
    """An EventBridge rule's ARN from its physical ID: ``rule/<name>`` on the default bus, ``rule/<bus>/<name>`` for
    ``<bus>|<name>`` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html)."""
    bus, _, name = physical_id.rpartition("|")
    path = f"{bus}/{name}" if bus and bus != "default" else name
    return f"arn:{where['partition']}:events:{where['region']}:{where['account']}:rule/{path}"


def _queue_arn(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str | None:
    name = _last_segment(physical_id, where, live)
    return f"arn:{where['partition']}:sqs:{where['region']}:{where['account']}:{name}" if name else None


def _url_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def _bucket_domain(regional: bool) -> _Formula:
    def formula(physical_id: str, where: Mapping[str, str], live: Mapping[str, Any]) -> str:
        region = f".{where['region']}" if regional else ""
        return f"{physical_id}.s3{region}.{_url_suffix(where['partition'])}"

    return formula


ATTRIBUTES: Mapping[tuple[str, str], _Formula] = {
    ("AWS::KMS::Key", "Arn"): _arn("kms", "key/{id}"),
    ("AWS::KMS::Key", "KeyId"): _itself,
    ("AWS::IAM::Role", "Arn"): _iam("role"),
    ("AWS::IAM::User", "Arn"): _iam("user"),
    ("AWS::IAM::Group", "Arn"): _iam("group"),
    ("AWS::IAM::InstanceProfile", "Arn"): _iam("instance-profile"),
    ("AWS::IAM::ManagedPolicy", "PolicyArn"): _itself,
    ("AWS::S3::Bucket", "Arn"): _arn("s3", "{id}", regional=False, account=False),
    ("AWS::S3::Bucket", "DomainName"): _bucket_domain(regional=False),
    ("AWS::S3::Bucket", "RegionalDomainName"): _bucket_domain(regional=True),
    ("AWS::Logs::LogGroup", "Arn"): _arn("logs", "log-group:{id}:*"),
    ("AWS::SNS::Topic", "TopicArn"): _itself,
    ("AWS::SNS::Topic", "TopicName"): _last(":"),
    ("AWS::Events::Rule", "Arn"): _rule_arn,
    ("AWS::SQS::Queue", "Arn"): _queue_arn,
    ("AWS::SQS::Queue", "QueueUrl"): _itself,
    ("AWS::SQS::Queue", "QueueName"): _last_segment,
    ("AWS::SecretsManager::Secret", "Id"): _itself,
    ("AWS::ECS::Cluster", "Arn"): _arn("ecs", "cluster/{id}"),
    ("AWS::ECS::Service", "ServiceArn"): _itself,
    ("AWS::ECS::Service", "Name"): _last_segment,
    ("AWS::ECS::TaskDefinition", "TaskDefinitionArn"): _itself,
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn"): _itself,
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName"): _resource_part("loadbalancer/"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupArn"): _itself,
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName"): _resource_part(),
    ("AWS::ElasticLoadBalancingV2::Listener", "ListenerArn"): _itself,
    ("AWS::Lambda::Function", "Arn"): _arn("lambda", "function:{id}"),
    ("AWS::Lambda::Version", "Version"): _last(":"),  # a version's physical ID is its ARN, ending :<version>
    ("AWS::DynamoDB::Table", "Arn"): _arn("dynamodb", "table/{id}"),
    ("AWS::EC2::SecurityGroup", "GroupId"): _itself,
    ("AWS::EC2::VPC", "VpcId"): _itself,
    ("AWS::EC2::Subnet", "SubnetId"): _itself,
    ("AWS::EC2::EIP", "PublicIp"): lambda physical_id, where, live: physical_id.split("|", 1)[0],
}
"""(resource type, attribute) → how CloudFormation's ``Fn::GetAtt`` builds it from the physical ID
(``Ref``) and the stack's partition, region and account. The ``_itself`` entries are documented as
returning what ``Ref`` returns; ``Fn::GetAtt LoadBalancer.LoadBalancerFullName`` is the ARN's part after
``loadbalancer/`` (``app/my-load-balancer/50dc6c495c0c9188``), a target group's full name its resource
part (``targetgroup/my-target-group/cbf133c568e0d028``)."""


def attribute_from_physical_id(
    resource_type: str,
    physical_id: str,
    attribute: str,
    where: Mapping[str, str],
    live: Mapping[str, Any] | None = None,
) -> str | None:
    """``Fn::GetAtt`` ``attribute`` of a ``resource_type`` with that physical ID, or None when ATTRIBUTES has
    no formula for it (or the physical ID does not have the shape it needs).

    ``where``: ``partition``, ``region``, ``account`` of the resource's stack (the pseudo parameters);
    ``live``: the resource's live properties (an IAM role's ``Path``), empty when not read.
    """
    formula = ATTRIBUTES.get((resource_type, attribute))
    if formula is None or not physical_id or not all(where.get(k) for k in ("partition", "region", "account")):
        return None
    return formula(physical_id, where, live or {})
