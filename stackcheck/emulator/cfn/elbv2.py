"""ELBv2 for the emulator: real canonical hosted zone IDs and the GetAtt attributes moto's load balancer and target group lack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__ = ["ALB_HOSTED_ZONE_IDS", "NLB_HOSTED_ZONE_IDS", "canonical_hosted_zone_id"]

LOAD_BALANCER_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-elasticloadbalancingv2-loadbalancer.html"
)
TARGET_GROUP_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-elasticloadbalancingv2-targetgroup.html"
)
HOSTED_ZONES_DOC = "https://docs.aws.amazon.com/general/latest/gr/elb.html"

# Route 53 hosted zone of each region's load balancers, as AWS publishes them (HOSTED_ZONES_DOC).
ALB_HOSTED_ZONE_IDS = {
    "af-south-1": "Z268VQBMOI5EKX",
    "ap-east-1": "Z3DQVH9N71FHZ0",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-south-2": "Z0173938T07WNTVAEPZN",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "ap-southeast-3": "Z08888821HLRG5A9ZRTER",
    "ap-southeast-4": "Z09517862IB2WZLPXG76F",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "ca-west-1": "Z06473681N0SF6OS049SD",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-central-2": "Z06391101F2ZOEP8P5EB3",
    "eu-north-1": "Z23TAZ6LKFMNIO",
    "eu-south-1": "Z3ULH7SSC9OV64",
    "eu-south-2": "Z0956581394HF5D5LXGAP",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "il-central-1": "Z09170902867EHPV2DABU",
    "me-central-1": "Z08230872XQRWHG2XF6I",
    "me-south-1": "ZS929ML54UICD",
    "sa-east-1": "Z2P70J7HTTTPLU",
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
}
NLB_HOSTED_ZONE_IDS = {
    "af-south-1": "Z203XCE67M25HM",
    "ap-east-1": "Z12Y7K3UBGUAD1",
    "ap-northeast-1": "Z31USIVHYNEOWT",
    "ap-northeast-2": "ZIBE1TIR4HY56",
    "ap-northeast-3": "Z1GWIQ4HH19I5X",
    "ap-south-1": "ZVDDRBQ08TROA",
    "ap-southeast-1": "ZKVM4W9LS7TM",
    "ap-southeast-2": "ZCT6FZBF4DROD",
    "ca-central-1": "Z2EPGBW3API2WT",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "eu-north-1": "Z1UDT6IFJ4EJM",
    "eu-south-1": "Z23146JA1KNAFP",
    "eu-west-1": "Z2IFOLAFXWLO4F",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "me-south-1": "Z3QSRYVP46NYYV",
    "sa-east-1": "ZTK26PT1VY4CU",
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-east-2": "ZLMOA37VPKANP",
    "us-west-1": "Z24FKFUX50B4VW",
    "us-west-2": "Z18D5FSROUN65G",
}

relies_on("moto.elbv2.models", "elbv2_backends")
relies_on("moto.elbv2.models", "ELBv2Backend.__init__", assigns=("load_balancers",))
ARN_KINDS = {"application": "app", "network": "net", "gateway": "gwy"}
"""Load balancer type → the kind its ARN names (``loadbalancer/net/name/id``)."""
relies_on(
    "moto.elbv2.models",
    "FakeLoadBalancer.__init__",
    assigns=("canonical_hosted_zone_id", "arn", "name", "security_groups", "type", "ip_address_type"),
)
relies_on("moto.elbv2.models", "FakeTargetGroup.__init__", assigns=("arn", "name", "load_balancer_arns"))
relies_on("moto.elbv2.models", "ELBv2Backend.modify_load_balancer_attributes", params=("arn", "attrs"))
relies_on("moto.elbv2.models", "ELBv2Backend.modify_target_group_attributes", params=("target_group_arn", "attributes"))
relies_on("moto.elbv2.models", "ELBv2Backend.add_tags", params=("resource_arns", "tags"))


def canonical_hosted_zone_id(region: str, load_balancer_type: str = "application") -> str:
    """The Route 53 hosted zone ID AWS gives load balancers of ``load_balancer_type`` in ``region``.

    Raises KeyError naming the region when AWS publishes none we list.

    Follows https://docs.aws.amazon.com/general/latest/gr/elb.html
    """
    table = NLB_HOSTED_ZONE_IDS if load_balancer_type == "network" else ALB_HOSTED_ZONE_IDS
    try:
        return table[region]
    except KeyError:
        raise KeyError(f"no {load_balancer_type} load balancer hosted zone ID known for region {region}") from None


def _apply_attributes_and_tags(
    modify: Callable[[str, dict[str, str]], Any], backend: Any, arn: str, properties: Mapping[str, Any], key: str
) -> None:
    """Apply the template's ``key`` attribute list ({Key, Value} items) through ``modify`` and its Tags."""
    attributes = {a["Key"]: str(a["Value"]) for a in properties.get(key) or []}
    if attributes:
        modify(arn, attributes)
    if properties.get("Tags"):
        backend.add_tags([arn], properties["Tags"])


