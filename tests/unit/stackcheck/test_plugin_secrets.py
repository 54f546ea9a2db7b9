"""The pytest plugin never shows a Secrets Manager value: console (assertion rewriting, -vv, --showlocals) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

PASSWORD = "Zq8-hunter2-kV4pX7wLr9sTn3bYc"
SECRET = {"username": "payments_admin", "password": PASSWORD, "host": "db.internal", "port": 5432}

CONFTEST = f"""
    import json

    import boto3
    import pytest
    from moto import mock_aws

    @pytest.fixture(scope="session")
    def aws_region():
        return "us-east-1"

    @pytest.fixture(scope="session")
    def secret_arn():
        with mock_aws():
            sm = boto3.client("secretsmanager", region_name="us-east-1")
            yield sm.create_secret(Name="db-credentials", SecretString=json.dumps({SECRET!r}))["ARN"]
"""

CHECKS = """
    def test_password_equals(aws_client, secret_arn):
        response = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)
        fields = response["SecretString"].json()
        assert fields["password"] == "not-the-password"

    def test_password_length(aws_client, secret_arn):
        fields = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"].json()
        assert len(fields["password"]) == 12

    def test_whole_secret_string(aws_client, secret_arn):
        value = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
        assert value == "{}"

    def test_fields_as_mapping(aws_client, secret_arn):
        fields = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"].json()
        assert dict(fields) == {"username": "someone"}

    def test_message_formats_the_value(aws_client, secret_arn):
        fields = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"].json()
        assert fields["password"] == "x", f"password {fields['password']} rejected ({fields['password']!r})"

    def test_username_matches(aws_client, secret_arn):
        fields = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"].json()
        assert fields["username"] == "payments_admin"
        assert fields["port"].reveal() == "5432"
"""


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "STACKCHECK_STRICT", "STACKCHECK_OUTPUTS_FILE", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-aws-credentials"))
    return pytester


@pytest.mark.parametrize("flags", [[], ["-vv", "-l", "--log-level=DEBUG"]], ids=["default", "verbose-locals-debug"])
def test_failing_secret_assertions_show_no_value_on_console_or_in_junit(pt: pytest.Pytester, flags: list) -> None:
    pt.makeconftest(CONFTEST)
    pt.makepyfile(test_checks=CHECKS)
    result = pt.runpytest("-p", "no:xdist", "--junitxml=reports/integration.xml", *flags)
    result.assert_outcomes(passed=1, failed=5)
    console = result.stdout.str() + result.stderr.str()
    junit = (pt.path / "reports" / "integration.xml").read_text()
    for text in (console, junit):
        assert PASSWORD not in text
        assert PASSWORD[:8] not in text
        assert json.dumps(SECRET) not in text
    password = "<redacted secret db-credentials SecretString field password>"
    whole = "<redacted secret db-credentials SecretString>"
    assert f"E       AssertionError: assert {password} == 'not-the-password'" in result.outlines
    assert f"E        +  where 29 = len({password})" in result.outlines
    assert f"E       AssertionError: assert {whole} == '{{}}'" in result.outlines
    assert f"E       AssertionError: password {password} rejected ({password})" in result.outlines
    failures = {
        case.get("name"): case.find("failure").get("message")
        for case in ET.parse(pt.path / "reports" / "integration.xml").getroot().iter("testcase")
        if case.find("failure") is not None
    }
    assert set(failures) == {
        "test_password_equals",
        "test_password_length",
        "test_whole_secret_string",
        "test_fields_as_mapping",
        "test_message_formats_the_value",
    }
    assert failures["test_password_equals"] == f"AssertionError: assert {password} == 'not-the-password'"
    assert failures["test_whole_secret_string"] == f"AssertionError: assert {whole} == '{{}}'"
