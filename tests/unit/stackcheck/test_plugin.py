"""The pytest plugin, run through pytester: settings and their sources, strictness, fixture overrides, retry summary."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

OUTPUTS = {
    "SourceLogsBucketName": "tap-source-logs",
    "SourceLogsBucketArn": "arn:aws:s3:::tap-source-logs",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
}
ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "STACKCHECK_STRICT",
    "STACKCHECK_OUTPUTS_FILE",
    "STACKCHECK_ASSEMBLY_DIR",
    "PYTEST_ADDOPTS",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
)


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-aws-credentials"))
    return pytester


def write_outputs(
    pt: pytest.Pytester, outputs: dict | None = None, name: str = "cfn-outputs/flat-outputs.json"
) -> None:
    path = pt.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(OUTPUTS if outputs is None else outputs))


def write_record(pt: pytest.Pytester, content: str | None = None) -> None:
    path = pt.path / "cfn-outputs" / "target.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        content
        if content is not None
        else json.dumps(
            {"target": "emulator", "endpoint_url": "http://127.0.0.1:5555", "region": "eu-north-1", "pid": 99}
        )
    )


def header(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("stackcheck:")]


PASSING = "def test_plain():\n    assert True\n"


def test_report_header_defaults(pt: pytest.Pytester) -> None:
    pt.makepyfile(PASSING)
    result = pt.runpytest()
    assert header(result) == [
        "stackcheck: outputs file cfn-outputs/flat-outputs.json (default)",
        "stackcheck: aws endpoint url none, so AWS itself (default)",
        "stackcheck: aws region from the AWS config chain (default)",
        "stackcheck: strict outputs off (default)",
        "stackcheck: cloud assembly cdk.out (default)",
    ]
    result.assert_outcomes(passed=1)


# (command-line args, environment, ini lines, emulator record?, expected header lines that must be present)
SOURCES = [
    (
        ["--aws-region", "eu-west-2"],
        {"AWS_REGION": "us-west-1"},
        ["stackcheck_aws_region = eu-central-1"],
        False,
        ["stackcheck: aws region eu-west-2 (command line --aws-region)"],
    ),
    (
        [],
        {"AWS_REGION": "us-west-1", "AWS_DEFAULT_REGION": "us-west-2"},
        ["stackcheck_aws_region = eu-central-1"],
        False,
        ["stackcheck: aws region us-west-1 (environment AWS_REGION)"],
    ),
    (
        [],
        {"AWS_DEFAULT_REGION": "us-west-2"},
        [],
        False,
        ["stackcheck: aws region us-west-2 (environment AWS_DEFAULT_REGION)"],
    ),
    (
        [],
        {},
        ["stackcheck_aws_region = eu-central-1"],
        True,
        [
            "stackcheck: aws region eu-central-1 (ini stackcheck_aws_region)",
            "stackcheck: aws endpoint url http://127.0.0.1:5555 (emulator record cfn-outputs/target.json)",
        ],
    ),
    (
        [],
        {},
        [],
        True,
        [
            "stackcheck: aws endpoint url http://127.0.0.1:5555 (emulator record cfn-outputs/target.json)",
            "stackcheck: aws region eu-north-1 (emulator record cfn-outputs/target.json)",
        ],
    ),
    (
        ["--aws-endpoint-url", "http://localhost:4566"],
        {"AWS_ENDPOINT_URL": "http://env:1"},
        [],
        True,
        ["stackcheck: aws endpoint url http://localhost:4566 (command line --aws-endpoint-url)"],
    ),
    (
        [],
        {"AWS_ENDPOINT_URL": "http://env:1"},
        ["stackcheck_aws_endpoint_url = http://ini:2"],
        False,
        ["stackcheck: aws endpoint url http://env:1 (environment AWS_ENDPOINT_URL)"],
    ),
    (
        [],
        {},
        ["stackcheck_aws_endpoint_url = http://ini:2"],
        True,
        ["stackcheck: aws endpoint url http://ini:2 (ini stackcheck_aws_endpoint_url)"],
    ),
    (
        ["--outputs-file", "other/out.json"],
        {"STACKCHECK_OUTPUTS_FILE": "env.json"},
        [],
        False,
        ["stackcheck: outputs file other/out.json (command line --outputs-file)"],
    ),
    (
        [],
        {"STACKCHECK_OUTPUTS_FILE": "env.json"},
        ["stackcheck_outputs_file = ini.json"],
        False,
        ["stackcheck: outputs file env.json (environment STACKCHECK_OUTPUTS_FILE)"],
    ),
    (
        [],
        {},
        ["stackcheck_outputs_file = ini.json"],
        False,
        ["stackcheck: outputs file ini.json (ini stackcheck_outputs_file)"],
    ),
    (
        ["--strict-outputs"],
        {"STACKCHECK_STRICT": "0"},
        [],
        False,
        ["stackcheck: strict outputs on (command line --strict-outputs)"],
    ),
    (
        [],
        {"STACKCHECK_STRICT": "1"},
        ["stackcheck_strict = false"],
        False,
        ["stackcheck: strict outputs on (environment STACKCHECK_STRICT)"],
    ),
    (
        [],
        {"STACKCHECK_STRICT": "0"},
        ["stackcheck_strict = true"],
        False,
        ["stackcheck: strict outputs off (environment STACKCHECK_STRICT)"],
    ),
    ([], {}, ["stackcheck_strict = true"], False, ["stackcheck: strict outputs on (ini stackcheck_strict)"]),
    (
        ["--assembly-dir", "build/cdk.out"],
        {},
        [],
        False,
        ["stackcheck: cloud assembly build/cdk.out (command line --assembly-dir)"],
    ),
]


@pytest.mark.parametrize(
    ("args", "env", "ini", "record", "expected"),
    SOURCES,
    ids=[f"{i}-{s[4][0].split(' (')[1][:-1]}" for i, s in enumerate(SOURCES)],
)
def test_report_header_shows_value_and_source(
    pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list, env: dict, ini: list, record: bool, expected: list
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if ini:
        pt.makeini("[pytest]\n" + "\n".join(ini) + "\n")
    if record:
        write_record(pt)
    pt.makepyfile(PASSING)
    result = pt.runpytest(*args)
    lines = header(result)
    assert [line for line in expected if line not in lines] == []
    result.assert_outcomes(passed=1)


def test_settings_fixtures_carry_the_resolved_values(pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKCHECK_STRICT", "yes")
    write_record(pt)
    pt.makepyfile("""
        def test_values(stackcheck_settings, aws_region, aws_endpoint_url, outputs_file, strict_outputs,
                        cloud_assembly_dir, pytestconfig):
            assert aws_region == "eu-north-1"
            assert aws_endpoint_url == "http://127.0.0.1:5555"
            assert outputs_file == pytestconfig.rootpath / "cfn-outputs" / "flat-outputs.json"
            assert cloud_assembly_dir == pytestconfig.rootpath / "cdk.out"
            assert strict_outputs is True
            assert stackcheck_settings.emulator is True
            assert stackcheck_settings.strict.source == "environment STACKCHECK_STRICT"
    """)
    pt.runpytest().assert_outcomes(passed=1)


@pytest.fixture
def listening_port():
    """Factory of loopback ports with a listening socket behind them (an endpoint that answers)."""
    import socket

    sockets = []

    def open_port() -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sockets.append(sock)
        return sock.getsockname()[1]

    yield open_port
    for sock in sockets:
        sock.close()


def test_emulator_clients_get_fake_credentials_only_at_the_record_endpoint(pt: pytest.Pytester, listening_port) -> None:
    port, other = listening_port(), listening_port()
    write_record(
        pt,
        json.dumps(
            {"target": "emulator", "endpoint_url": f"http://127.0.0.1:{port}", "region": "eu-north-1", "pid": 99}
        ),
    )
    pt.makepyfile(f"""
        def test_clients(aws_client):
            assert aws_client.emulator is True
            assert aws_client("s3").meta.endpoint_url == "http://127.0.0.1:{port}"
            assert aws_client.session.get_credentials().access_key == "testing"
    """)
    pt.runpytest().assert_outcomes(passed=1)
    pt.makepyfile(f"""
        def test_clients(aws_client):
            assert aws_client.emulator is False
            assert aws_client("s3").meta.endpoint_url == "http://127.0.0.1:{other}"
    """)
    pt.runpytest("--aws-endpoint-url", f"http://127.0.0.1:{other}").assert_outcomes(passed=1)


@pytest.mark.parametrize("args", [[], ["--strict-outputs"]], ids=["non-strict", "strict"])
def test_endpoint_that_does_not_answer_fails_naming_it_and_exits_3(pt: pytest.Pytester, args: list) -> None:
    write_record(pt)  # http://127.0.0.1:5555, nothing listens there: a deployment that is gone, not "nothing deployed"
    pt.makepyfile("""
        def test_clients(aws_client):
            aws_client("s3").list_buckets()

        def test_more_clients(aws_client):
            aws_client("s3").list_buckets()
    """)
    result = pt.runpytest(*args)
    result.assert_outcomes(errors=2)
    assert result.ret == 3
    stale = (
        "the AWS endpoint http://127.0.0.1:5555 does not answer; the emulator record is "
        "stale; deploy again with `stackcheck emulator start && stackcheck deploy --target emulator`"
    )
    not_run = "not run: the AWS endpoint http://127.0.0.1:5555 stopped answering (first seen in the aws_client fixture)"
    lines = result.outlines
    # Each error is one line under its header: no traceback.
    assert lines[lines.index(stale) - 1].startswith("____") and lines[lines.index(stale) + 1].startswith("____")
    assert lines.index(not_run) == lines.index(stale) + 2
    assert lines[lines.index("= stackcheck: the AWS endpoint stopped answering =".center(80, "=")) + 1 :][:3] == [
        "the AWS endpoint http://127.0.0.1:5555 stopped answering (first seen in the aws_client fixture): "
        "it does not accept connections",
        "1 later check was not run (it failed without calling the endpoint)",
        "exit 3 (could not run); deploy again with `stackcheck emulator start && stackcheck deploy --target emulator`",
    ]


INTENT = """
    def test_source_bucket_name(outputs):
        assert outputs.get(role="source", kind="bucket", attr="name") == "tap-source-logs"

    def test_source_zone_id(outputs):
        outputs.get(role="source", kind="hosted_zone", attr="id")
