"""Live-state readers for AWS Secrets Manager: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.compliance.deployed import DeployedResource
from stackcheck.compliance.live.base import Builder, LiveResource, drop_none
from stackcheck.scan.policy import TemplateView

RESOURCE_POLICY = "AWS::SecretsManager::ResourcePolicy"
ROTATION_SCHEDULE = "AWS::SecretsManager::RotationSchedule"


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
