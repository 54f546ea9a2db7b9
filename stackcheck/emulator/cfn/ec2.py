"""EC2 for the emulator: AWS::EC2::SecurityGroupEgress through moto's AuthorizeSecurityGroupEgress, ingress rule IDs
and descriptions, tags on internet gateways, addresses and NAT gateways, VPC and subnet attributes, and same-account
VPC peering accepted as CloudFormation does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, patch, relies_on
from stackcheck.emulator.cfn._values import cfn_bool

__all__ = ["SecurityGroupEgress", "authorize_egress"]

VPC_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html"
SUBNET_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnet.html"
SECURITY_GROUP_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html"
)
EGRESS_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html"
)

relies_on("moto.ec2.models", "ec2_backends")
relies_on(
    "moto.ec2.models.security_groups",
    "SecurityGroupBackend.authorize_security_group_egress",
    params=("group_name_or_id", "ip_protocol", "from_port", "to_port", "ip_ranges", "source_groups", "prefix_list_ids"),
)
relies_on(
    "moto.ec2.models.security_groups",
    "SecurityGroupBackend.revoke_security_group_egress",
    params=("group_name_or_id", "ip_protocol", "from_port", "to_port", "ip_ranges", "security_rule_ids"),
)
relies_on("moto.ec2.models.security_groups", "SecurityGroupRule.__init__", assigns=("id", "ip_protocol", "ip_range"))
relies_on("moto.ec2.models.security_groups", "SecurityGroupRule.description")
relies_on("moto.ec2.models.security_groups", "SecurityGroup.__init__", assigns=("egress_rules", "id"))
relies_on(
    "moto.ec2.models.subnets", "SubnetBackend.modify_subnet_attribute", params=("subnet_id", "attr_name", "attr_value")
)
relies_on("moto.ec2.models.subnets", "Subnet.__init__", assigns=("map_public_ip_on_launch", "id"))
relies_on(
    "moto.ec2.models.route_tables",
    "RouteBackend.associate_route_table",
    params=("route_table_id", "gateway_id", "subnet_id"),
)
relies_on(
    "moto.ec2.models.vpc_peering_connections",
    "VPCPeeringConnectionBackend.accept_vpc_peering_connection",
    params=("vpc_pcx_id",),
)
relies_on("moto.ec2.models.vpcs", "VPCBackend.modify_vpc_attribute", params=("vpc_id", "attr_name", "attr_value"))
relies_on("moto.ec2.models.vpcs", "VPC.__init__", assigns=("enable_dns_support", "enable_dns_hostnames", "id"))


def _backend(account_id: str, region_name: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


@patch(
    "moto.ec2.models.vpcs",
    "VPC.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::VPC",
    adds=("EnableDnsHostnames", "EnableDnsSupport"),
    doc_url=VPC_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_vpc(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto creates the VPC from CidrBlock, InstanceTenancy and Tags; DNS hostnames then read
    false even when the template enables them. Apply ``EnableDnsHostnames``/``EnableDnsSupport``
    as DescribeVpcAttribute reports them (defaults: hostnames false, support true, as in EC2).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html
    """
    vpc = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties") or {}
    backend = _backend(account_id, region_name)
    for cfn_name, attribute in (
        ("EnableDnsHostnames", "enable_dns_hostnames"),
        ("EnableDnsSupport", "enable_dns_support"),
    ):
        if properties.get(cfn_name) is not None:
            backend.modify_vpc_attribute(vpc.id, attribute, str(properties[cfn_name]).lower() == "true")
    return vpc


