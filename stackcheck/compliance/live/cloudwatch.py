"""Live-state readers for Amazon CloudWatch: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none

ALARM_FIELDS = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "ThresholdMetricId",
)
"""DescribeAlarms ``MetricAlarm`` fields read under the AWS::CloudWatch::Alarm property of the same name."""
ALARM_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
"""The alarm's action lists: ARNs, an SNS topic a deployed stack declares joined by ``Ref``."""


class CloudWatchReaders(Builder):
    """Readers of Amazon CloudWatch resources (mixed into the live template builder)."""

    def alarm(self, resource: LiveResource) -> dict[str, Any]:
        """CloudWatch metric alarm: DescribeAlarms by name
        (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html); CloudFormation
        names an AWS::CloudWatch::Alarm by its alarm name (``Ref``). ALARM_FIELDS, ALARM_ACTIONS, ``Dimensions``
        (``Name``, ``Value``) and ``Metrics`` (metric math queries, the MetricDataQuery shape of both) under the
        property names of AWS::CloudWatch::Alarm. An alarm DescribeAlarms does not list is gone. One call asks for
        the stack's alarms together (up to 100 names a call, DescribeAlarms' limit), answered once per run."""
        name = resource.physical_id
        answer = self.call(resource, "cloudwatch", "describe_alarms", AlarmNames=self._alarm_names(name))
        found = [a for a in answer.get("MetricAlarms", []) if a.get("AlarmName") == name]
        if not found:
            raise Gone(f"ResourceNotFound: DescribeAlarms lists no metric alarm {name}")
        alarm = found[0]
        props = drop_none({field: alarm.get(field) for field in ALARM_FIELDS})
        for field in ALARM_ACTIONS:
            if field in alarm:
                props[field] = [self._action(arn) for arn in alarm[field]]
        if "Dimensions" in alarm:
            props["Dimensions"] = [{"Name": d.get("Name"), "Value": d.get("Value")} for d in alarm["Dimensions"]]
        if alarm.get("Metrics"):
            props["Metrics"] = [_query(q) for q in alarm["Metrics"]]
        return props

    def dashboard(self, resource: LiveResource) -> dict[str, Any]:
        """CloudWatch dashboard: GetDashboard
        (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetDashboard.html) of the physical
        ID, its name (CloudFormation's Ref), as AWS::CloudWatch::Dashboard's ``DashboardName`` and
        ``DashboardBody`` (JSON text, which drift compares as the object it holds)."""
        answer = self.call(resource, "cloudwatch", "get_dashboard", DashboardName=resource.physical_id)
        return drop_none(
            {
                "DashboardName": answer.get("DashboardName") or resource.physical_id,
                "DashboardBody": answer.get("DashboardBody") or None,
            }
        )

    def _alarm_names(self, name: str) -> list[str]:
        """The names of the stack's live alarms, ``name`` among them, in the group of 100 that holds ``name``."""
        names = sorted(
            {
                r.physical_id
                for r in self.stack.resources
                if r.resource_type == "AWS::CloudWatch::Alarm" and r.live and r.physical_id
            }
            | {name}
        )
        start = names.index(name) // 100 * 100
        return names[start : start + 100]

    def _action(self, arn: str) -> Any:
        """``{"Ref": ...}`` to an SNS topic a deployed stack declares, else the action's ARN."""
        return self.ref("AWS::SNS::Topic", arn) if self.reader.owner("AWS::SNS::Topic", arn) is not None else arn


def _query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeAlarms ``MetricDataQuery`` as the AWS::CloudWatch::Alarm ``MetricDataQuery`` (the same keys)."""
    stat = query.get("MetricStat")
    item = drop_none({k: query.get(k) for k in ("Id", "Expression", "Label", "ReturnData", "Period", "AccountId")})
    if isinstance(stat, Mapping):
        metric = stat.get("Metric") or {}
        item["MetricStat"] = drop_none(
            {
                "Metric": drop_none(
                    {
                        "Namespace": metric.get("Namespace"),
                        "MetricName": metric.get("MetricName"),
                        "Dimensions": [
                            {"Name": d.get("Name"), "Value": d.get("Value")} for d in metric.get("Dimensions", [])
                        ],
                    }
                ),
                "Period": stat.get("Period"),
                "Stat": stat.get("Stat"),
                "Unit": stat.get("Unit"),
            }
        )
    return item
