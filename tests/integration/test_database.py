"""RDS PostgreSQL and its Secrets Manager credentials."""

from __future__ import annotations

import pytest

from stackcheck.aws import normalize


@pytest.fixture
def db_instance(outputs, aws_client, role) -> dict:
    """DescribeDBInstances entry of the environment's database."""
    identifier = outputs.get(role=role, kind="db_instance", attr="id")
    (instance,) = aws_client("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return instance


def test_db_instance_is_available_postgres(db_instance):
    assert (db_instance["DBInstanceStatus"], db_instance["Engine"]) == ("available", "postgres")
    assert db_instance["EngineVersion"].split(".")[0] == "17"


def test_db_instance_is_encrypted_with_the_environment_key(db_instance, outputs, role):
    assert db_instance["StorageEncrypted"] is True
    assert normalize.same_kms_key(db_instance["KmsKeyId"], outputs.get(role=role, kind="kms_key", attr="arn"))


def test_db_instance_is_multi_az_and_private(db_instance):
    assert (db_instance["MultiAZ"], db_instance["PubliclyAccessible"]) == (True, False)


def test_db_endpoint_matches_outputs(db_instance, outputs, role):
    host, _port = normalize.split_endpoint(outputs.get(role=role, kind="db_instance", attr="endpoint"))
    assert (db_instance["Endpoint"]["Address"].lower(), db_instance["Endpoint"]["Port"]) == (
        host.lower(),
        int(outputs.get(role=role, kind="db_instance", attr="port")),
    )


def test_db_secret_holds_credentials_matching_the_master_username(db_instance, outputs, aws_client, role):
    secret_arn = outputs.get(role=role, kind="db_secret", attr="arn")
    # SecretString is a stackcheck.aws.secrets.Redacted: a failing assertion shows no value.
    value = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"].json()
    assert {"username", "password", "host", "port"} <= set(value)
    assert not db_instance["MasterUsername"].startswith("{{resolve:")
    assert value["username"] == db_instance["MasterUsername"] == "payments_admin"
    assert (value["host"].reveal().lower(), int(value["port"].reveal())) == (
        db_instance["Endpoint"]["Address"].lower(),
        db_instance["Endpoint"]["Port"],
    )
    assert len(value["password"]) == 30