@patch(
    "moto.ec2.models.subnets",
    "Subnet.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::Subnet",
    adds=("MapPublicIpOnLaunch",),
    doc_url=SUBNET_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_subnet(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto ignores ``MapPublicIpOnLaunch`` (a subnet outside the default VPC then never maps
    public addresses); apply it as DescribeSubnets reports it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnet.html
    """
    subnet = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    value = (cloudformation_json.get("Properties") or {}).get("MapPublicIpOnLaunch")
    if value is not None:
        _backend(account_id, region_name).modify_subnet_attribute(
            subnet.id, "map_public_ip_on_launch", str(value).lower() == "true"
        )
    return subnet


ASSOCIATION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-ec2-subnetroutetableassociation.html"
)


@patch(
    "moto.ec2.models.subnets",
    "SubnetRouteTableAssociation.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::SubnetRouteTableAssociation",
    adds=("association on the route table",),
    doc_url=ASSOCIATION_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_subnet_route_table_association(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto records the association beside the subnet only, so DescribeRouteTables shows no
    ``Associations`` and every subnet looks as if it used the VPC's main route table. Associate
    the subnet on the route table too, as EC2 AssociateRouteTable does.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnetroutetableassociation.html
    """
    association = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties") or {}
    _backend(account_id, region_name).associate_route_table(
        properties["RouteTableId"], subnet_id=properties["SubnetId"]
    )
    return association


PEERING_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcpeeringconnection.html"
)


@patch(
    "moto.ec2.models.vpc_peering_connections",
    "VPCPeeringConnection.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::VPCPeeringConnection",
    adds=("same-account acceptance",),
    doc_url=PEERING_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_vpc_peering_connection(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto leaves every peering connection ``pending-acceptance``. CloudFormation accepts a
    connection between VPCs of the same account and region itself (no ``PeerOwnerId`` or
    ``PeerRoleArn`` needed), so DescribeVpcPeeringConnections reports it ``active``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcpeeringconnection.html
    """
    connection = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    properties = cloudformation_json.get("Properties") or {}
    same_account = properties.get("PeerOwnerId") in (None, account_id)
    same_region = properties.get("PeerRegion") in (None, region_name)
    if same_account and same_region:
        return _backend(account_id, region_name).accept_vpc_peering_connection(connection.id)
    return connection


def authorize_egress(backend: Any, group_id: str, rule: dict[str, Any]) -> str:
    """Add one outbound rule given in CloudFormation's shape (``IpProtocol``, ``FromPort``,
    ``ToPort``, ``CidrIp``/``CidrIpv6``/``DestinationSecurityGroupId``/``DestinationPrefixListId``,
    ``Description``) to ``group_id``; returns the rule id."""
    description = rule.get("Description")
    extra = {"Description": description} if description else {}
    ip_ranges = []
    if rule.get("CidrIp"):
        ip_ranges.append({"CidrIp": rule["CidrIp"], **extra})
    if rule.get("CidrIpv6"):
        ip_ranges.append({"CidrIpv6": rule["CidrIpv6"], **extra})
    source_groups = (
        [{"GroupId": rule["DestinationSecurityGroupId"], **extra}] if rule.get("DestinationSecurityGroupId") else []
    )
    prefix_lists = (
        [{"PrefixListId": rule["DestinationPrefixListId"], **extra}] if rule.get("DestinationPrefixListId") else []
    )
    protocol = str(rule["IpProtocol"])
    rules, _group = backend.authorize_security_group_egress(
        group_name_or_id=group_id,
        ip_protocol=protocol,
        from_port=rule.get("FromPort", -1 if protocol == "-1" else None),
        to_port=rule.get("ToPort", -1 if protocol == "-1" else None),
        ip_ranges=ip_ranges,
        source_groups=source_groups,
        prefix_list_ids=prefix_lists,
    )
    _keep_description(rules[0], description)
    return rules[0].id


def _keep_description(rule: Any, description: Any) -> None:
    """moto answers a rule's Description (DescribeSecurityGroupRules) from its address range only, so a rule to or
    from a security group or prefix list loses it; EC2 keeps the description of every rule."""
    if description and not rule.ip_range.get("Description"):
        rule.ip_range["Description"] = description


@patch(
    "moto.ec2.models.security_groups",
    "SecurityGroup.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::SecurityGroup",
    adds=("SecurityGroupEgress",),
    doc_url=SECURITY_GROUP_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_security_group(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto ignores ``SecurityGroupEgress`` and keeps the default allow-all outbound rule. In
    CloudFormation the rules given there replace that default (the CDK writes a
    255.255.255.255/32 placeholder to mean "no outbound traffic"); apply them the same way.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html
    """
    group = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    egress = (cloudformation_json.get("Properties") or {}).get("SecurityGroupEgress")
    if egress is None:
        return group
    backend = _backend(account_id, region_name)
    defaults = [r.id for r in group.egress_rules if r.ip_protocol == "-1" and r.ip_range.get("CidrIp") == "0.0.0.0/0"]
    if defaults:
        backend.revoke_security_group_egress(
            group_name_or_id=group.id,
            ip_protocol=None,
            from_port=None,
            to_port=None,
            ip_ranges=[],
            security_rule_ids=defaults,
        )
    for rule in egress:
        authorize_egress(backend, group.id, rule)
    return group


@extended_model
class SecurityGroupEgress(ExtensionModel, CloudFormationModel):
    """AWS::EC2::SecurityGroupEgress: one outbound rule on ``GroupId`` to ``CidrIp``/``CidrIpv6``,
    ``DestinationSecurityGroupId`` or ``DestinationPrefixListId``, with its ``Description``. Ref
    is the rule id (``sgr-...``).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupegress.html
    """

    CFN_TYPE = "AWS::EC2::SecurityGroupEgress"
    PHYSICAL_ID = "rule_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "rule_id"}

    def __init__(self, group_id: str, rule_id: str):
        self.group_id = group_id
        self.rule_id = rule_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> SecurityGroupEgress:
        p = cloudformation_json.get("Properties", {})
        rule_id = authorize_egress(_backend(account_id, region_name), p["GroupId"], p)
        return cls(p["GroupId"], rule_id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).revoke_security_group_egress(
            group_name_or_id=self.group_id,
            ip_protocol=None,
            from_port=None,
            to_port=None,
            ip_ranges=[],
            security_rule_ids=[self.rule_id],
        )


INGRESS_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html"
)

relies_on("moto.ec2.models.security_groups", "SecurityGroupIngress.__init__", assigns=("security_group",))
relies_on("moto.ec2.models.security_groups", "SecurityGroup.__init__", assigns=("ingress_rules",))


@patch(
    "moto.ec2.models.security_groups",
    "SecurityGroupIngress.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::SecurityGroupIngress",
    adds=("Ref (the rule id)", "Description of a rule from a security group"),
    doc_url=INGRESS_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_security_group_ingress(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto authorizes the rule but gives the resource no physical ID, so CloudFormation lists it without one
    and ``Ref`` answers nothing. CloudFormation's physical ID (and ``Ref``) is the security group rule's ID
    (``sgr-...``), as DescribeSecurityGroupRules answers it: keep the ID of the rule the call added, and its
    ``Description`` (moto drops it for a rule from a security group).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html
    """
    properties = cloudformation_json.get("Properties") or {}
    backend = _backend(account_id, region_name)
    before: set[str] = set()
    if properties.get("GroupId"):
        (group,) = backend.describe_security_groups(group_ids=[properties["GroupId"]])
        before = {r.id for r in group.ingress_rules}
    ingress = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    added = [r for r in ingress.security_group.ingress_rules if r.id not in before]
    ingress.rule_id = added[0].id if added else None
    if added:
        _keep_description(added[0], properties.get("Description"))
    return ingress


def _ingress_rule_id(ingress: Any) -> Any:
    """The ingress rule's physical ID: the ID of the rule it added (``sgr-...``), as CloudFormation's ``Ref`` answers.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html
    """
    return getattr(ingress, "rule_id", None)


patch(
    "moto.ec2.models.security_groups",
    "SecurityGroupIngress.physical_resource_id",
    kind="addition",
    resource_type="AWS::EC2::SecurityGroupIngress",
    adds=("physical ID (the rule id)",),
    doc_url=INGRESS_DOC,
)(property(_ingress_rule_id))  # type: ignore[arg-type]  # a property, as moto's other models have


relies_on("moto.ec2.models.core", "TaggedEC2Resource.add_tags", params=("tag_map",))

_TAGGED = {
    "AWS::EC2::InternetGateway": (
        "internet_gateways",
        "InternetGateway",
        "internetgateway",
        "DescribeInternetGateways",
    ),
    "AWS::EC2::EIP": ("elastic_ip_addresses", "ElasticAddress", "eip", "DescribeAddresses"),
    "AWS::EC2::NatGateway": ("nat_gateways", "NatGateway", "natgateway", "DescribeNatGateways"),
    "AWS::EC2::RouteTable": ("route_tables", "RouteTable", "routetable", "DescribeRouteTables"),
}
"""Types whose moto model ignores ``Tags`` when CloudFormation creates them: (moto module under
``moto.ec2.models``, model class, the CloudFormation page's name, the API that answers the tags)."""


def _apply_tags(resource: Any, cloudformation_json: dict[str, Any]) -> Any:
    tags = (cloudformation_json.get("Properties") or {}).get("Tags") or []
    resource.add_tags({t["Key"]: t.get("Value", "") for t in tags if isinstance(t, dict) and "Key" in t})
    return resource


def _tagged(resource_type: str) -> Callable[..., Any]:
    """A ``create_from_cloudformation_json`` wrapper of ``resource_type``'s moto model that tags what it creates
    as CloudFormation does, registered as a patch."""
    module, model, page, api = _TAGGED[resource_type]
    doc = f"https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-{page}.html"

    def create(
        original: Callable[..., Any],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        created = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        return _apply_tags(created, cloudformation_json)

    create.__doc__ = (
        f"moto ignores ``Tags``; tag the resource as CloudFormation does ({api} answers them). Follows {doc}"
    )
    create.__name__ = create.__qualname__ = f"create_tagged_{page}"
    return patch(
        f"moto.ec2.models.{module}",
        f"{model}.create_from_cloudformation_json",
        kind="classmethod",
        resource_type=resource_type,
        adds=("Tags",),
        doc_url=doc,
        params=("resource_name", "cloudformation_json", "account_id", "region_name"),
    )(create)


TAGGED_CREATORS = {resource_type: _tagged(resource_type) for resource_type in _TAGGED}
"""The tagging wrappers, by resource type (registered as patches when this module is imported)."""


VPC_ENDPOINT_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html"
)


@patch(
    "moto.ec2.models.vpcs",
    "VPCEndPoint.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::VPCEndpoint",
    adds=("PolicyDocument as JSON text",),
    doc_url=VPC_ENDPOINT_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_vpc_endpoint(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto keeps a ``PolicyDocument`` object as given, and DescribeVpcEndpoints then answers its Python repr
    (single quotes), not the JSON text EC2 answers: this gives moto the document as JSON text, as the
    CreateVpcEndpoint API takes it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcendpoint.html
    and https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html
    """
    import json

    properties = cloudformation_json.get("Properties") or {}
    document = properties.get("PolicyDocument")
    if isinstance(document, Mapping):
        properties = {**properties, "PolicyDocument": json.dumps(document)}
    return original(resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name)


INSTANCE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instance.html"
relies_on(
    "moto.ec2.models.instances",
    "InstanceBackend.modify_instance_security_groups",
    params=("instance_id", "new_group_id_list"),
)
relies_on(
    "moto.ec2.models.instances", "Instance.__init__", assigns=("monitoring_state", "source_dest_check", "ebs_optimized")
)


@patch(
    "moto.ec2.models.instances",
    "Instance.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::EC2::Instance",
    adds=("SecurityGroupIds", "Monitoring", "SourceDestCheck", "EbsOptimized"),
    doc_url=INSTANCE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_instance(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto reads only ``SecurityGroups`` (group names), not ``SecurityGroupIds``, the VPC form CDK writes, so an
    instance in a VPC answered DescribeInstances with no security group: this gives it the declared groups, through
    moto's own ModifyInstanceAttribute of its group set. It also keeps what moto's model drops: ``Monitoring``
    (detailed monitoring ``enabled``), ``SourceDestCheck`` and ``EbsOptimized``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-instance.html
    """
    instance = original(resource_name, cloudformation_json, account_id, region_name)
    ids = (cloudformation_json.get("Properties") or {}).get("SecurityGroupIds")
    if isinstance(ids, list) and ids and all(isinstance(i, str) and i for i in ids):
        _backend(account_id, region_name).modify_instance_security_groups(instance.id, [str(i) for i in ids])
    properties = cloudformation_json.get("Properties") or {}
    if cfn_bool(properties.get("Monitoring")):
        instance.monitoring_state = "enabled"
    if "SourceDestCheck" in properties:
        instance.source_dest_check = cfn_bool(properties["SourceDestCheck"])
    if "EbsOptimized" in properties:
        instance.ebs_optimized = cfn_bool(properties["EbsOptimized"])
    return instance
