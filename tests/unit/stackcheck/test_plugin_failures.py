"""The pytest plugin on broken input and a dying endpoint: skip only when nothing is deployed, say it once, exit 3."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

DEPLOY = "deploy first with `stackcheck emulator start && stackcheck deploy --target emulator`"
REDEPLOY = "deploy again with `stackcheck emulator start && stackcheck deploy --target emulator`"
USES_OUTPUTS = """
    def test_a(stack_outputs):
        pass

    def test_b(outputs):
        pass

    def test_untouched():
        pass
"""


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "STACKCHECK_STRICT"):
        monkeypatch.delenv(name, raising=False)
    for name in ("STACKCHECK_OUTPUTS_FILE", "STACKCHECK_ASSEMBLY_DIR", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-aws-credentials"))
    (pytester.path / "cfn-outputs").mkdir()
    return pytester


def shown(result: pytest.RunResult) -> list[str]:
    """The output lines, without the ``[gw0] linux -- Python ...`` lines pytest-xdist adds under each header."""
    return [line for line in result.outlines if not line.startswith("[gw")]


def one_line_errors(result: pytest.RunResult) -> list[str]:
    """The line under each ``ERROR at setup`` header."""
    lines = shown(result)
    return [lines[i + 1] for i, line in enumerate(lines) if " ERROR at setup of " in line]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "is not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
        (b'{"SourceLogsBucketName": "caf\xe9"}', "is not UTF-8 text (byte 29: invalid continuation byte)"),
        (b"", "is empty"),
        (b'["a"]', "must hold a JSON object of output key -> value, got list"),
    ],
    ids=["invalid-json", "not-utf8", "empty", "not-an-object"],
)
def test_corrupt_outputs_file_fails_even_when_not_strict(pt: pytest.Pytester, content: bytes, problem: str) -> None:
    (pt.path / "cfn-outputs" / "flat-outputs.json").write_bytes(content)
    pt.makepyfile(USES_OUTPUTS)
    result = pt.runpytest("-p", "no:xdist")
    result.assert_outcomes(passed=1, errors=2)
    assert result.ret == 1
    expected = f"outputs file {pt.path}/cfn-outputs/flat-outputs.json {problem}; {DEPLOY}"
    assert one_line_errors(result) == [expected, expected]


def test_no_outputs_file_at_all_skips_when_not_strict(pt: pytest.Pytester) -> None:
    pt.makepyfile(USES_OUTPUTS)
    result = pt.runpytest("-p", "no:xdist", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == 0
    reason = f"outputs file {pt.path}/cfn-outputs/flat-outputs.json does not exist; {DEPLOY}"
    assert [line for line in result.outlines if line.startswith("SKIPPED")] == [
        f"SKIPPED [1] test_no_outputs_file_at_all_skips_when_not_strict.py:1: {reason}",
        f"SKIPPED [1] test_no_outputs_file_at_all_skips_when_not_strict.py:4: {reason}",
    ]


@pytest.mark.parametrize("outputs", [True, False], ids=["with-outputs", "record-only"])
def test_corrupt_emulator_record_fails_even_when_not_strict(pt: pytest.Pytester, outputs: bool) -> None:
    (pt.path / "cfn-outputs" / "target.json").write_text('{"target": "emulator", "endpoint_url": 5}')
    if outputs:
        (pt.path / "cfn-outputs" / "flat-outputs.json").write_text(json.dumps({"SourceLogsBucketName": "b"}))
    pt.makepyfile("""
        def test_client(aws_client):
            pass

        def test_untouched():
            pass
    """)
    result = pt.runpytest("-p", "no:xdist")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == 1
    (line,) = one_line_errors(result)
    assert line.startswith(f"emulator record {pt.path}/cfn-outputs/target.json ")
    assert line.endswith(REDEPLOY)


def test_unreadable_cloud_assembly_fails_a_missing_one_skips(pt: pytest.Pytester) -> None:
    pt.makepyfile("""
        def test_assembly(cloud_assembly):
            pass
    """)
    result = pt.runpytest("-p", "no:xdist")
    result.assert_outcomes(skipped=1)
    assert result.ret == 0
    (pt.path / "cdk.out").mkdir()
    (pt.path / "cdk.out" / "manifest.json").write_text("{broken")
    result = pt.runpytest("-p", "no:xdist")
    result.assert_outcomes(errors=1)
    (line,) = one_line_errors(result)
    assert line == (
        f"cloud assembly manifest {pt.path}/cdk.out/manifest.json is not valid JSON (line 1, column 2: "
        "Expecting property name enclosed in double quotes); synthesize again with `stackcheck synth`"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DYING = """
    import time

    import pytest
    from botocore.exceptions import BotoCoreError

    def test_first_call_answers(aws_client):
        aws_client("s3").create_bucket(Bucket="b-1")

    def test_emulator_dies_during_this_check(aws_client, emulator_server):
        emulator_server.stop()
        aws_client("s3").head_bucket(Bucket="b-1")

    def test_cause_masked_by_a_helper(aws_client):
        def helper():
            try:
                return aws_client("s3").list_buckets()["Buckets"]
            except BotoCoreError:
                return {}
        assert helper()["findings"]

    def test_later_check(aws_client):
        aws_client("s3").list_buckets()

    def test_check_without_aws():
        pass

    def test_last_check(aws_client):
        aws_client("s3").list_buckets()
