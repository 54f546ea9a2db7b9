"""WAFv2 for the emulator: AWS::WAFv2::WebACL, which moto answers through its API but has no CloudFormation model for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["WebACL"]

relies_on("moto.wafv2.models", "wafv2_backends")
relies_on(
    "moto.wafv2.models",
    "WAFV2Backend.create_web_acl",
    params=("name", "visibility_config", "default_action", "scope", "description", "tags", "rules"),
)


@extended_model
class WebACL(ExtensionModel, CloudFormationModel):
    """AWS::WAFv2::WebACL created through moto's WAFv2 backend, so GetWebACL and ListWebACLs answer it
    (``Rules``, ``DefaultAction``, ``VisibilityConfig`` and the optional configs passed as the API takes
    them: the CloudFormation shapes are the API's). Ref is ``name|id|scope``, as CloudFormation's;
    GetAtt ``Arn``, ``Id``, ``Capacity`` and ``LabelNamespace``. A CLOUDFRONT-scoped ACL outside
    us-east-1 fails the stack, as WAFv2 requires.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-wafv2-webacl.html
    """

    CFN_TYPE = "AWS::WAFv2::WebACL"
    CFN_NAME_TYPE = "Name"
    PHYSICAL_ID = "ref"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {
        "Arn": "arn",
        "Id": "acl_id",
        "Capacity": "capacity",
        "LabelNamespace": "label_namespace",
    }

    def __init__(self, name: str, acl_id: str, scope: str, arn: str, capacity: int, account_id: str):
        self.ref = f"{name}|{acl_id}|{scope}"
        self.name, self.acl_id, self.arn, self.capacity = name, acl_id, arn, capacity
        self.label_namespace = f"awswaf:{account_id}:webacl:{name}:"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> WebACL:
        from moto.wafv2.models import wafv2_backends

        properties = cloudformation_json.get("Properties", {})
        scope = str(properties["Scope"])
        if scope == "CLOUDFRONT" and region_name != "us-east-1":
            raise ValueError(f"WebACL {resource_name}: a CLOUDFRONT web ACL must be created in us-east-1")
        name = str(properties.get("Name") or resource_name)
        acl = wafv2_backends[account_id][region_name].create_web_acl(
            name=name,
            visibility_config=properties["VisibilityConfig"],
            default_action=properties["DefaultAction"],
            scope=scope,
            description=str(properties.get("Description", "")),
            tags=list(properties.get("Tags") or []),
            rules=list(properties.get("Rules") or []),
            association_config=properties.get("AssociationConfig"),
            captcha_config=properties.get("CaptchaConfig"),
            challenge_config=properties.get("ChallengeConfig"),
            custom_response_bodies=properties.get("CustomResponseBodies"),
            token_domains=properties.get("TokenDomains"),
        )
        return cls(acl.name, acl.id, scope, acl.arn, int(getattr(acl, "capacity", 0)), account_id)