"""
MISSING = (
    "output for the source Route 53 hosted zone id not found in cfn-outputs/flat-outputs.json; "
    "candidates: [HostedZoneId (role shared)]; deploy first with `stackcheck emulator start && stackcheck deploy --target emulator`"
)


def test_missing_output_skips_with_reason(pt: pytest.Pytester) -> None:
    write_outputs(pt)
    pt.makepyfile(INTENT)
    result = pt.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    # Line 5 is the outputs.get call in the check: __tracebackhide__ keeps plugin frames out.
    assert f"SKIPPED [1] test_missing_output_skips_with_reason.py:5: {MISSING}" in result.outlines


@pytest.mark.parametrize(
    ("args", "env"), [(["--strict-outputs"], {}), ([], {"STACKCHECK_STRICT": "1"})], ids=["option", "env"]
)
def test_missing_output_fails_when_strict(
    pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list, env: dict
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    write_outputs(pt)
    pt.makepyfile(INTENT)
    result = pt.runpytest(*args)
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert MISSING in text
    assert "fixtures.py" not in text  # no plugin frames: pytrace=False and __tracebackhide__


def test_ambiguous_output_fails_even_when_not_strict(pt: pytest.Pytester) -> None:
    write_outputs(pt, {"SourceLogsBucketName": "a-logs", "SourceDataBucketName": "a-data"})
    pt.makepyfile("""
        def test_bucket(outputs):
            outputs.get(role="source", kind="bucket", attr="name")
    """)
    result = pt.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*2 outputs in cfn-outputs/flat-outputs.json match the source S3 bucket name*"])


def test_missing_outputs_file_skips_or_fails(pt: pytest.Pytester) -> None:
    pt.makepyfile("""
        def test_a(stack_outputs):
            pass

        def test_b(outputs):
            pass
    """)
    result = pt.runpytest("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*outputs file */cfn-outputs/flat-outputs.json does not exist; "
            "deploy first with `stackcheck emulator start && stackcheck deploy --target emulator`"
        ]
    )
    pt.runpytest("--strict-outputs").assert_outcomes(errors=2)


def test_tests_without_stackcheck_fixtures_are_untouched(pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKCHECK_STRICT", "1")
    write_record(pt, "{broken")
    pt.makepyfile(PASSING)
    result = pt.runpytest()
    result.assert_outcomes(passed=1)
    assert [line for line in header(result) if "problem" in line] == [
        f"stackcheck: problem: emulator record {pt.path}/cfn-outputs/target.json is not valid JSON "
        "(line 1, column 2: Expecting property name enclosed in double quotes); deploy again with "
        "`stackcheck emulator start && stackcheck deploy --target emulator`"
    ]
    assert "stackcheck retries" not in result.stdout.str()


def test_conftest_overrides_settings_fixtures(pt: pytest.Pytester) -> None:
    write_outputs(pt, {"TargetLogsBucketName": "from-override"}, name="elsewhere/outputs.json")
    pt.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def outputs_file(pytestconfig):
            return pytestconfig.rootpath / "elsewhere" / "outputs.json"

        @pytest.fixture(scope="session")
        def aws_region():
            return "ap-southeast-2"
    """)
    pt.makepyfile("""
        def test_override(outputs, aws_client):
            assert outputs.get(role="target", kind="bucket", attr="name") == "from-override"
            assert aws_client("s3").meta.region_name == "ap-southeast-2"
    """)
    pt.runpytest().assert_outcomes(passed=1)


