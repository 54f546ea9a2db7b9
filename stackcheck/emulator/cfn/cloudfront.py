"""CloudFront for the emulator: AWS::CloudFront::Distribution and ::OriginAccessControl on moto's global backend.

moto's CloudFront has no CloudFormation model, and its backend takes the REST API's shape
(``{"Quantity": n, "Items": [...]}`` where CloudFormation has a list; ``ACMCertificateArn`` where it
has ``AcmCertificateArn``). ``distribution_config`` converts one into the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["Distribution", "OriginAccessControl", "distribution_config"]

DISTRIBUTION_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-distribution.html"
)
OAC_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-cloudfront-originaccesscontrol.html"
)
# CloudFront is global: moto keeps one backend per partition, under the partition's name.
PARTITION = "aws"

relies_on("moto.cloudfront.models", "cloudfront_backends")
relies_on("moto.cloudfront.models", "CloudFrontBackend.create_distribution", params=("distribution_config", "tags"))
relies_on("moto.cloudfront.models", "CloudFrontBackend.create_origin_access_control", params=("config_dict",))
relies_on("moto.cloudfront.models", "Distribution.__init__", assigns=("distribution_id", "arn", "domain_name", "etag"))
relies_on("moto.cloudfront.models", "OriginAccessControl.__init__", assigns=("id",))


def _backend(account_id: str) -> Any:
    from moto.cloudfront.models import cloudfront_backends

    return cloudfront_backends[account_id][PARTITION]


def _items(values: list[Any] | None) -> dict[str, Any]:
    values = list(values or [])
    return {"Quantity": len(values), "Items": values}


def _origin(origin: dict[str, Any]) -> dict[str, Any]:
    converted = {k: v for k, v in origin.items() if k not in ("CustomOriginConfig", "OriginCustomHeaders")}
    custom = origin.get("CustomOriginConfig")
    if custom is not None:
        converted["CustomOriginConfig"] = {
            **{k: v for k, v in custom.items() if k != "OriginSSLProtocols"},
            "OriginSslProtocols": _items(custom.get("OriginSSLProtocols")),
        }
    if origin.get("OriginCustomHeaders"):
        converted["CustomHeaders"] = _items(origin["OriginCustomHeaders"])
    return converted


def _behavior(behavior: dict[str, Any]) -> dict[str, Any]:
    converted = {k: v for k, v in behavior.items() if k not in ("AllowedMethods", "CachedMethods", "TrustedSigners")}
    if behavior.get("AllowedMethods") or behavior.get("CachedMethods"):
        converted["AllowedMethods"] = {
            "Items": list(behavior.get("AllowedMethods") or ["HEAD", "GET"]),
            "CachedMethods": {"Items": list(behavior.get("CachedMethods") or ["GET", "HEAD"])},
        }
    if behavior.get("TrustedSigners"):
        converted["TrustedSigners"] = _items(behavior["TrustedSigners"])
    return converted


def distribution_config(properties: dict[str, Any], caller_reference: str) -> dict[str, Any]:
    """CloudFormation's ``DistributionConfig`` in the shape moto's CreateDistribution takes.

    Lists become ``{"Quantity", "Items"}`` (Aliases, Origins, CacheBehaviors, CustomErrorResponses,
    an origin's OriginCustomHeaders and OriginSSLProtocols, a behavior's TrustedSigners); a
    behavior's AllowedMethods/CachedMethods nest as the API has them; ViewerCertificate's and
    GeoRestriction's names follow the API; Logging is enabled when given. Raises KeyError naming
    a required property (Origins, DefaultCacheBehavior) when it is missing.
    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-distributionconfig.html
    """
    config: dict[str, Any] = {
        k: v
        for k, v in properties.items()
        if k
        not in (
            "Aliases",
            "Origins",
            "DefaultCacheBehavior",
            "CacheBehaviors",
            "CustomErrorResponses",
            "ViewerCertificate",
            "Restrictions",
            "Logging",
            "IPV6Enabled",
        )
    }
    config["CallerReference"] = caller_reference
    config["Origins"] = {"Items": [_origin(o) for o in properties["Origins"]]}
    config["DefaultCacheBehavior"] = _behavior(properties["DefaultCacheBehavior"])
    if properties.get("Aliases"):
        config["Aliases"] = {"Items": list(properties["Aliases"])}
    if properties.get("CacheBehaviors"):
        config["CacheBehaviors"] = _items([_behavior(b) for b in properties["CacheBehaviors"]])
    if properties.get("CustomErrorResponses"):
        config["CustomErrorResponses"] = _items(properties["CustomErrorResponses"])
    if "IPV6Enabled" in properties:
        config["IsIPV6Enabled"] = properties["IPV6Enabled"]
    certificate = properties.get("ViewerCertificate")
    if certificate:
        names = {"AcmCertificateArn": "ACMCertificateArn", "IamCertificateId": "IAMCertificateId"}
        names["SslSupportMethod"] = "SSLSupportMethod"
        config["ViewerCertificate"] = {names.get(k, k): v for k, v in certificate.items()}
        if "CloudFrontDefaultCertificate" not in certificate:
            config["ViewerCertificate"]["CloudFrontDefaultCertificate"] = False
    geo = (properties.get("Restrictions") or {}).get("GeoRestriction")
    if geo:
        config["Restrictions"] = {
            "GeoRestriction": {
                "RestrictionType": geo.get("RestrictionType", "none"),
                "Items": geo.get("Locations") or [],
            }
        }
    if properties.get("Logging"):
        config["Logging"] = {"Enabled": True, **properties["Logging"]}
    return config


@extended_model
class Distribution(ExtensionModel, CloudFormationModel):
    """AWS::CloudFront::Distribution: created from ``DistributionConfig`` (``distribution_config``);
    GetDistribution answers it. Ref is the distribution id; GetAtt ``Id`` and ``DomainName``
    (``<id>.cloudfront.net``). moto checks each behavior's TargetOriginId names an origin and an
    S3 origin's domain is an S3 one.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-distribution.html
    """

    CFN_TYPE = "AWS::CloudFront::Distribution"
    PHYSICAL_ID = "distribution_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "distribution_id", "DomainName": "domain_name"}

    def __init__(self, distribution_id: str, domain_name: str, etag: str):
        self.distribution_id = distribution_id
        self.domain_name = domain_name
        self.etag = etag

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Distribution:
        properties = cloudformation_json.get("Properties") or {}
        config = distribution_config(properties["DistributionConfig"], f"{resource_name}-{uuid.uuid4()}")
        tags = [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags") or []]
        distribution, _location, etag = _backend(account_id).create_distribution(config, tags)
        return cls(distribution.distribution_id, distribution.domain_name, etag)


@extended_model
class OriginAccessControl(ExtensionModel, CloudFormationModel):
    """AWS::CloudFront::OriginAccessControl: ``OriginAccessControlConfig`` (Name, Description,
    SigningProtocol, SigningBehavior, OriginAccessControlOriginType); GetOriginAccessControl answers
    it. Ref and GetAtt ``Id`` are its id.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudfront-originaccesscontrol.html
    """

    CFN_TYPE = "AWS::CloudFront::OriginAccessControl"
    PHYSICAL_ID = "control_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "control_id"}

    def __init__(self, control_id: str):
        self.control_id = control_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> OriginAccessControl:
        config = dict((cloudformation_json.get("Properties") or {}).get("OriginAccessControlConfig") or {})
        return cls(_backend(account_id).create_origin_access_control(config).id)
