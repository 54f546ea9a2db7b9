"""Redacted secret values: what Secrets Manager answers through a ClientFactory client never shows itself."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import pytest
from botocore.stub import Stubber

from stackcheck.aws.clients import ClientFactory
from stackcheck.aws.secrets import Redacted, SecretFields, install_log_redaction
from stackcheck.errors import BadInputError

PASSWORD = "pa55-Wq7-zzTop-19"
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-credentials-AbCdEf"
FIELDS = {"username": "payments_admin", "password": PASSWORD, "port": 5432, "replicas": ["a"]}


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return ClientFactory(region="eu-west-1", endpoint_url="http://127.0.0.1:9")("secretsmanager")


def test_redacted_shows_its_name_never_its_value():
    secret = Redacted(PASSWORD, "secret db field password")
    assert (repr(secret), str(secret), f"{secret}", f"{secret!r:>40}") == (
        "<redacted secret db field password>",
        "<redacted secret db field password>",
        "<redacted secret db field password>",
        "     <redacted secret db field password>",
    )
    assert repr([secret, {"k": secret}]) == (
        "[<redacted secret db field password>, {'k': <redacted secret db field password>}]"
    )


def test_redacted_compares_and_measures_the_value():
    secret = Redacted(PASSWORD)
    assert (secret == PASSWORD, secret != PASSWORD, secret == "other", secret == Redacted(PASSWORD)) == (
        True,
        False,
        False,
        True,
    )
    assert (secret == 17, len(secret), bool(secret), bool(Redacted("")), secret.reveal()) == (
        False,
        17,
        True,
        False,
        PASSWORD,
    )
    assert {secret, Redacted(PASSWORD)} == {secret}
    assert Redacted(b"\x00\x01") == b"\x00\x01"


def test_redacted_is_not_iterable_copies_as_itself_and_refuses_pickling():
    secret = Redacted(PASSWORD, "pw")
    with pytest.raises(TypeError, match=r"^'Redacted' object is not iterable$"):
        iter(secret)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"v": secret})["v"] is secret
    with pytest.raises(TypeError, match=r"^<redacted pw> cannot be pickled$"):
        pickle.dumps(secret)
    with pytest.raises(TypeError, match=r"^Redacted holds str or bytes, got int$"):
        Redacted(5)  # type: ignore[arg-type]


def test_json_secret_fields_are_redacted_and_listed_by_name():
    fields = Redacted(json.dumps(FIELDS), "secret db").json()
    assert isinstance(fields, SecretFields)
    assert repr(fields) == "<secret db: fields ['password', 'port', 'replicas', 'username'], values redacted>"
    assert set(fields) == {"username", "password", "port", "replicas"}
    assert repr(fields["password"]) == "<redacted secret db field password>"
    assert (fields["password"] == PASSWORD, fields["port"].reveal(), fields["replicas"].reveal()) == (
        True,
        "5432",
        '["a"]',
    )
    with pytest.raises(
        KeyError, match=r"secret db has no field 'host'; fields: \['password', 'port', 'replicas', 'username'\]"
    ):
        fields["host"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"{{not json {PASSWORD}", "secret db is not JSON"),
        (json.dumps([PASSWORD]), "secret db is JSON but not an object (got list)"),
    ],
    ids=["not-json", "not-an-object"],
)
def test_json_of_a_non_object_names_the_secret_not_the_value(value: str, message: str):
    with pytest.raises(BadInputError) as err:
        Redacted(value, "secret db").json()
    assert str(err.value) == message
    assert err.value.__cause__ is None and err.value.__context__ is None


def test_get_secret_value_through_the_factory_answers_redacted(secretsmanager):
    with Stubber(secretsmanager.client) as stub:
        stub.add_response(
            "get_secret_value",
            {"ARN": ARN, "Name": "db-credentials", "SecretString": json.dumps(FIELDS)},
            {"SecretId": ARN},
        )
        stub.add_response("get_secret_value", {"ARN": ARN, "SecretBinary": b"\x01\x02"}, {"SecretId": ARN})
        text = secretsmanager.get_secret_value(SecretId=ARN)
        binary = secretsmanager.get_secret_value(SecretId=ARN)
    assert repr(text["SecretString"]) == "<redacted secret db-credentials SecretString>"
    assert text["SecretString"].json()["username"] == "payments_admin"
    assert (repr(binary["SecretBinary"]), binary["SecretBinary"].reveal()) == (
        f"<redacted secret {ARN} SecretBinary>",
        b"\x01\x02",
    )
    assert PASSWORD not in repr(text)


def test_batch_get_secret_value_and_random_password_answer_redacted(secretsmanager):
    with Stubber(secretsmanager.client) as stub:
        stub.add_response(
            "batch_get_secret_value",
            {"SecretValues": [{"Name": "a", "SecretString": "one"}, {"Name": "b", "SecretString": "two"}]},
        )
        stub.add_response("get_random_password", {"RandomPassword": PASSWORD})
        batch = secretsmanager.batch_get_secret_value(SecretIdList=["a", "b"])
        random = secretsmanager.get_random_password()
    assert [repr(v["SecretString"]) for v in batch["SecretValues"]] == [
        "<redacted secret a SecretString>",
        "<redacted secret b SecretString>",
    ]
    assert [v["SecretString"].reveal() for v in batch["SecretValues"]] == ["one", "two"]
    assert (repr(random["RandomPassword"]), random["RandomPassword"] == PASSWORD) == ("<redacted RandomPassword>", True)


def test_other_services_and_other_operations_are_untouched(secretsmanager, monkeypatch: pytest.MonkeyPatch):
    with Stubber(secretsmanager.client) as stub:
        stub.add_response("describe_secret", {"ARN": ARN, "Name": "db-credentials"})
        assert secretsmanager.describe_secret(SecretId=ARN)["Name"] == "db-credentials"
    s3 = ClientFactory(region="eu-west-1", endpoint_url="http://127.0.0.1:9")("s3")
    with Stubber(s3.client) as stub:
        stub.add_response("get_bucket_versioning", {"Status": "Enabled"})
        assert s3.get_bucket_versioning(Bucket="b-1")["Status"] == "Enabled"


def test_botocore_debug_logs_of_secret_bodies_are_blanked(caplog: pytest.LogCaptureFixture):
    install_log_redaction()
    install_log_redaction()  # once per process: one filter per logger
    assert len(logging.getLogger("botocore.parsers").filters) == len(set(logging.getLogger("botocore.parsers").filters))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("botocore.parsers").debug(
            "Response body:\n%r", json.dumps({"SecretString": PASSWORD}).encode()
        )
        logging.getLogger("botocore.endpoint").debug(
            "Making request for %s with params: %r", "Op", {"body": PASSWORD + "SecretString"}
        )
        logging.getLogger("botocore.parsers").debug("Response body:\n%r", b'{"Buckets": []}')
    assert [r.getMessage() for r in caplog.records] == [
        "Response body: <redacted: holds a Secrets Manager secret value>",
        "Making request for Op with params: <redacted: holds a Secrets Manager secret value>",
        "Response body:\nb'{\"Buckets\": []}'",
    ]
