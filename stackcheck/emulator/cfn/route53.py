"""Route 53 for the emulator: what moto's CloudFormation models of hosted zones and record sets lose.

Route 53 keeps every name fully qualified, with its trailing dot, whether or not the request had one; moto does
so for ChangeResourceRecordSets but stores a record set made by CloudFormation under the name as written, so a
later UPSERT of the same record adds a second one. moto checks a DELETE against its journal of the zone's API
changes, which CloudFormation's records never enter, so an out-of-band delete of one fails; each is journalled
as the CREATE it stands for. moto's hosted zone model drops ``HostedZoneConfig``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from stackcheck.emulator.cfn._registry import getatt_attributes, patch, relies_on

__all__: list[str] = []

ZONE_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-hostedzone.html"
RECORD_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-recordset.html"
)
GROUP_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-recordsetgroup.html"
)

relies_on("moto.route53.models", "FakeZone.__init__", assigns=("comment", "rr_changes"))
relies_on("moto.route53.models", "route53_backends")
relies_on("moto.route53.models", "Route53Backend.get_hosted_zone", params=("self", "id_"))
relies_on("moto.route53.models", "Route53Backend.get_hosted_zone_by_name", params=("self", "name"))


def _journal(account_id: str, region_name: str, properties: dict[str, Any]) -> None:
    """Record a record set made by CloudFormation in its zone's change journal, shaped as moto records an API
    CREATE (``TTL`` and ``Weight`` as numbers, ``ResourceRecords`` as ``{"Value": ...}``), so that
    ChangeResourceRecordSets can DELETE it with the same values, as Route 53 lets one."""
    from moto.route53.models import route53_backends
    from moto.utilities.utils import get_partition

    backend = route53_backends[account_id][get_partition(region_name)]
    name = properties.get("HostedZoneName")
    zone = backend.get_hosted_zone_by_name(name) if name else None
    if zone is None:
        zone = backend.get_hosted_zone(properties["HostedZoneId"])
    record: dict[str, Any] = {
        key: properties[key]
        for key in ("Name", "Type", "SetIdentifier", "Region", "Failover", "HealthCheckId", "MultiValueAnswer")
        if key in properties
    }
    for key in ("TTL", "Weight"):
        if key in properties:
            record[key] = int(properties[key])
    if "ResourceRecords" in properties:
        record["ResourceRecords"] = [{"Value": str(value)} for value in properties["ResourceRecords"]]
    if "AliasTarget" in properties:
        record["AliasTarget"] = properties["AliasTarget"]
    zone.rr_changes.append({"Action": "CREATE", "ResourceRecordSet": record})


def _qualified(record_set: Any) -> Any:
    """A record set's properties with ``Name`` ending in ``.``, as Route 53 stores it
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html)."""
    if (
        isinstance(record_set, dict)
        and isinstance(record_set.get("Name"), str)
        and not record_set["Name"].endswith(".")
    ):
        return {**record_set, "Name": record_set["Name"] + "."}
    return record_set


@patch(
    "moto.route53.models",
    "RecordSet.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Route53::RecordSet",
    adds=("Name",),
    doc_url=RECORD_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_record_set(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """The record set stored under its fully qualified name (trailing dot), as Route 53 stores it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-recordset.html
    """
    template = copy.deepcopy(cloudformation_json)
    template["Properties"] = _qualified(template.get("Properties") or {})
    record_set = original(resource_name, template, account_id, region_name, **kwargs)
    _journal(account_id, region_name, copy.deepcopy(template["Properties"]))
    return record_set


@patch(
    "moto.route53.models",
    "RecordSetGroup.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Route53::RecordSetGroup",
    adds=("RecordSets",),
    doc_url=GROUP_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_record_set_group(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """Each record set of the group stored under its fully qualified name, as Route 53 stores it.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-recordsetgroup.html
    """
    template = copy.deepcopy(cloudformation_json)
    properties = template.get("Properties") or {}
    properties["RecordSets"] = [_qualified(r) for r in properties.get("RecordSets") or []]
    template["Properties"] = properties
    group = original(resource_name, template, account_id, region_name, **kwargs)
    for record in properties["RecordSets"]:
        where = {k: properties[k] for k in ("HostedZoneName", "HostedZoneId") if k in properties}
        _journal(account_id, region_name, copy.deepcopy({**record, **where}))
    return group


@patch(
    "moto.route53.models",
    "FakeZone.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::Route53::HostedZone",
    adds=("HostedZoneConfig",),
    doc_url=ZONE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_hosted_zone(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto ignores ``HostedZoneConfig``; its ``Comment`` is what GetHostedZone answers under ``Config``.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-hostedzone.html
    """
    zone = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    config = (cloudformation_json.get("Properties") or {}).get("HostedZoneConfig")
    if isinstance(config, dict) and isinstance(config.get("Comment"), str):
        zone.comment = config["Comment"]
    return zone


HEALTH_CHECK_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-route53-healthcheck.html"
)
getatt_attributes(
    "moto.route53.models",
    "HealthCheck",
    resource_type="AWS::Route53::HealthCheck",
    attributes={"HealthCheckId": "id"},
    why="moto's health check has no GetAtt; a failover record names its check by GetAtt HealthCheckId, as CDK writes it",
    doc_url=HEALTH_CHECK_DOC,
)
