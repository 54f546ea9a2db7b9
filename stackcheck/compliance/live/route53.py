"""Live-state readers for Amazon Route 53: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none
from stackcheck.scan.policy import TemplateView

RECORD_FIELDS = ("Weight", "TTL", "Region", "Failover", "HealthCheckId", "MultiValueAnswer")
"""ListResourceRecordSets fields read under the AWS::Route53::RecordSet property of the same name."""


def _same_name(declared: Any, answered: str) -> bool:
    """Route 53 answers names lower-case (``\\052`` for ``*``) with the trailing dot; a template may omit the dot."""
    if not isinstance(declared, str):
        return False
    return declared.rstrip(".").lower().replace("*", "\\052") == answered.rstrip(".").lower()


def _as_declared(declared: Any, answered: str) -> Any:
    """The declared spelling of a name Route 53 answers in its own (``_same_name``), else the answer."""
    return declared if _same_name(declared, answered) else answered


class Route53Readers(Builder):
    """Readers of Amazon Route 53 resources (mixed into the live template builder)."""

    def hosted_zone(self, resource: LiveResource) -> dict[str, Any]:
        """Hosted zone: GetHostedZone (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html):
        ``Name`` (spelled as declared when it is the same name) and ``HostedZoneConfig.Comment``."""
        answer = self.call(resource, "route53", "get_hosted_zone", Id=resource.physical_id)
        zone = answer["HostedZone"]
        declared = self.declared(resource)
        props: dict[str, Any] = {"Name": _as_declared(declared.get("Name"), zone.get("Name", ""))}
        comment = (zone.get("Config") or {}).get("Comment")
        if comment:
            props["HostedZoneConfig"] = {"Comment": comment}
        return props

    def record_set(self, resource: LiveResource) -> dict[str, Any]:
        """Record set: ListResourceRecordSets from the declared name, type and set identifier
        (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html). CloudFormation
        names a record set by its domain name only, which weighted records share, so the zone (``HostedZoneId``,
        a ``Ref`` to the stack's zone or a literal), ``Name``, ``Type`` and ``SetIdentifier`` come from the
        template; the record read is the one answering all three. Read: ``Name``, ``Type``, ``SetIdentifier``,
        ``Weight``, ``TTL``, ``Region``, ``Failover``, ``HealthCheckId``, ``MultiValueAnswer``, ``ResourceRecords``
        and ``AliasTarget`` (``DNSName``, ``HostedZoneId``, ``EvaluateTargetHealth``)."""
        declared = self.declared(resource)
        view = TemplateView({})
        zone = self._zone_id(declared.get("HostedZoneId"))
        name, kind, identifier = (view.value(declared.get(k)) for k in ("Name", "Type", "SetIdentifier"))
        if not (isinstance(zone, str) and isinstance(name, str) and isinstance(kind, str)):
            raise LookupError(
                f"AWS::Route53::RecordSet {resource.physical_id}: its HostedZoneId, Name and Type must be literals "
                "or a Ref to the stack's hosted zone to find the record"
            )
        start = {"HostedZoneId": zone, "StartRecordName": name, "StartRecordType": kind}
        if isinstance(identifier, str):
            start["StartRecordIdentifier"] = identifier
        answer = self.call(resource, "route53", "list_resource_record_sets", **start)
        found = [
            r
            for r in answer.get("ResourceRecordSets", [])
            if _same_name(name, r.get("Name", ""))
            and r.get("Type") == kind
            and r.get("SetIdentifier") == (identifier if isinstance(identifier, str) else None)
        ]
        if not found:
            raise Gone(f"NoSuchRecord: ListResourceRecordSets lists no {kind} record {name} in zone {zone}")
        record = found[0]
        props = drop_none(
            {
                "Name": _as_declared(name, record.get("Name", "")),
                "Type": record.get("Type"),
                "SetIdentifier": record.get("SetIdentifier"),
                **{key: record.get(key) for key in RECORD_FIELDS},
                "HostedZoneId": zone,
            }
        )
        if record.get("ResourceRecords"):
            props["ResourceRecords"] = [r.get("Value") for r in record["ResourceRecords"]]
        alias = record.get("AliasTarget")
        if isinstance(alias, Mapping):
            declared_alias = declared.get("AliasTarget")
            declared_alias = declared_alias if isinstance(declared_alias, Mapping) else {}
            props["AliasTarget"] = drop_none(
                {
                    "DNSName": _as_declared(view.value(declared_alias.get("DNSName")), alias.get("DNSName", "")),
                    "HostedZoneId": alias.get("HostedZoneId"),
                    "EvaluateTargetHealth": alias.get("EvaluateTargetHealth"),
                }
            )
        return props

    def _zone_id(self, node: Any) -> Any:
        """The hosted zone ID a record's ``HostedZoneId`` names: a Ref to the stack's zone (its physical ID) or a literal."""
        if isinstance(node, Mapping) and isinstance(node.get("Ref"), str):
            zone = self.stack.resource(node["Ref"])
            return zone.physical_id if zone is not None and zone.physical_id else None
        return node if isinstance(node, str) else None
