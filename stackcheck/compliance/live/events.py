"""Live-state readers for Amazon EventBridge: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


class EventsReaders(Builder):
    """Readers of Amazon EventBridge resources (mixed into the live template builder)."""

    def events_rule(self, resource: LiveResource) -> dict[str, Any]:
        """EventBridge rule: DescribeRule (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeRule.html)
        and ListTargetsByRule (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListTargetsByRule.html),
        as AWS::Events::Rule's properties.

        The physical ID is the rule's name, ``<event bus name>|<rule name>`` for a rule on another bus than the
        default one, or the rule's ARN (``...:rule/[<bus>/]<name>``); where it names no bus, the bus is the one
        the template's ``EventBusName`` names (a literal, or a Ref of the stack's own bus). ``EventPattern`` is the object its JSON holds; each of
        ``Targets`` is as the API gives it (``Id``, ``Arn``, ``Input``, ``RoleArn``, ``RetryPolicy``, ...: the
        names CloudFormation's Target takes).
        """
        physical_id = resource.physical_id
        if physical_id.startswith("arn:") and ":rule/" in physical_id:  # arn:...:rule/[<bus>/]<name>
            bus, _, name = physical_id.split(":rule/", 1)[1].rpartition("/")
        else:
            bus, _, name = physical_id.rpartition("|")
        bus = bus or self.declared_id(resource, "EventBusName") or ""
        where: dict[str, Any] = {"EventBusName": bus} if bus and bus != "default" else {}
        rule = self.call(resource, "events", "describe_rule", Name=name, **where)
        pages = self.call(resource, "events", "paginate:list_targets_by_rule", prop="Targets", Rule=name, **where)
        targets = [target for page in pages for target in page.get("Targets", [])]
        pattern = rule.get("EventPattern")
        return drop_none(
            {
                "Name": rule.get("Name", name),
                "Description": rule.get("Description") or None,
                "EventBusName": rule.get("EventBusName"),
                "EventPattern": json.loads(pattern) if isinstance(pattern, str) and pattern else pattern or None,
                "ScheduleExpression": rule.get("ScheduleExpression") or None,
                "State": rule.get("State"),
                "RoleArn": rule.get("RoleArn") or None,
                "Targets": targets,
            }
        )
