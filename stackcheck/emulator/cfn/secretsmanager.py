"""Secrets Manager for the emulator: AWS::SecretsManager::Secret and ::SecretTargetAttachment on moto's backend."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on
from stackcheck.emulator.cfn._values import cfn_bool

__all__ = ["Secret", "SecretTargetAttachment", "generate_secret_string"]

SECRET_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html"
)
GENERATE_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-properties-secretsmanager-secret-generatesecretstring.html"
)
ATTACHMENT_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-resource-secretsmanager-secrettargetattachment.html"
)
SECRET_JSON_DOC = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html"

relies_on("moto.secretsmanager.models", "secretsmanager_backends")
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.create_secret",
    params=(
        "name",
        "secret_string",
        "secret_binary",
        "description",
        "tags",
        "kms_key_id",
        "client_request_token",
        "replica_regions",
        "force_overwrite",
    ),
)
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.get_random_password",
    params=(
        "password_length",
        "exclude_characters",
        "exclude_numbers",
        "exclude_punctuation",
        "exclude_uppercase",
        "exclude_lowercase",
        "include_space",
        "require_each_included_type",
    ),
)
relies_on("moto.secretsmanager.models", "SecretsManagerBackend.describe_secret", params=("secret_id",))
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.get_secret_value",
    params=("secret_id", "version_id", "version_stage"),
)
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.put_secret_value",
    params=("secret_id", "secret_string", "secret_binary", "client_request_token", "version_stages"),
)
relies_on(
    "moto.secretsmanager.models",
    "SecretsManagerBackend.delete_secret",
    params=("secret_id", "recovery_window_in_days", "force_delete_without_recovery"),
)
relies_on("moto.secretsmanager.models", "FakeSecret.__init__", assigns=("arn", "name"))
relies_on("moto.rds.models", "rds_backends")
relies_on("moto.rds.models", "RDSBackend.__init__", assigns=("databases", "clusters"))
relies_on("moto.rds.models", "DBInstance.address")
relies_on("moto.rds.models", "DBInstance.__init__", assigns=("engine", "port", "db_name", "db_instance_identifier"))
relies_on("moto.rds.models", "DBCluster.endpoint")
relies_on("moto.rds.models", "DBCluster.__init__", assigns=("engine", "port", "database_name", "db_cluster_identifier"))


def _backend(account_id: str, region_name: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    return secretsmanager_backends[account_id][region_name]


def generate_secret_string(spec: dict[str, Any], account_id: str, region_name: str) -> str:
    """The SecretString a ``GenerateSecretString`` property produces.

    A password from moto's GetRandomPassword (PasswordLength default 32, ExcludeCharacters,
    ExcludePunctuation/Numbers/Uppercase/Lowercase, IncludeSpace, RequireEachIncludedType default
    true); with ``SecretStringTemplate`` + ``GenerateStringKey`` the password is put under that key
    of the template's JSON object. Raises ValueError when only one of those two is given or the
    template is not a JSON object.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html
    """
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if (template is None) != (key is None):
        raise ValueError("GenerateSecretString needs both SecretStringTemplate and GenerateStringKey, or neither")
    answer = _backend(account_id, region_name).get_random_password(
        password_length=int(spec.get("PasswordLength", 32)),
        exclude_characters=spec.get("ExcludeCharacters", ""),
        exclude_numbers=cfn_bool(spec.get("ExcludeNumbers"), False),
        exclude_punctuation=cfn_bool(spec.get("ExcludePunctuation"), False),
        exclude_uppercase=cfn_bool(spec.get("ExcludeUppercase"), False),
        exclude_lowercase=cfn_bool(spec.get("ExcludeLowercase"), False),
        include_space=cfn_bool(spec.get("IncludeSpace"), False),
        require_each_included_type=cfn_bool(spec.get("RequireEachIncludedType"), True),
    )
    password = json.loads(answer)["RandomPassword"]
    if template is None:
        return password
    document = json.loads(template)
    if not isinstance(document, dict):
        raise ValueError("SecretStringTemplate must be a JSON object")
    document[key] = password
    return json.dumps(document)


def _generated_name(logical_id: str) -> str:
    # CloudFormation names an unnamed secret "<LogicalId>-<12 random letters/digits>".
    alphabet = string.ascii_letters + string.digits
    return f"{logical_id}-{''.join(random.choices(alphabet, k=12))}"


@extended_model
class Secret(ExtensionModel, CloudFormationModel):
    """AWS::SecretsManager::Secret, created through moto's Secrets Manager backend so
    GetSecretValue/DescribeSecret answer it. Ref and GetAtt Id are the secret ARN. Either
    ``SecretString`` or ``GenerateSecretString`` (see ``generate_secret_string``) gives the value;
    an unnamed secret is named ``<LogicalId>-<12 random characters>``, as CloudFormation does.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html
    """

    CFN_TYPE = "AWS::SecretsManager::Secret"
    CFN_NAME_TYPE = "Name"
    PHYSICAL_ID = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "arn"}

    def __init__(self, arn: str, name: str):
        self.arn = arn
        self.name = name

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Secret:
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("Name") or _generated_name(kwargs.get("LogicalId", "Secret"))
        if "GenerateSecretString" in properties:
            secret_string = generate_secret_string(properties["GenerateSecretString"], account_id, region_name)
        else:
            secret_string = properties.get("SecretString")
        backend = _backend(account_id, region_name)
        backend.create_secret(
            name=name,
            secret_string=secret_string,
            secret_binary=None,
            description=properties.get("Description"),
            tags=properties.get("Tags") or [],
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=properties.get("ReplicaRegions") or [],
            force_overwrite=False,
        )
        secret = backend.describe_secret(name)
        return cls(secret.arn, secret.name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        _backend(account_id, region_name).delete_secret(resource_name, None, True)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_secret(self.arn, None, True)


def _connection_fields(target_type: str, target_id: str, account_id: str, region_name: str) -> dict[str, Any]:
    """The keys SecretTargetAttachment adds for an RDS target.

    Follows https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
    """
    from moto.rds.models import rds_backends

    rds = rds_backends[account_id][region_name]
    if target_type == "AWS::RDS::DBInstance":
        instance = rds.databases.get(target_id)
        if instance is None:
            raise ValueError(f"TargetId {target_id}: no DB instance with that identifier")
        fields = {
            "engine": instance.engine,
            "host": instance.address,
            "port": int(instance.port or 0),
            "dbInstanceIdentifier": instance.db_instance_identifier,
        }
        if instance.db_name:
            fields["dbname"] = instance.db_name
        return fields
    if target_type == "AWS::RDS::DBCluster":
        cluster = rds.clusters.get(target_id)
        if cluster is None:
            raise ValueError(f"TargetId {target_id}: no DB cluster with that identifier")
        fields = {
            "engine": cluster.engine,
            "host": cluster.endpoint,
            "port": int(cluster.port),
            "dbClusterIdentifier": cluster.db_cluster_identifier,
        }
        if cluster.database_name:
            fields["dbname"] = cluster.database_name
        return fields
    raise ValueError(
        f"TargetType {target_type} is not modelled by the emulator (AWS::RDS::DBInstance, AWS::RDS::DBCluster are)"
    )


@extended_model
class SecretTargetAttachment(ExtensionModel, CloudFormationModel):
    """AWS::SecretsManager::SecretTargetAttachment: adds the target database's connection keys to
    the secret's JSON with PutSecretValue, as AWS does: ``engine``, ``host``, ``port`` (a number),
    ``dbInstanceIdentifier`` or ``dbClusterIdentifier``, and ``dbname`` when the database has one.
    Ref is the secret ARN.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secrettargetattachment.html
    and https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
    """

    CFN_TYPE = "AWS::SecretsManager::SecretTargetAttachment"
    PHYSICAL_ID = "secret_arn"

    def __init__(self, secret_arn: str, target_id: str, target_type: str):
        self.secret_arn = secret_arn
        self.target_id = target_id
        self.target_type = target_type

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> SecretTargetAttachment:
        from moto.cloudformation.exceptions import ValidationError

        properties = cloudformation_json.get("Properties", {})
        backend = _backend(account_id, region_name)
        secret = backend.describe_secret(properties["SecretId"])
        current = backend.get_secret_value(secret.arn, None, None).get("SecretString") or "{}"
        try:
            document = json.loads(current)
            fields = _connection_fields(properties["TargetType"], properties["TargetId"], account_id, region_name)
        except ValueError as exc:
            raise ValidationError(message=f"SecretTargetAttachment {kwargs.get('LogicalId', '')}: {exc}") from None
        document.update(fields)
        backend.put_secret_value(secret.arn, json.dumps(document), None, None, ["AWSCURRENT"])
        return cls(secret.arn, properties["TargetId"], properties["TargetType"])
