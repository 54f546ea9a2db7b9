"""INCONCLUSIVE through pytester: status letter, terminal summary, JUnit encoding, exit status, and "passed after N retries" in JUnit properties."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from stackcheck.gate.junit import read_junit

pytest_plugins = ["pytester"]

CONFTEST = """
    import dataclasses
    import pytest
    from stackcheck.aws.retry import THROTTLING

    @pytest.fixture(scope="session")
    def aws_retry_profile():
        return dataclasses.replace(THROTTLING.without_waits(), max_attempts=3)

    @pytest.fixture(scope="session")
    def aws_region():
        return "us-east-1"
"""

CHECKS = """
    from datetime import UTC, datetime, timedelta

    from botocore.stub import Stubber

    from stackcheck.aws.propagation import IAM_PROPAGATION, call_within_propagation, principal_changed_at
    from stackcheck.aws.retry import WaitProfile, wait_route53_change_insync

    def test_throttled_past_budget(aws_client):
        s3 = aws_client("s3")
        with Stubber(s3.client) as stub:
            for _ in range(3):
                stub.add_client_error("get_bucket_versioning", "SlowDown", "Please reduce your request rate.", 503)
            assert s3.get_bucket_versioning(Bucket="b-1")["Status"] == "Enabled"

    def test_change_pending_past_budget(aws_client):
        route53 = aws_client("route53")
        info = {"Id": "/change/C1", "Status": "PENDING", "SubmittedAt": datetime(2024, 1, 1, tzinfo=UTC)}
        with Stubber(route53.client) as stub:
            stub.add_response("get_change", {"ChangeInfo": info})
            wait_route53_change_insync(route53, "/change/C1", profile=WaitProfile("t", delay=0, max_attempts=1))

    def test_denied_until_iam_propagated(aws_client):
        cfn, s3 = aws_client("cloudformation"), aws_client("s3")
        changed = datetime.now(UTC) - timedelta(seconds=5)
        resource = {"StackName": "S", "LogicalResourceId": "TaskRole", "ResourceType": "AWS::IAM::Role",
                    "Timestamp": changed, "ResourceStatus": "UPDATE_COMPLETE"}
        with Stubber(cfn.client) as cfn_stub, Stubber(s3.client) as s3_stub:
            cfn_stub.add_response("describe_stack_resources", {"StackResources": [resource]})
            s3_stub.add_client_error("head_bucket", "AccessDenied", "Access Denied", 403)
            s3_stub.add_client_error("head_bucket", "AccessDenied", "Access Denied", 403)
            s3_stub.add_response("head_bucket", {})
            change = principal_changed_at(cfn, "S", logical_id="TaskRole")
            profile = IAM_PROPAGATION.without_waits()
            call_within_propagation(s3.head_bucket, changed=change, profile=profile, operation="s3.head_bucket",
                                    Bucket="b-1")

    def test_calm(aws_client):
        s3 = aws_client("s3")
        with Stubber(s3.client) as stub:
            stub.add_response("get_bucket_versioning", {"Status": "Enabled"})
            assert s3.get_bucket_versioning(Bucket="b-1")["Status"] == "Enabled"
"""
FAILING = """
    def test_wrong():
        assert 1 == 2
