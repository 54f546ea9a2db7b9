"""Live-state readers for AWS Lambda: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.aws.retry import error_code
from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none
from stackcheck.scan.policy import TemplateView

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

    def lambda_permission(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda permission: its statement in the function's resource policy, GetPolicy
        (https://docs.aws.amazon.com/lambda/latest/api/API_GetPolicy.html), found by its statement ID, as
        AWS::Lambda::Permission's properties.

        The physical ID is ``<function>|<statement ID>`` (the type's primary identifier, ``FunctionName`` and ``Id``),
        or the statement ID alone, the function then being the one the template's ``FunctionName`` names.
        ``Action`` as the statement gives it; ``Principal`` a service's name, or an account as the template gives it
        (``123456789012`` or ``arn:aws:iam::123456789012:root``); ``SourceArn`` (``ArnLike`` ``AWS:SourceArn``),
        ``SourceAccount`` (``StringEquals`` ``AWS:SourceAccount``), ``PrincipalOrgID`` (``aws:PrincipalOrgID``) and
        ``FunctionUrlAuthType`` (``lambda:FunctionUrlAuthType``) from its conditions; ``FunctionName`` the statement's
        ``Resource`` (the function's ARN), or its name where the template gives a name. A function without a policy,
        or whose policy has no such statement, means the permission is gone.
        """
        declared = self.declared(resource)
        function, _, sid = resource.physical_id.rpartition("|")
        function = function or self.declared_id(resource, "FunctionName") or ""
        try:
            answer = self.call(resource, "lambda", "get_policy", FunctionName=function)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise Gone(f"ResourceNotFoundException: GetPolicy of {function} has no statement {sid}") from exc
            raise
        document = json.loads(answer["Policy"]) if isinstance(answer.get("Policy"), str) else answer.get("Policy") or {}
        statements = document.get("Statement") or []
        statement = next((s for s in statements if isinstance(s, Mapping) and s.get("Sid") == sid), None)
        if statement is None:
            raise Gone(f"ResourceNotFoundException: GetPolicy of {function} has no statement {sid}")
        condition = statement.get("Condition") or {}
        equals, like = condition.get("StringEquals") or {}, condition.get("ArnLike") or {}
        return drop_none(
            {
                "Action": statement.get("Action"),
                "FunctionName": _function_as_declared(
                    str(statement.get("Resource") or ""), declared.get("FunctionName"), self._view()
                ),
                "Principal": _principal(statement.get("Principal"), declared.get("Principal")),
                "SourceArn": like.get("AWS:SourceArn") or equals.get("AWS:SourceArn"),
                "SourceAccount": equals.get("AWS:SourceAccount"),
                "PrincipalOrgID": equals.get("aws:PrincipalOrgID"),
                "FunctionUrlAuthType": equals.get("lambda:FunctionUrlAuthType"),
            }
        )

    def lambda_event_source_mapping(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda event source mapping (physical ID: its UUID): GetEventSourceMapping
        (https://docs.aws.amazon.com/lambda/latest/api/API_GetEventSourceMapping.html), as
        AWS::Lambda::EventSourceMapping's properties: ``EventSourceArn``, ``FunctionName`` (the function's ARN, or its
        name where the template gives a name), ``Enabled`` (true while ``State`` is ``Enabled`` or ``Enabling``),
        ``BatchSize``, ``StartingPosition``, ``MaximumBatchingWindowInSeconds``, ``MaximumRetryAttempts``,
        ``MaximumRecordAgeInSeconds``, ``BisectBatchOnFunctionError``, ``FunctionResponseTypes`` and
        ``FilterCriteria``, each where Lambda gives it.
        """
        answer = self.call(resource, "lambda", "get_event_source_mapping", UUID=resource.physical_id)
        named = self.declared(resource).get("FunctionName")
        state = answer.get("State")
        return drop_none(
            {
                "EventSourceArn": answer.get("EventSourceArn"),
                "FunctionName": _function_as_declared(str(answer.get("FunctionArn") or ""), named, self._view()),
                "Enabled": None if state is None else state in ("Enabled", "Enabling"),
                **{
                    name: answer.get(name)
                    for name in (
                        "BatchSize",
                        "StartingPosition",
                        "MaximumBatchingWindowInSeconds",
                        "MaximumRetryAttempts",
                        "MaximumRecordAgeInSeconds",
                        "BisectBatchOnFunctionError",
                    )
                },
                "FunctionResponseTypes": answer.get("FunctionResponseTypes") or None,
                "FilterCriteria": answer.get("FilterCriteria") or None,
            }
        )

    def lambda_alias(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda alias (physical ID: its ARN, ``...:function:<name>:<alias>``): GetAlias
        (https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html), as AWS::Lambda::Alias's properties:
        ``FunctionName`` (as the template names the function), ``Name``, ``FunctionVersion``, ``Description`` and
        ``RoutingConfig.AdditionalVersionWeights`` (one item per extra version, ``FunctionVersion`` and
        ``FunctionWeight``)."""
        function, _, name = resource.physical_id.rpartition(":")
        alias = self.call(resource, "lambda", "get_alias", FunctionName=function, Name=name)
        weights = ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")) or {}
        declared = self.declared(resource).get("FunctionName")
        return drop_none(
            {
                "FunctionName": _function_as_declared(function, declared, self._view()),
                "Name": alias.get("Name", name),
                "FunctionVersion": alias.get("FunctionVersion"),
                "Description": alias.get("Description") or None,
                "RoutingConfig": {
                    "AdditionalVersionWeights": [
                        {"FunctionVersion": version, "FunctionWeight": weight}
                        for version, weight in sorted(weights.items())
                    ]
                }
                if weights
                else None,
            }
        )

    def lambda_version(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda version (physical ID: its ARN, ``...:function:<name>:<version>``): GetFunctionConfiguration
        (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html) of that version, as
        AWS::Lambda::Version's properties: ``FunctionName`` (as the template names the function) and
        ``Description``. Its code is not read."""
        function = resource.physical_id.rpartition(":")[0]
        config = self.call_keeping(
            resource, "lambda", "get_function_configuration", _version_fields, FunctionName=resource.physical_id
        )
        declared = self.declared(resource).get("FunctionName")
        return drop_none(
            {
                "FunctionName": _function_as_declared(function, declared, self._view()),
                "Description": config.get("Description") or None,
            }
        )

    def lambda_layer_version(self, resource: LiveResource) -> dict[str, Any]:
        """Lambda layer version (physical ID: its ARN, ``...:layer:<name>:<version>``, CloudFormation's Ref):
        GetLayerVersion (https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersion.html) of that layer
        and version number, as AWS::Lambda::LayerVersion's properties: ``LayerName`` (the name in its ARN),
        ``Description``, ``CompatibleRuntimes``, ``CompatibleArchitectures`` and ``LicenseInfo``. Its content is
        not read (the API answers a download link and a hash, not the S3 object the template names). A physical
        ID that is not a layer version ARN is a read error (the resource is then not checked), never "gone"."""
        layer, _, number = resource.physical_id.rpartition(":")
        if ":layer:" not in layer or not number.isdigit():
            raise ValueError(
                f"physical ID {resource.physical_id!r} is not a layer version ARN (arn:...:layer:<name>:<version>)"
            )
        version = self.call(resource, "lambda", "get_layer_version", LayerName=layer, VersionNumber=int(number))
        self._read_unset(resource, ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"))
        return drop_none(
            {
                "LayerName": str(version.get("LayerArn") or layer).rpartition(":")[2],
                "Description": version.get("Description") or None,
                "CompatibleRuntimes": version.get("CompatibleRuntimes") or None,
                "CompatibleArchitectures": version.get("CompatibleArchitectures") or None,
                "LicenseInfo": version.get("LicenseInfo") or None,
            }
        )

    def _view(self) -> TemplateView:
        return TemplateView(self.stack.artifact.template)


def _function_as_declared(arn: str, declared: Any, view: TemplateView) -> str | None:
    """A function's (or alias's, version's) ARN as the template names it: a ``Ref`` of an AWS::Lambda::Function
    answers the function's name; one of an alias or a version, its ARN; a name given as text stays a name (with
    its ``:qualifier``); anything else is the ARN. None for no ARN."""
    if not arn:
        return None
    if isinstance(declared, Mapping) and "Ref" in declared:
        if view.type_of(view.target(declared)) == "AWS::Lambda::Function":
            return arn.split(":function:", 1)[-1].split(":", 1)[0]
        return arn
    if isinstance(declared, str) and not declared.startswith("arn:"):
        return arn.split(":function:", 1)[-1]
    return arn


def _principal(live: Any, declared: Any) -> Any:
    """A statement's ``Principal`` as AWS::Lambda::Permission takes it: a service's name, ``*``, or an account's
    ``arn:aws:iam::<account>:root`` as its 12 digits when the template gives the account so."""
    if isinstance(live, Mapping):
        if "Service" in live:
            return live["Service"]
        live = live.get("AWS", live)
    if (
        isinstance(live, str)
        and isinstance(declared, str)
        and declared.isdigit()
        and live.endswith(f"::{declared}:root")
    ):
        return declared
    return live


def _version_fields(answer: Any) -> dict[str, Any]:
    """A GetFunctionConfiguration answer as the version reader keeps it: its ``Description`` and ``Version``, never
    its ``Environment``."""
    return {name: answer.get(name) for name in ("Description", "Version")}


def _without_environment(answer: Any) -> dict[str, Any]:
    """A GetFunction answer as the reader keeps it: its configuration less ``Environment`` (variables may hold
    secrets) and its concurrency; the code location and tags are not kept."""
    config = {k: v for k, v in (answer.get("Configuration") or {}).items() if k != "Environment"}
    return {"Configuration": config, "Concurrency": answer.get("Concurrency") or {}}
