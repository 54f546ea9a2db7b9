"""Live-state readers for AWS Lambda: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

FUNCTION_FIELDS = ("FunctionName", "Runtime", "Handler", "MemorySize", "Timeout", "Description", "PackageType")
"""GetFunction ``Configuration`` fields read under the AWS::Lambda::Function property of the same name."""


class LambdaReaders(Builder):
    """Readers of AWS Lambda resources (mixed into the live template builder)."""

    def lambda_function(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda function: GetFunction (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html), by
        the function name CloudFormation gives as its ``Ref``: FUNCTION_FIELDS, ``Role`` (its ARN), ``KmsKeyArn``, ``Architectures``, ``TracingConfig.Mode``,
        ``VpcConfig`` (``SubnetIds``, ``SecurityGroupIds``), ``DeadLetterConfig.TargetArn``, ``Layers`` (their ARNs)
        and ``ReservedConcurrentExecutions`` (the answer's ``Concurrency``). ``Environment`` is never read: its
        variables may hold secrets, and a live template reaches reports. Its code is not read either. A function
        Lambda does not know answers ResourceNotFoundException: it is gone."""
        answer = self.call_keeping(
            resource, "lambda", "get_function", _without_environment, FunctionName=resource.physical_id
        )
        config = answer.get("Configuration") or {}
        self._read_unset(resource, ("KmsKeyArn", "DeadLetterConfig", "Layers", "ReservedConcurrentExecutions"))
        # Lambda answers an empty Description for none
        props: dict[str, Any] = drop_none({name: config.get(name) or None for name in FUNCTION_FIELDS})
        props |= drop_none(
            {
                "Role": config.get("Role") or None,
                "KmsKeyArn": config.get("KMSKeyArn") or None,
                "Architectures": config.get("Architectures") or None,
                "TracingConfig": {"Mode": config["TracingConfig"]["Mode"]}
                if (config.get("TracingConfig") or {}).get("Mode")
                else None,
                "DeadLetterConfig": {"TargetArn": config["DeadLetterConfig"]["TargetArn"]}
                if (config.get("DeadLetterConfig") or {}).get("TargetArn")
                else None,
                "Layers": [layer["Arn"] for layer in config.get("Layers") or [] if layer.get("Arn")] or None,
                "ReservedConcurrentExecutions": (answer.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
            }
        )
        vpc = config.get("VpcConfig") or {}
        if vpc.get("SubnetIds") or vpc.get("SecurityGroupIds"):
            props["VpcConfig"] = {
                "SubnetIds": list(vpc.get("SubnetIds") or []),
                "SecurityGroupIds": [
                    self.ref("AWS::EC2::SecurityGroup", group, full=True) for group in vpc.get("SecurityGroupIds") or []
                ],
            }
        return props


def _without_environment(answer: Any) -> dict[str, Any]:
    """A GetFunction answer as the reader keeps it: its configuration less ``Environment`` (variables may hold
    secrets) and its concurrency; the code location and tags are not kept."""
    config = {k: v for k, v in (answer.get("Configuration") or {}).items() if k != "Environment"}
    return {"Configuration": config, "Concurrency": answer.get("Concurrency") or {}}
