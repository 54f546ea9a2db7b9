"""Live-state readers for AWS Secrets Manager: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.aws.retry import error_code
from stackcheck.compliance.deployed import DeployedResource
from stackcheck.compliance.live.base import NOT_FOUND_CODES, Builder, LiveResource, drop_none
from stackcheck.errors import BadInputError
from stackcheck.scan.policy import TemplateView

RESOURCE_POLICY = "AWS::SecretsManager::ResourcePolicy"
ROTATION_SCHEDULE = "AWS::SecretsManager::RotationSchedule"
CONNECTION_KEYS = ("engine", "host", "port", "dbInstanceIdentifier", "dbClusterIdentifier")
"""The only keys of a database secret's JSON the live state reads (never ``username``, ``password`` or any other):
the connection keys a SecretTargetAttachment adds
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html)."""


def connection_keys(answer: Mapping[str, Any]) -> dict[str, Any]:
    """CONNECTION_KEYS of a GetSecretValue answer's ``SecretString`` JSON, every other key dropped; ``{}`` for a
    binary secret or one whose text is not a JSON object. The ClientFactory's clients answer ``SecretString`` as
    a Redacted (``stackcheck.aws.secrets``): only these keys' values are revealed; nothing of the secret goes
    into an error message."""
    from stackcheck.aws.secrets import Redacted, SecretFields

    text = answer.get("SecretString")
    try:
        if isinstance(text, Redacted):
            fields: Mapping[str, Any] = text.json()
        else:
            fields = SecretFields(json.loads(text)) if isinstance(text, str) else {}
    except (BadInputError, ValueError, TypeError, AttributeError):
        return {}
    found = {}
    for key in CONNECTION_KEYS:
        if key in fields:
            value = fields[key]
            found[key] = value.reveal() if isinstance(value, Redacted) else value
    return found


class SecretsManagerReaders(Builder):
    """Readers of AWS Secrets Manager resources (mixed into the live template builder)."""

    def secret(self, resource: LiveResource) -> dict[str, Any]:
        """Secrets Manager secret: DescribeSecret
        (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html) and
        GetResourcePolicy (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetResourcePolicy.html).

        The secret's ``Name``, ``Description`` and ``KmsKeyId`` (absent when the AWS managed key
        aws/secretsmanager encrypts it, as DescribeSecret omits it then); its resource policy becomes an
        ``AWS::SecretsManager::ResourcePolicy`` (``SecretId``, ``ResourcePolicy``) and, when
        ``RotationEnabled``, its rotation an ``AWS::SecretsManager::RotationSchedule`` (``SecretId``,
        ``RotationLambdaARN``, ``RotationRules``: ``AutomaticallyAfterDays``, ``ScheduleExpression``,
        ``Duration``) of the live template. The secret value is never read.
        """
        arn = resource.physical_id
        secret = self.call(resource, "secretsmanager", "describe_secret", SecretId=arn)
        props = drop_none(
            {
                "Name": secret.get("Name"),
                "Description": secret.get("Description") or None,
                "KmsKeyId": secret.get("KmsKeyId") or None,
            }
        )
        answer = self.call(resource, "secretsmanager", "get_resource_policy", SecretId=arn)
        policy = answer.get("ResourcePolicy")
        if policy:
            key, owner = self._attached(resource, RESOURCE_POLICY, "ResourcePolicy")
            document = json.loads(policy) if isinstance(policy, str) else policy
            self.put(key, RESOURCE_POLICY, arn, {"SecretId": {"Ref": resource.key}, "ResourcePolicy": document}, owner)
            self.resources[key].operations.append(self.reader.api_name("secretsmanager", "get_resource_policy"))
        else:
            self.note(resource, "GetResourcePolicy: no resource policy")
        if secret.get("RotationEnabled"):
            rules = secret.get("RotationRules") or {}
            key, owner = self._attached(resource, ROTATION_SCHEDULE, "RotationSchedule")
            schedule = drop_none(
                {
                    "SecretId": {"Ref": resource.key},
                    "RotationLambdaARN": secret.get("RotationLambdaARN") or None,
                    "RotationRules": drop_none(
                        {
                            "AutomaticallyAfterDays": rules.get("AutomaticallyAfterDays") or None,
                            "ScheduleExpression": rules.get("ScheduleExpression"),
                            "Duration": rules.get("Duration"),
                        }
                    )
                    or None,
                }
            )
            self.put(key, ROTATION_SCHEDULE, arn, schedule, owner)
            self.resources[key].operations.append(self.reader.api_name("secretsmanager", "describe_secret"))
        else:
            self.note(resource, "DescribeSecret: rotation not enabled")
        return props

    def _attached(self, secret: LiveResource, resource_type: str, suffix: str) -> tuple[str, DeployedResource | None]:
        """The logical ID of the stack's ``resource_type`` whose ``SecretId`` names ``secret``, else ``<secret key>/<suffix>``."""
        if secret.owner is not None and secret.owner.stack == self.stack.artifact_id:
            view = TemplateView(self.stack.artifact.template)
            for lid in view.of_type(resource_type):
                if view.target(view.properties(lid).get("SecretId")) == secret.key:
                    return lid, self.stack.resource(lid)
        return f"{secret.key}/{suffix}", None

    def secret_target_attachment(self, resource: LiveResource) -> dict[str, Any]:
        """Secrets Manager secret target attachment: GetSecretValue
        (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html), of which only the
        CONNECTION_KEYS of the secret's JSON are kept (never the password, nor any other value of the secret), and
        the target's DescribeDBInstances or DescribeDBClusters
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html).

        CloudFormation names an AWS::SecretsManager::SecretTargetAttachment by its secret's ARN (``Ref``), and the
        attachment adds the target database's connection keys to the secret. ``SecretId`` is the secret (``Ref``);
        ``TargetType`` AWS::RDS::DBInstance (``dbInstanceIdentifier``) or AWS::RDS::DBCluster
        (``dbClusterIdentifier``); ``TargetId`` the database (``Ref``) when the secret's ``host`` and ``port`` are that
        database's endpoint. Each is absent (noted) when the secret lacks the key or names another endpoint: the
        attachment's connection details are no longer in the secret.
        """
        arn = resource.physical_id
        keys = self.call_keeping(
            resource, "secretsmanager", "get_secret_value", connection_keys, prop="TargetId", SecretId=arn
        )
        resource.sources.setdefault("TargetType", []).append(("operation", "secretsmanager:GetSecretValue"))
        props: dict[str, Any] = {"SecretId": self.ref("AWS::SecretsManager::Secret", arn)}
        if keys.get("dbClusterIdentifier"):
            target_type, target_id = "AWS::RDS::DBCluster", str(keys["dbClusterIdentifier"])
        elif keys.get("dbInstanceIdentifier"):
            target_type, target_id = "AWS::RDS::DBInstance", str(keys["dbInstanceIdentifier"])
        else:
            self.note(resource, "GetSecretValue: the secret names no dbInstanceIdentifier or dbClusterIdentifier")
            return props
        props["TargetType"] = target_type
        endpoint = self._endpoint(resource, target_type, target_id)
        if endpoint == (keys.get("host"), _port(keys.get("port"))):
            props["TargetId"] = self.ref(target_type, target_id)
        else:
            self.note(
                resource,
                f"GetSecretValue: the secret's host and port are not the endpoint of {target_id} "
                f"({keys.get('host')}:{keys.get('port')}, endpoint {endpoint[0]}:{endpoint[1]})",
                "TargetId",
            )
        return props

    def _endpoint(self, resource: LiveResource, target_type: str, target_id: str) -> tuple[Any, Any]:
        """(address, port) of the database's endpoint (DescribeDBInstances / DescribeDBClusters); (None, None) when
        no such database exists."""
        from botocore.exceptions import ClientError

        try:
            return self._described_endpoint(resource, target_type, target_id)
        except ClientError as exc:
            if error_code(exc) not in NOT_FOUND_CODES:
                raise
            self.note(resource, f"{target_type} {target_id}: {error_code(exc)}", "TargetId")
            return None, None

    def _described_endpoint(self, resource: LiveResource, target_type: str, target_id: str) -> tuple[Any, Any]:
        if target_type == "AWS::RDS::DBCluster":
            (cluster,) = self.call(
                resource, "rds", "describe_db_clusters", prop="TargetId", DBClusterIdentifier=target_id
            )["DBClusters"]
            return cluster.get("Endpoint"), _port(cluster.get("Port"))
        (db,) = self.call(resource, "rds", "describe_db_instances", prop="TargetId", DBInstanceIdentifier=target_id)[
            "DBInstances"
        ]
        endpoint = db.get("Endpoint") or {}
        return endpoint.get("Address"), _port(endpoint.get("Port"))


def _port(value: Any) -> int | None:
    """A port as a number (the secret's JSON may hold it as text)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