def test_check_reads_like_its_intent_against_moto(pt: pytest.Pytester) -> None:
    write_outputs(pt)
    pt.makeconftest("""
        import boto3
        import pytest
        from moto import mock_aws

        @pytest.fixture(scope="session")
        def aws_region():
            return "us-east-1"

        @pytest.fixture(scope="session", autouse=True)
        def deployed():
            with mock_aws():
                s3 = boto3.client("s3", region_name="us-east-1")
                s3.create_bucket(Bucket="tap-source-logs")
                s3.put_bucket_versioning(Bucket="tap-source-logs", VersioningConfiguration={"Status": "Enabled"})
                s3.put_bucket_encryption(Bucket="tap-source-logs", ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
                yield
    """)
    pt.makepyfile("""
        from stackcheck.aws.parsers import bucket_default_encryption, versioning_status

        def test_source_bucket_versioned(outputs, aws_client):
            name = outputs.get(role="source", kind="bucket", attr="name")
            assert versioning_status(aws_client("s3").get_bucket_versioning(Bucket=name)) == "Enabled"

        def test_source_bucket_encrypted(outputs, aws_client):
            name = outputs.get(role="source", kind="bucket", attr="name")
            assert bucket_default_encryption(aws_client("s3"), name).algorithms == {"AES256"}
    """)
    result = pt.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*= stackcheck retries =*", "no AWS call was retried"])


