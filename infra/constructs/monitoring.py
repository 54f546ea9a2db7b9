"""Monitoring: CloudWatch alarms on the database, the ALB and the service, to an encrypted SNS topic."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

FREE_STORAGE_FLOOR_BYTES = 10 * 1024**3


class Alarms(Construct):
    """Four alarms (DB CPU, DB free storage, ALB 5xx, service CPU), each notifying ``topic``.

    Attributes: ``topic`` (sns.Topic), ``alarms`` (dict name -> cloudwatch.Alarm).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        database: rds.DatabaseInstance,
        load_balancer: elbv2.ApplicationLoadBalancer,
        service: ecs.FargateService,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", master_key=encryption_key, enforce_ssl=True)
        five_minutes = Duration.minutes(5)
        specs = {
            "DbCpu": (
                database.metric_cpu_utilization(period=five_minutes),
                80,
                cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            ),
            "DbFreeStorage": (
                database.metric_free_storage_space(period=five_minutes),
                FREE_STORAGE_FLOOR_BYTES,
                cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            ),
            "Alb5xx": (
                load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=five_minutes),
                10,
                cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            ),
            "ServiceCpu": (
                service.metric_cpu_utilization(period=five_minutes),
                80,
                cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            ),
        }
        self.alarms = {}
        for name, (metric, threshold, comparison) in specs.items():
            alarm = cloudwatch.Alarm(
                self,
                f"{name}Alarm",
                metric=metric,
                threshold=threshold,
                comparison_operator=comparison,
                evaluation_periods=3,
                datapoints_to_alarm=2,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            alarm.add_ok_action(actions.SnsAction(self.topic))
            self.alarms[name] = alarm
