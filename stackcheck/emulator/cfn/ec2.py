"""EC2 for the emulator: AWS::EC2::SecurityGroupEgress through moto's AuthorizeSecurityGroupEgress."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import extended_model, relies_on

__all__ = ["SecurityGroupEgress"]

EGRESS_DOC = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
              "aws-resource-ec2-securitygroupegress.html")

relies_on("moto.ec2.models", "ec2_backends")
relies_on("moto.ec2.models.security_groups", "SecurityGroupBackend.authorize_security_group_egress",
          params=("group_name_or_id", "ip_protocol", "from_port", "to_port", "ip_ranges", "source_groups",
                  "prefix_list_ids"))
relies_on("moto.ec2.models.security_groups", "SecurityGroupBackend.revoke_security_group_egress",
          params=("group_name_or_id", "ip_protocol", "from_port", "to_port", "ip_ranges", "security_rule_ids"))
relies_on("moto.ec2.models.security_groups", "SecurityGroupRule.__init__", assigns=("id",))


def _backend(account_id: str, region_name: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


@extended_model
class SecurityGroupEgress(CloudFormationModel):
    """AWS::EC2::SecurityGroupEgress (EGRESS_DOC): one outbound rule on ``GroupId`` to
    ``CidrIp``/``CidrIpv6``, ``DestinationSecurityGroupId`` or ``DestinationPrefixListId``, with
    its ``Description``. Ref is the rule id (``sgr-...``)."""

    def __init__(self, group_id: str, rule_id: str):
        self.group_id = group_id
        self.rule_id = rule_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"

    @property
    def physical_resource_id(self) -> str:
        return self.rule_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Id":
            return self.rule_id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> "SecurityGroupEgress":
        p = cloudformation_json.get("Properties", {})
        description = p.get("Description")
        ip_ranges = []
        if p.get("CidrIp"):
            ip_ranges.append({"CidrIp": p["CidrIp"], **({"Description": description} if description else {})})
        if p.get("CidrIpv6"):
            ip_ranges.append({"CidrIpv6": p["CidrIpv6"], **({"Description": description} if description else {})})
        source_groups = []
        if p.get("DestinationSecurityGroupId"):
            source_groups.append({"GroupId": p["DestinationSecurityGroupId"],
                                  **({"Description": description} if description else {})})
        prefix_lists = []
        if p.get("DestinationPrefixListId"):
            prefix_lists.append({"PrefixListId": p["DestinationPrefixListId"],
                                 **({"Description": description} if description else {})})
        protocol = str(p["IpProtocol"])
        rules, _group = _backend(account_id, region_name).authorize_security_group_egress(
            group_name_or_id=p["GroupId"],
            ip_protocol=protocol,
            from_port=p.get("FromPort", -1 if protocol == "-1" else None),
            to_port=p.get("ToPort", -1 if protocol == "-1" else None),
            ip_ranges=ip_ranges,
            source_groups=source_groups,
            prefix_list_ids=prefix_lists,
        )
        return cls(p["GroupId"], rules[0].id)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).revoke_security_group_egress(
            group_name_or_id=self.group_id, ip_protocol=None, from_port=None, to_port=None, ip_ranges=[],
            security_rule_ids=[self.rule_id],
        )