THROTTLED = """
    import pytest
    from botocore.stub import Stubber

    def test_throttled(aws_client):
        s3 = aws_client("s3")
        with Stubber(s3.client) as stub:
            stub.add_client_error("get_bucket_versioning", "SlowDown", "Please reduce your request rate.", 503)
            stub.add_client_error("get_bucket_versioning", "SlowDown", "Please reduce your request rate.", 503)
            stub.add_response("get_bucket_versioning", {"Status": "Enabled"})
            assert s3.get_bucket_versioning(Bucket="b-1")["Status"] == "Enabled"

    def test_calm(aws_client):
        s3 = aws_client("s3")
        with Stubber(s3.client) as stub:
            stub.add_response("get_bucket_versioning", {})
            s3.get_bucket_versioning(Bucket="b-1")
"""
NO_WAIT_CONFTEST = """
    import pytest
    from stackcheck.aws.retry import THROTTLING

    @pytest.fixture(scope="session")
    def aws_retry_profile():
        return THROTTLING.without_waits()

    @pytest.fixture(scope="session")
    def aws_region():
        return "us-east-1"
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_retry_summary_per_test(pt: pytest.Pytester, workers: list[str]) -> None:
    pt.makeconftest(NO_WAIT_CONFTEST)
    pt.makepyfile(test_checks=THROTTLED)
    result = pt.runpytest(*workers)
    result.assert_outcomes(passed=2)
    text = result.stdout.str()
    summary = text[text.index("stackcheck retries =") :].splitlines()[1:3]
    assert summary == [
        "test_checks.py::test_throttled: passed after 2 retries, slept 0.00 s",
        "    s3.get_bucket_versioning SlowDown x2 (tenacity)",
    ]
    assert "test_calm" not in text[text.index("stackcheck retries =") :]


def test_retries_shown_with_a_failing_test(pt: pytest.Pytester) -> None:
    pt.makeconftest(NO_WAIT_CONFTEST)
    pt.makepyfile("""
        from botocore.stub import Stubber

        def test_flaky_then_wrong(aws_client):
            s3 = aws_client("s3")
            with Stubber(s3.client) as stub:
                stub.add_client_error("get_bucket_versioning", "Throttling", "Rate exceeded", 400)
                stub.add_response("get_bucket_versioning", {})
                assert s3.get_bucket_versioning(Bucket="b-1").get("Status") == "Enabled"
    """)
    result = pt.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- stackcheck retries -*",
            "s3.get_bucket_versioning: Throttling on attempt 1, slept 0.00 s (tenacity)",
        ]
    )


def test_cloud_assembly_fixture(pt: pytest.Pytester) -> None:
    pt.makepyfile("""
        def test_assembly(cloud_assembly):
            assert list(cloud_assembly.stacks) == ["TapStackdevSource"]
    """)
    result = pt.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*cloud assembly directory */cdk.out does not exist; synthesize first with `stackcheck synth`"]
    )
    pt.runpytest("--strict-outputs").assert_outcomes(errors=1)
    out = pt.mkdir("cdk.out")
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "version": "36.0.0",
                "artifacts": {
                    "TapStackdevSource": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "TapStackdevSource.template.json"},
                    }
                },
            }
        )
    )
    (out / "TapStackdevSource.template.json").write_text(json.dumps({"Resources": {}}))
    pt.runpytest().assert_outcomes(passed=1)


def test_markers_registered_once(pt: pytest.Pytester) -> None:
    result = pt.runpytest("--markers")
    assert [line for line in result.outlines if line.startswith("@pytest.mark.integration")] == [
        "@pytest.mark.integration: post-deploy check; runs against the deployment the outputs file describes"
    ]
    pt.makeini("[pytest]\nmarkers =\n    integration: project text\n")
    result = pt.runpytest("--markers")
    assert [line for line in result.outlines if line.startswith("@pytest.mark.integration")] == [
        "@pytest.mark.integration: project text"
    ]


def test_options_in_help(pt: pytest.Pytester) -> None:
    text = pt.runpytest("--help").stdout.str()
    assert [
        o
        for o in ("--outputs-file", "--aws-endpoint-url", "--aws-region", "--strict-outputs", "--assembly-dir")
        if o not in text
    ] == []


def test_real_aws_without_credentials_or_region_skips_or_fails_with_the_reason(
    pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    pt.makepyfile("""
        def test_calls_aws(aws_client):
            aws_client("s3").list_buckets()
    """)
    result = pt.runpytest("-rs", "--aws-region", "us-east-1")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*no AWS credentials found for AWS (no emulator record beside *"
            "deploy first with `stackcheck emulator start && stackcheck deploy --target emulator`, or configure credentials*"
        ]
    )
    pt.runpytest("--strict-outputs", "--aws-region", "us-east-1").assert_outcomes(errors=1)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    result = pt.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*no AWS region set (no emulator record beside *); pass --aws-region or set AWS_REGION*"]
    )


FREEZE_PROBE = """
import atexit
import gc

