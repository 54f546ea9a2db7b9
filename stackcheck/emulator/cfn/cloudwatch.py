"""CloudWatch for the emulator: AWS::CloudWatch::Alarm through moto's PutMetricAlarm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["Alarm"]

ALARM_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html"

relies_on("moto.cloudwatch.models", "cloudwatch_backends")
relies_on(
    "moto.cloudwatch.models",
    "CloudWatchBackend.put_metric_alarm",
    params=(
        "name",
        "namespace",
        "metric_name",
        "comparison_operator",
        "evaluation_periods",
        "period",
        "threshold",
        "statistic",
        "description",
        "dimensions",
        "alarm_actions",
        "metric_data_queries",
        "datapoints_to_alarm",
        "extended_statistic",
        "ok_actions",
        "insufficient_data_actions",
        "unit",
        "actions_enabled",
        "treat_missing_data",
        "evaluate_low_sample_count_percentile",
        "threshold_metric_id",
        "tags",
    ),
)
relies_on("moto.cloudwatch.models", "CloudWatchBackend.delete_alarms", params=("alarm_names",))
relies_on("moto.cloudwatch.models", "Alarm.__init__", assigns=("alarm_arn",))
relies_on(
    "moto.cloudwatch.models",
    "MetricDataQuery.__init__",
    params=("query_id", "label", "period", "return_data", "expression", "metric_stat"),
)
relies_on("moto.cloudwatch.models", "MetricStat.__init__", params=("metric", "period", "stat", "unit"))
relies_on("moto.cloudwatch.models", "Metric.__init__", params=("metric_name", "namespace", "dimensions"))
relies_on("moto.cloudwatch.models", "Dimension.__init__", params=("name", "value"))


def _backend(account_id: str, region_name: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region_name]


def _number(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)


def _metric_data_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
    """CloudFormation ``Metrics`` → moto MetricDataQuery objects (what PutMetricAlarm builds)."""
    if not metrics:
        return None
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat.get("Metric") or {}
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric.get("MetricName"),  # type: ignore[arg-type]  # moto annotates str; absent is None
                    namespace=metric.get("Namespace"),  # type: ignore[arg-type]
                    dimensions=[Dimension(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions") or []],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        return_data = query.get("ReturnData")
        queries.append(
            MetricDataQuery(
                query_id=query.get("Id"),  # type: ignore[arg-type]  # moto annotates str; optional fields are None
                label=query.get("Label"),  # type: ignore[arg-type]  # moto annotates str; optional fields are None
                period=query.get("Period"),  # type: ignore[arg-type]  # moto annotates str; optional fields are None
                return_data=None if return_data is None else str(return_data).lower(),  # type: ignore[arg-type]  # moto annotates str; optional fields are None
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


@extended_model
class Alarm(ExtensionModel, CloudFormationModel):
    """AWS::CloudWatch::Alarm through moto's PutMetricAlarm, so DescribeAlarms answers its
    actions, metric (or metric math queries), dimensions and thresholds. Ref is the alarm name;
    GetAtt Arn the ARN.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
    """

    CFN_TYPE = "AWS::CloudWatch::Alarm"
    CFN_NAME_TYPE = "AlarmName"
    PHYSICAL_ID = "name"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, name: str, arn: str):
        self.name = name
        self.arn = arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Alarm:
        p = cloudformation_json.get("Properties", {})
        actions_enabled = p.get("ActionsEnabled")
        alarm = _backend(account_id, region_name).put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=_number(p.get("Period"), int),
            threshold=_number(p.get("Threshold"), float),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []),
            metric_data_queries=_metric_data_queries(p.get("Metrics")),
            datapoints_to_alarm=_number(p.get("DatapointsToAlarm"), int),
            extended_statistic=p.get("ExtendedStatistic"),
            ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []),
            unit=p.get("Unit"),
            actions_enabled=True if actions_enabled is None else str(actions_enabled).lower() == "true",
            treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=p.get("ThresholdMetricId"),
            tags=[{"Key": t["Key"], "Value": t["Value"]} for t in p.get("Tags") or []],
        )
        return cls(alarm.name, alarm.alarm_arn)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        _backend(account_id, region_name).delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_alarms([self.name])