def _backend(account_id: str, region_name: str) -> Any:
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account_id][region_name]


@patch(
    "moto.elbv2.models",
    "FakeLoadBalancer.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
    adds=("CanonicalHostedZoneID", "Type", "IpAddressType", "LoadBalancerAttributes", "Tags"),
    doc_url=LOAD_BALANCER_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_load_balancer(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the load balancer from Name, Subnets, SecurityGroups and Scheme, with a
    made-up hosted zone (Z2P70J7EXAMPLE); this sets the region's real canonical hosted zone ID
    (https://docs.aws.amazon.com/general/latest/gr/elb.html) so Route 53 alias records match,
    plus Type, IpAddressType, LoadBalancerAttributes and Tags. A network or gateway load balancer's ARN
    reads ``loadbalancer/net/...`` or ``loadbalancer/gwy/...``, as AWS names them (moto: ``app/`` for all;
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-loadbalancer.html
    """
    load_balancer = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    p = cloudformation_json.get("Properties", {})
    if p.get("Type"):
        load_balancer.type = p["Type"]
    if p.get("IpAddressType"):
        load_balancer.ip_address_type = p["IpAddressType"]
    load_balancer.canonical_hosted_zone_id = canonical_hosted_zone_id(region_name, load_balancer.type)
    backend = _backend(account_id, region_name)
    kind = ARN_KINDS.get(str(load_balancer.type), "app")
    if kind != "app" and "loadbalancer/app/" in load_balancer.arn:  # moto names every load balancer app/
        arn = load_balancer.arn.replace("loadbalancer/app/", f"loadbalancer/{kind}/", 1)
        backend.load_balancers[arn] = backend.load_balancers.pop(load_balancer.arn)
        load_balancer.arn = arn
    _apply_attributes_and_tags(
        backend.modify_load_balancer_attributes, backend, load_balancer.arn, p, "LoadBalancerAttributes"
    )
    return load_balancer


@patch(
    "moto.elbv2.models",
    "FakeLoadBalancer.get_cfn_attribute",
    kind="method",
    resource_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
    adds=("CanonicalHostedZoneID", "LoadBalancerFullName", "SecurityGroups"),
    doc_url=LOAD_BALANCER_DOC,
    params=("self", "attribute_name"),
)
def load_balancer_attribute(original: Callable[[str], Any], load_balancer: Any, attribute_name: str) -> Any:
    """The GetAtt attributes moto leaves unimplemented: CanonicalHostedZoneID,
    LoadBalancerFullName (``app/<name>/<id>``, the CloudWatch dimension) and SecurityGroups.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-loadbalancer.html
    """
    if attribute_name == "CanonicalHostedZoneID":
        return load_balancer.canonical_hosted_zone_id
    if attribute_name == "LoadBalancerFullName":
        return load_balancer.arn.split(":loadbalancer/", 1)[1]
    if attribute_name == "SecurityGroups":
        return list(load_balancer.security_groups or [])
    return original(attribute_name)


@patch(
    "moto.elbv2.models",
    "FakeTargetGroup.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::ElasticLoadBalancingV2::TargetGroup",
    adds=("TargetGroupAttributes", "Tags"),
    doc_url=TARGET_GROUP_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_target_group(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto drops TargetGroupAttributes and Tags; apply them through its backend.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-targetgroup.html
    """
    target_group = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    p = cloudformation_json.get("Properties", {})
    backend = _backend(account_id, region_name)
    _apply_attributes_and_tags(
        backend.modify_target_group_attributes, backend, target_group.arn, p, "TargetGroupAttributes"
    )
    return target_group


@patch(
    "moto.elbv2.models",
    "FakeTargetGroup.get_cfn_attribute",
    kind="addition",
    resource_type="AWS::ElasticLoadBalancingV2::TargetGroup",
    adds=("TargetGroupArn", "TargetGroupFullName", "TargetGroupName", "LoadBalancerArns"),
    doc_url=TARGET_GROUP_DOC,
)
def target_group_attribute(target_group: Any, attribute_name: str) -> Any:
    """moto's target group has no GetAtt at all (a template using one fails); answer
    TargetGroupArn, TargetGroupFullName (``targetgroup/<name>/<id>``), TargetGroupName and
    LoadBalancerArns.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-targetgroup.html
    """
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    if attribute_name == "TargetGroupArn":
        return target_group.arn
    if attribute_name == "TargetGroupFullName":
        return target_group.arn.rsplit(":", 1)[1]
    if attribute_name == "TargetGroupName":
        return target_group.name
    if attribute_name == "LoadBalancerArns":
        return list(target_group.load_balancer_arns)
    raise UnformattedGetAttTemplateException()