# registered before the session: runs at the interpreter's exit, after everything pytest does
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))
"""


def test_the_pytest_command_ends_with_the_heap_frozen(pt: pytest.Pytester) -> None:
    pt.makeconftest(FREEZE_PROBE)
    pt.makepyfile(PASSING)
    result = pt.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0
    (line,) = [line for line in result.outlines if line.startswith("frozen at exit:")]
    assert (
        int(line.split(":")[1]) > 1000
    )  # the modules' objects at least: pytest's and the teardown's collections skip them


def test_a_nested_pytest_session_leaves_the_collector_alone(pt: pytest.Pytester) -> None:
    import gc

    pt.makepyfile(PASSING)
    gc.unfreeze()  # whatever an earlier test in this worker froze (the gate freezes its heap)
    result = pt.runpytest("-p", "no:cacheprovider")  # in this process: its configuration is not the outermost
    assert result.ret == 0
    assert gc.get_freeze_count() == 0


# Libraries a fixture or a command needs, never the plugin's start-up: every pytest process (each
# xdist worker, and the controller before it starts them) would pay for them before its first test.
HEAVY = ("yaml", "filelock", "wcmatch", "psutil", "boto3", "botocore", "moto", "jsii", "cfnlint", "checkov")
IMPORT_PROBE = f"""
import sys


def pytest_collection_finish(session):
    print("heavy at collection:", sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_the_plugin_starts_without_loading_the_heavy_libraries(pt: pytest.Pytester) -> None:
    write_outputs(pt)
    write_record(pt)  # settings are resolved from the emulator record too
    pt.makeconftest(IMPORT_PROBE)
    pt.makepyfile(PASSING)
    result = pt.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    assert result.ret == 0
    assert "heavy at collection: []" in result.outlines
