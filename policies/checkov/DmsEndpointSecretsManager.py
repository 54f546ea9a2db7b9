"""CKV_TAP_2: AWS DMS endpoints read database credentials from Secrets Manager, never from Username/Password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict, is_intrinsic

# Engine name -> the settings property that takes SecretsManagerSecretId / SecretsManagerAccessRoleArn.
SETTINGS = {
    "postgres": "PostgreSqlSettings",
    "aurora-postgresql": "PostgreSqlSettings",
    "babelfish": "PostgreSqlSettings",
    "mysql": "MySqlSettings",
    "mariadb": "MySqlSettings",
    "aurora": "MySqlSettings",
    "oracle": "OracleSettings",
    "sqlserver": "MicrosoftSqlServerSettings",
    "sybase": "SybaseSettings",
    "db2": "IbmDb2Settings",
    "db2-zos": "IbmDb2Settings",
    "redshift": "RedshiftSettings",
    "redshift-serverless": "RedshiftSettings",
    "mongodb": "MongoDbSettings",
    "docdb": "DocDbSettings",
}
KEYS = ("SecretsManagerSecretId", "SecretsManagerAccessRoleArn")


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::DMS::Endpoint``; NOT_APPLICABLE for engines without database credentials (S3, Kinesis, ...)."""
    where = f"DMS endpoint `{logical_id}`"
    engine = view.value(properties.get("EngineName"))
    inline = [k for k in ("Username", "Password") if k in properties]
    if isinstance(engine, str) and engine.lower() not in SETTINGS and not inline:
        return Verdict(Outcome.NOT_APPLICABLE, "")
    block = SETTINGS.get(engine.lower()) if isinstance(engine, str) else None
    fix = (
        f"remove {' and '.join(inline) if inline else 'them'} and set {block or '<Engine>Settings'}."
        f"{KEYS[0]} and {KEYS[1]}"
    )
    if inline:
        return Verdict(
            Outcome.FAILED,
            f"{where}: sets {' and '.join(inline)} on the endpoint, so the credentials are in "
            f"the template and the DMS API; {fix}",
            path=("Properties", inline[-1]),
        )
    if isinstance(engine, Unresolved) or engine is None:
        found = [
            name
            for name in set(SETTINGS.values())
            if isinstance(properties.get(name), Mapping) and all(k in properties[name] for k in KEYS)
        ]
        if found:
            return Verdict(
                Outcome.PASSED,
                f"{where}: {found[0]} reads the credentials from Secrets Manager",
                path=("Properties", found[0]),
            )
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: EngineName is decided at deploy time; cannot tell which settings block must name the secret",
            path=("Properties", "EngineName"),
        )
    settings = properties.get(block)
    if is_intrinsic(settings):
        return Verdict(Outcome.UNKNOWN, f"{where}: {block} is decided at deploy time", path=("Properties", block))
    if isinstance(settings, Mapping) and all(k in settings for k in KEYS):
        return Verdict(
            Outcome.PASSED,
            f"{where}: {block} reads the credentials from Secrets Manager through {KEYS[1]}",
            path=("Properties", block),
        )
    missing = [k for k in KEYS if not (isinstance(settings, Mapping) and k in settings)]
    return Verdict(
        Outcome.FAILED,
        f"{where}: {block} lacks {' and '.join(missing)}; set {block}.{KEYS[0]} (the database "
        f"secret) and {block}.{KEYS[1]} (a role DMS can assume to read it)",
        path=("Properties", block) if block in properties else ("Properties",),
    )


class DmsEndpointSecretsManager(custom.ResourceCheck):
    """checkov check CKV_TAP_2; logic in ``evaluate``."""

    id = "CKV_TAP_2"
    outcome = "Ensure AWS DMS endpoints take database credentials from Secrets Manager"
    description = (
        "Username and Password on a DMS endpoint put the payment database's credentials in the template and "
        "in every DescribeEndpoints answer, and they go stale when the secret rotates. The endpoint's engine "
        "settings must name the secret (SecretsManagerSecretId) and a role DMS assumes to read it."
    )
    source_url = "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Security.html#security_iam_secretsmanager"
    resource_types = ("AWS::DMS::Endpoint",)
    categories = (CheckCategories.SECRETS,)
    evaluate = staticmethod(evaluate)


check = DmsEndpointSecretsManager()
