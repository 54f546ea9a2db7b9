"""RDS for the emulator: the AWS::RDS::DBInstance properties moto's model drops or defaults wrongly."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on
from stackcheck.emulator.cfn.rds_versions import refused_engine_version_message

__all__: list[str] = []

DB_INSTANCE_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html"
)
SUBNET_GROUP_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbsubnetgroup.html"
)
PARAMETER_GROUP_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbparametergroup.html"
)

relies_on("moto.rds.models", "DBInstance.default_port", params=("engine",))
relies_on("moto.rds.exceptions", "InvalidParameterCombination")
relies_on("moto.rds.models", "DBSubnetGroup.name")
relies_on("moto.rds.models", "DBParameterGroup.name")
relies_on(
    "moto.rds.models",
    "DBInstance.__init__",
    assigns=(
        "deletion_protection",
        "enabled_cloudwatch_logs_exports",
        "monitoring_interval",
        "monitoring_role_arn",
        "enable_iam_database_authentication",
        "ca_certificate_identifier",
        "max_allocated_storage",
        "backup_retention_period",
        "port",
    ),
)

# CloudFormation property → DBInstance attribute, applied after moto creates the instance.
_AFTER_CREATE: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "DeletionProtection": ("deletion_protection", lambda v: str(v).lower() == "true"),
    "EnableCloudwatchLogsExports": ("enabled_cloudwatch_logs_exports", list),
    "EnableIAMDatabaseAuthentication": ("enable_iam_database_authentication", lambda v: str(v).lower() == "true"),
    "CACertificateIdentifier": ("ca_certificate_identifier", str),
    "MaxAllocatedStorage": ("max_allocated_storage", int),
    "BackupRetentionPeriod": ("backup_retention_period", int),
    "MonitoringInterval": ("monitoring_interval", int),
    "MonitoringRoleArn": ("monitoring_role_arn", str),
    "EnablePerformanceInsights": ("performance_insights_enabled", lambda v: str(v).lower() == "true"),
    "PerformanceInsightsKMSKeyId": ("performance_insights_kms_key_id", str),
    "PerformanceInsightsRetentionPeriod": ("performance_insights_retention_period", int),
}


@patch(
    "moto.rds.models",
    "DBInstance.create_from_cloudformation_json",
    kind="classmethod",
    resource_type="AWS::RDS::DBInstance",
    adds=(
        "EngineVersion refused once RDS no longer offers it",
        "Port (engine default)",
        "DBSubnetGroupName (a name)",
        "VPCSecurityGroups",
        *_AFTER_CREATE,
    ),
    doc_url=DB_INSTANCE_DOC,
    params=("resource_name", "cloudformation_json", "account_id", "region_name"),
)
def create_db_instance(
    original: Callable[..., Any],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    """moto defaults Port to 3306 whatever the engine, reads DBSubnetGroupName as a subnet group
    object (a name fails; with the ``physical_resource_id`` below, a Ref is a name, as in AWS),
    compares the numeric CloudFormation strings (AllocatedStorage "50") with numbers, reads the security
    groups from "VpcSecurityGroupIds" where CloudFormation says ``VPCSecurityGroups`` (so the
    instance lands in the default VPC's default group), and drops the properties in
    ``_AFTER_CREATE``. An omitted Port is the engine's default (5432 for postgres); the port is
    a number. An ``EngineVersion`` RDS no longer offers for creation raises RDS's
    InvalidParameterCombination ("Cannot find version 5.7.30 for mysql", see ``rds_versions``).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html
    """
    from moto.rds.models import DBInstance

    properties = dict(cloudformation_json.get("Properties", {}))
    engine = properties.get("Engine")
    version = properties.get("EngineVersion")
    message = refused_engine_version_message(engine, str(version)) if isinstance(engine, str) and version else None
    if message:
        from moto.rds.exceptions import InvalidParameterCombination

        raise InvalidParameterCombination(message)
    for numeric in ("Port", "AllocatedStorage", "Iops", "BackupRetentionPeriod"):
        if properties.get(numeric) is not None:
            properties[numeric] = int(properties[numeric])  # CloudFormation strings; moto compares them as numbers
    if "Port" not in properties and engine:
        properties["Port"] = DBInstance.default_port(engine.lower())
    if properties.get("VPCSecurityGroups") and not properties.get("VpcSecurityGroupIds"):
        properties["VpcSecurityGroupIds"] = list(properties["VPCSecurityGroups"])
    if isinstance(properties.get("DBSubnetGroupName"), str):
        properties["DBSubnetGroupName"] = SimpleNamespace(name=properties["DBSubnetGroupName"].lower())
    instance = original(
        resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs
    )
    for cfn_name, (attribute, convert) in _AFTER_CREATE.items():
        if properties.get(cfn_name) is not None:
            setattr(instance, attribute, convert(properties[cfn_name]))
    return instance


def _group_name(group: Any) -> str:
    """Ref of a DB subnet group or DB parameter group: its name (lowercase, as RDS stores it).

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbsubnetgroup.html
    and https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbparametergroup.html
    """
    return group.name


patch(
    "moto.rds.models",
    "DBSubnetGroup.physical_resource_id",
    kind="addition",
    resource_type="AWS::RDS::DBSubnetGroup",
    adds=("Ref (the group name)",),
    doc_url=SUBNET_GROUP_DOC,
)(property(_group_name))  # type: ignore[arg-type]  # a property replaces moto's method
patch(
    "moto.rds.models",
    "DBParameterGroup.physical_resource_id",
    kind="addition",
    resource_type="AWS::RDS::DBParameterGroup",
    adds=("Ref (the group name)",),
    doc_url=PARAMETER_GROUP_DOC,
)(property(_group_name))  # type: ignore[arg-type]