"""


def dying_conftest(port: int) -> str:
    return f"""
        import pytest
        from moto.server import ThreadedMotoServer

        @pytest.fixture(scope="session", autouse=True)
        def emulator_server():
            server = ThreadedMotoServer(ip_address="127.0.0.1", port={port}, verbose=False)
            server.start()
            yield server
            server.stop()
    """


@pytest.mark.parametrize(
    ("masked", "workers"),
    [(False, []), (True, []), (False, ["-n", "2", "--dist", "loadfile"])],
    ids=["botocore-error", "masked-by-helper", "xdist"],
)
def test_endpoint_that_stops_answering_is_said_once_later_checks_fail_fast_exit_3(
    pt: pytest.Pytester, masked: bool, workers: list
) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    record = {"target": "emulator", "endpoint_url": endpoint, "region": "us-east-1", "pid": 99}
    (pt.path / "cfn-outputs" / "target.json").write_text(json.dumps(record))
    pt.makeconftest(dying_conftest(port))
    checks = (
        DYING
        if not masked
        else DYING.replace("emulator_server.stop()\n        aws", "emulator_server.stop()\n        # aws")
    )
    pt.makepyfile(test_checks=checks)
    result = pt.runpytest(*(workers or ["-p", "no:xdist"]), "--junitxml=reports/integration.xml")
    first = (
        "test_checks.py::test_emulator_dies_during_this_check"
        if not masked
        else "test_checks.py::test_cause_masked_by_a_helper"
    )
    if not masked:
        result.assert_outcomes(passed=2, failed=1, errors=3)
        reason = f'Could not connect to the endpoint URL: "{endpoint}/b-1"'
        later = ["test_cause_masked_by_a_helper", "test_later_check", "test_last_check"]
    else:
        result.assert_outcomes(passed=3, failed=1, errors=2)
        reason = "it no longer accepts connections"
        later = ["test_later_check", "test_last_check"]
    assert result.ret == 3
    lines = shown(result)
    header = lines.index(" stackcheck: the AWS endpoint stopped answering ".center(80, "="))
    assert lines[header + 1 : header + 4] == [
        f"the AWS endpoint {endpoint} stopped answering (first seen in {first}): {reason}",
        f"{len(later)} later checks were not run (they failed without calling the endpoint)",
        f"exit 3 (could not run); {REDEPLOY}",
    ]
    failure = f"the AWS endpoint {endpoint} stopped answering: {reason}"
    not_run = f"not run: the AWS endpoint {endpoint} stopped answering (first seen in {first})"
    # One line under the test's header, then the next header or the retries botocore made.
    assert lines[lines.index(failure) - 1].startswith("____")
    assert lines[lines.index(failure) + 1].startswith(
        ("____", "---- stackcheck retries", "-" * 30 + " stackcheck retries")
    )
    assert one_line_errors(result) == [not_run] * len(later)
    assert "Traceback" not in result.stdout.str()
    cases = {c.get("name"): c for c in ET.parse(pt.path / "reports" / "integration.xml").getroot().iter("testcase")}
    assert {name for name, c in cases.items() if c.find("error") is not None} == set(later)
    assert all(float(cases[name].get("time")) < 0.5 for name in later)  # no network wait