"""
THROTTLED_SAW = (
    "s3.get_bucket_versioning still throttled when its retry budget (3 attempts / 60 s) ran out after 3 attempts "
    "in N s; last answer SlowDown: Please reduce your request rate."
)
PENDING_SAW = (
    "Route 53 change C1 still not INSYNC when its wait budget (1 poll every 0 s) ran out after N s; "
    "last answer Status PENDING, SubmittedAt 2024-01-01T00:00:00+00:00"
)


def steady(text: str) -> str:
    """``text`` with the wall seconds (``in 0.0 s``, ``after 0.1 s``) written as N: the rest is exact."""
    return re.sub(r"\b(in|after) \d+\.\d s", r"\1 N s", text)


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "STACKCHECK_STRICT", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-aws-credentials"))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_checks=CHECKS)
    return pytester


def cases(path) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in ET.parse(path).getroot().iter("testcase")}


def properties(case: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in case.iter("property")}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_budget_spent_is_inconclusive_in_console_junit_and_exit_status(pt: pytest.Pytester, workers: list) -> None:
    result = pt.runpytest("--junitxml=junit.xml", "-p", "no:randomly", *workers)
    assert result.ret == 3
    assert result.parseoutcomes() == {"passed": 2, "inconclusive": 2}
    text = result.stdout.str()
    assert "Traceback" not in text and "ClientError" not in text and "WaiterError" not in text
    section = [steady(line) for line in text[text.index("stackcheck inconclusive =") :].splitlines()[1:4]]
    assert section == [
        f"test_checks.py::test_change_pending_past_budget: {PENDING_SAW}",
        f"test_checks.py::test_throttled_past_budget: {THROTTLED_SAW}",
        "2 checks INCONCLUSIVE (budget ran out before AWS gave an answer; not passed); exit 3",
    ]
    retries = text[text.index("stackcheck retries =") :].splitlines()[1:]
    assert "test_checks.py::test_denied_until_iam_propagated: passed after 2 retries, slept 0.00 s" in retries
    assert "test_checks.py::test_throttled_past_budget: INCONCLUSIVE after 2 retries, slept 0.00 s" in retries

    junit = cases(pt.path / "junit.xml")
    throttled = junit["test_throttled_past_budget"]
    (skipped,) = throttled.findall("skipped")
    assert (skipped.get("type"), steady(skipped.get("message"))) == ("inconclusive", f"INCONCLUSIVE: {THROTTLED_SAW}")
    assert {k: steady(v) for k, v in properties(throttled).items()} == {
        "stackcheck_outcome": "inconclusive",
        "stackcheck_inconclusive": THROTTLED_SAW,
        "stackcheck_retries": "2",
    }
    (skipped,) = junit["test_change_pending_past_budget"].findall("skipped")
    assert (skipped.get("type"), steady(skipped.get("message"))) == ("inconclusive", f"INCONCLUSIVE: {PENDING_SAW}")
    assert properties(junit["test_denied_until_iam_propagated"]) == {
        "stackcheck_retries": "2",
        "stackcheck_outcome": "passed after 2 retries",
    }
    assert properties(junit["test_calm"]) == {}
    assert junit["test_calm"].find("skipped") is None

    suite = read_junit(pt.path / "junit.xml")
    assert (suite.tests, suite.passed, suite.failures, suite.errors, suite.skipped, suite.inconclusive) == (
        4, 2, 0, 0, 0, 2,
    )  # fmt: skip
    assert sorted(steady(line) for line in suite.unsettled) == [
        f"test_checks::test_change_pending_past_budget: {PENDING_SAW}",
        f"test_checks::test_throttled_past_budget: {THROTTLED_SAW}",
    ]


def test_status_letter_is_I(pt: pytest.Pytester) -> None:
    result = pt.runpytest("-p", "no:randomly", "-p", "no:xdist", "test_checks.py")
    result.stdout.fnmatch_lines(["test_checks.py I*I.*"])
    verbose = pt.runpytest("-v", "-p", "no:randomly", "-p", "no:xdist", "test_checks.py")
    verbose.stdout.fnmatch_lines(
        [
            "test_checks.py::test_throttled_past_budget INCONCLUSIVE*",
            "test_checks.py::test_change_pending_past_budget INCONCLUSIVE*",
            "test_checks.py::test_denied_until_iam_propagated PASSED*",
        ]
    )


def test_a_failed_check_still_exits_1(pt: pytest.Pytester) -> None:
    pt.makepyfile(test_wrong=FAILING)
    result = pt.runpytest("-p", "no:randomly")
    assert result.ret == 1
    assert result.parseoutcomes() == {"passed": 2, "failed": 1, "inconclusive": 2}
    result.stdout.fnmatch_lines(["2 checks INCONCLUSIVE (budget ran out before AWS gave an answer; not passed)"])


def test_a_raw_clients_throttling_is_inconclusive_too(pt: pytest.Pytester) -> None:
    pt.makepyfile(
        test_raw="""
        from botocore.stub import Stubber

        def test_raw(aws_client):
            s3 = aws_client.raw("s3")
            with Stubber(s3) as stub:
                stub.add_client_error("list_buckets", "SlowDown", "Please reduce your request rate.", 503)
                s3.list_buckets()
        """
    )
    result = pt.runpytest("-p", "no:randomly", "test_raw.py")
    assert result.ret == 3
    result.stdout.fnmatch_lines(
        [
            "test_raw.py::test_raw: ListBuckets still throttled when botocore's retries ran out; "
            "last answer SlowDown: Please reduce your request rate.",
        ]
    )
