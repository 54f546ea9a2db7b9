"""A project's own output kinds and roles (``[tool.stackcheck.outputs]``), the rds_cluster kind, and the DescribeStacks fallback."""

from __future__ import annotations

import json
import re
import tomllib

import boto3
import pytest
from botocore.stub import Stubber

from stackcheck.errors import OutputNotFoundError
from stackcheck.outputs import KINDS, ROLE_WORDS, OutputMatch, OutputResolver, RegistryError, parse_registry
from stackcheck.outputs.registry import arn_last_segment, project_registry
from stackcheck.plugin.fixtures import StackOutputs

pytest_plugins = ["pytester"]

# SQS queue URL and ARN forms:
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
QUEUE_TABLE = r"""
[tool.stackcheck.outputs]
roles = {blue = ["blue"], green = ["green"]}

[tool.stackcheck.outputs.kinds.queue]
label = "SQS queue"
words = [["queue"], ["sqs", "queue"]]

[tool.stackcheck.outputs.kinds.queue.attrs.url]
shape = 'https://sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/\d{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?'
describe = "an SQS queue URL"

[tool.stackcheck.outputs.kinds.queue.attrs.arn]
shape = 'arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?'

[tool.stackcheck.outputs.kinds.queue.attrs.name]
shape = '[A-Za-z0-9_-]{1,80}(\.fifo)?'
derive_from_arn = true
"""
QUEUE_OUTPUTS = {
    "BlueQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-blue",
    "GreenQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-green",
    "GreenQueueArn": "arn:aws:sqs:eu-west-1:123456789012:jobs-green",
    "GreenJobsTableName": "jobs-green-table",
}


def queue_resolver() -> OutputResolver:
    kinds, roles = parse_registry(tomllib.loads(QUEUE_TABLE)["tool"]["stackcheck"]["outputs"])
    return OutputResolver(QUEUE_OUTPUTS, kinds={**KINDS, **kinds}, roles={**ROLE_WORDS, **roles})


def test_project_kind_resolves_by_role_and_attribute() -> None:
    resolver = queue_resolver()
    assert resolver.get(role="green", kind="queue", attr="url") == QUEUE_OUTPUTS["GreenQueueUrl"]
    assert resolver.get(role="blue", kind="queue", attr="url") == QUEUE_OUTPUTS["BlueQueueUrl"]
    assert resolver.get(role="green", kind="queue", attr="arn") == QUEUE_OUTPUTS["GreenQueueArn"]
    assert resolver.resolve(role="green", kind="queue", attr="name") == OutputMatch(
        "GreenQueueArn", "jobs-green", None, derived_from="arn"
    )
    assert resolver.entries["GreenQueueUrl"].attr == "url"


def test_project_kind_url_never_passes_as_the_arn() -> None:
    resolver = queue_resolver()
    with pytest.raises(OutputNotFoundError) as err:
        resolver.get(role="blue", kind="queue", attr="arn")
    assert str(err.value).startswith(
        "output for the blue SQS queue arn not found in cfn-outputs/flat-outputs.json; "
        "candidates: [BlueQueueUrl (holds the url), GreenQueueUrl (role green), GreenQueueArn (role green)]"
    )


def test_project_registry_merges_over_built_ins(tmp_path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n" + QUEUE_TABLE)
    kinds, roles = project_registry(path)
    assert set(kinds) == set(KINDS) | {"queue"}
    assert roles == {"source": ("source",), "target": ("target",), "blue": ("blue",), "green": ("green",)}
    assert project_registry(tmp_path / "absent.toml") == (KINDS, ROLE_WORDS)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": {}}, 'x.toml: [tool.stackcheck.outputs] kind: unknown key; known: "kinds", "roles"'),
        ({"roles": {"blue": "blue"}}, "x.toml: [tool.stackcheck.outputs] roles.blue: expected a non-empty list of words, got 'blue'"),
        ({"kinds": {"q": {"words": [["q"]], "attrs": {"url": {"shape": "x"}}}}},
         'x.toml: [tool.stackcheck.outputs] kinds.q.label: required: what the kind is called in messages, e.g. "SQS queue"'),
        ({"kinds": {"q": {"label": "Q", "words": ["q"], "attrs": {"url": {"shape": "x"}}}}},
         "x.toml: [tool.stackcheck.outputs] kinds.q.words[0]: expected a non-empty list of lower-case words, got 'q'"),
        ({"kinds": {"q": {"label": "Q", "words": [["q"]], "attrs": {"url": {"shape": "(x"}}}}},
         "x.toml: [tool.stackcheck.outputs] kinds.q.attrs.url.shape: not a valid regular expression "
         "(missing ), unterminated subpattern at position 0)"),
        ({"kinds": {"q": {"label": "Q", "words": [["q"]], "attrs": {"url": {}}}}},
         "x.toml: [tool.stackcheck.outputs] kinds.q.attrs.url.shape: required: a regular expression the whole value must match"),
        ({"kinds": {"q": {"label": "Q", "words": [["q"]], "attrs": {"name": {"shape": "x", "derive_from_arn": True}}}}},
         "x.toml: [tool.stackcheck.outputs] kinds.q.attrs.name.derive_from_arn: the kind has no arn attribute to derive from"),
        ({"kinds": {"q": {"label": "Q", "words": [["q"]], "attrs": {"url": {"shape": "x", "regex": "y"}}}}},
         "x.toml: [tool.stackcheck.outputs] kinds.q.attrs.url: unknown keys ['regex']; known: ['derive_from_arn', 'describe', 'shape']"),
    ],
)  # fmt: skip
def test_malformed_table_is_rejected_naming_the_key(table: dict, message: str) -> None:
    with pytest.raises(RegistryError) as err:
        parse_registry(table, where="x.toml")
    assert str(err.value) == message


def test_arn_last_segment() -> None:
    assert arn_last_segment("arn:aws:sqs:eu-west-1:123456789012:jobs") == "jobs"
    assert arn_last_segment("arn:aws:states:eu-west-1:123456789012:stateMachine:flow") == "flow"
    assert arn_last_segment("arn:aws:iam::123456789012:role/service/app-role") == "app-role"


# Aurora endpoint forms: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html
CLUSTER_OUTPUTS = {
    "DbClusterEndpoint": "app.cluster-c1a2b3d4e5f6.eu-west-1.rds.amazonaws.com",
    "DbClusterReaderEndpoint": "app.cluster-ro-c1a2b3d4e5f6.eu-west-1.rds.amazonaws.com",
    "DbClusterPort": "5432",
    "DbClusterArn": "arn:aws:rds:eu-west-1:123456789012:cluster:app",
}


def test_rds_cluster_attributes() -> None:
    resolver = OutputResolver(CLUSTER_OUTPUTS)
    got = {
        a: resolver.get(role=None, kind="rds_cluster", attr=a) for a in ("endpoint", "reader_endpoint", "port", "arn")
    }
    assert got == {
        "endpoint": CLUSTER_OUTPUTS["DbClusterEndpoint"],
        "reader_endpoint": CLUSTER_OUTPUTS["DbClusterReaderEndpoint"],
        "port": "5432",
        "arn": CLUSTER_OUTPUTS["DbClusterArn"],
    }
    assert resolver.resolve(role=None, kind="rds_cluster", attr="identifier") == OutputMatch(
        "DbClusterArn", "app", None, derived_from="arn"
    )
    assert resolver.entries["DbClusterPort"].kinds == ("rds_cluster",)


def test_rds_cluster_reader_endpoint_never_passes_as_the_writer() -> None:
    swapped = {"DbClusterEndpoint": CLUSTER_OUTPUTS["DbClusterReaderEndpoint"]}
    with pytest.raises(OutputNotFoundError) as err:
        OutputResolver(swapped).get(role=None, kind="rds_cluster", attr="endpoint")
    assert (
        "DbClusterEndpoint (value 'app.cluster-ro-c1a2b3d4e5f6.eu-west-1.rds.amazonaws.com' is not a cluster "
        in str(err.value)
    )


# DescribeStacks response shape: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
def describe_response(stack: str, outputs: dict[str, str]) -> dict:
    return {
        "Stacks": [
            {
                "StackName": stack,
                "StackId": f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{stack}/0a1b2c3d",
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": "CREATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


def test_stack_missing_from_file_is_read_with_describe_stacks_once() -> None:
    from stackcheck.outputs import describe_stack_outputs

    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(client)
    stubber.add_response(
        "describe_stacks",
        describe_response("AppDb", {"DbClusterPort": "3306", "DbClusterArn": CLUSTER_OUTPUTS["DbClusterArn"]}),
        {"StackName": "AppDb"},
    )
    resolver = OutputResolver({}, nested={"AppWeb": {"DbClusterPort": "5432"}}, source="all-outputs.json")
    outputs = StackOutputs(resolver, strict=True, read_stack=lambda s: describe_stack_outputs(client, [s])[s])
    with stubber:
        assert outputs.get(role=None, kind="rds_cluster", attr="port", stack="AppDb") == "3306"
        assert outputs.value("DbClusterArn", stack="AppDb") == CLUSTER_OUTPUTS["DbClusterArn"]
        stubber.assert_no_pending_responses()
    assert resolver.stacks == ["AppDb", "AppWeb"]
    assert sorted(resolver.outputs) == ["AppDb/DbClusterPort", "DbClusterArn", "DbClusterPort"]
    assert outputs.get(role=None, kind="rds_cluster", attr="port", stack="AppWeb") == "5432"


def test_stack_describe_stacks_does_not_find_fails_naming_it_when_strict() -> None:
    from stackcheck.outputs import describe_stack_outputs

    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_stacks", "ValidationError", "Stack with id Nope does not exist", 400, {"StackName": "Nope"}
    )
    outputs = StackOutputs(
        OutputResolver({"A": "b"}), strict=True, read_stack=lambda s: describe_stack_outputs(client, [s])[s]
    )
    with stubber, pytest.raises(pytest.fail.Exception) as err:
        outputs.get(role=None, kind="rds_cluster", attr="port", stack="Nope")
    assert str(err.value) == (
        "stack 'Nope' is not in cfn-outputs/flat-outputs.json nor found by DescribeStacks: "
        "Stack with id Nope does not exist; deploy first with `make deploy-local`"
    )


# -- through the pytest plugin --------------------------------------------------------------------


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "STACKCHECK_STRICT",
                 "STACKCHECK_OUTPUTS_FILE", "PYTEST_ADDOPTS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "no-aws-credentials"))
    return pytester


def write_outputs(pt: pytest.Pytester, outputs: dict) -> None:
    path = pt.path / "cfn-outputs" / "flat-outputs.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outputs))


def test_pyproject_table_adds_kind_and_roles(pt: pytest.Pytester) -> None:
    (pt.path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n" + QUEUE_TABLE)
    write_outputs(pt, QUEUE_OUTPUTS)
    pt.makepyfile("""
        def test_green_queue(outputs, output_roles):
            assert outputs.get(role="green", kind="queue", attr="url") == (
                "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-green")
            assert outputs.get(role="green", kind="queue", attr="name") == "jobs-green"
            assert sorted(output_roles) == ["blue", "green", "source", "target"]
    """)
    pt.runpytest().assert_outcomes(passed=1)


def test_conftest_overrides_kinds_and_roles(pt: pytest.Pytester) -> None:
    write_outputs(pt, QUEUE_OUTPUTS)
    pt.makeconftest("""
        import re
        import pytest
        from stackcheck.outputs import AttrSpec, KindSpec

        @pytest.fixture(scope="session")
        def output_kinds():
            url = re.compile(r"https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com/\\d{12}/[\\w-]+")
            return {"queue": KindSpec("SQS queue", (("queue",),), {"url": AttrSpec(lambda v: bool(url.fullmatch(v)), "a URL")})}

        @pytest.fixture(scope="session")
        def output_roles():
            return {"blue": ("blue",), "green": ("green",)}
    """)
    pt.makepyfile("""
        import pytest
        from stackcheck.errors import BadInputError

        def test_blue_queue(output_resolver):
            assert output_resolver.get(role="blue", kind="queue", attr="url") == (
                "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-blue")
            with pytest.raises(BadInputError, match="unknown role 'source'"):
                output_resolver.get(role="source", kind="queue", attr="url")
    """)
    pt.runpytest().assert_outcomes(passed=1)


def test_malformed_pyproject_table_fails_naming_the_key(pt: pytest.Pytester) -> None:
    (pt.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\n[tool.stackcheck.outputs]\nroles = {blue = "blue"}\n'
    )
    write_outputs(pt, QUEUE_OUTPUTS)
    pt.makepyfile("""
        def test_a(outputs):
            pass
    """)
    result = pt.runpytest()
    result.assert_outcomes(errors=1)
    where = re.escape(str(pt.path / "pyproject.toml"))
    result.stdout.re_match_lines(
        [rf".*{where}: \[tool.stackcheck.outputs\] roles.blue: expected a non-empty list of words, got 'blue'"]
    )


FALLBACK_CONFTEST = """
    import json
    import boto3
    import pytest
    from moto import mock_aws

    @pytest.fixture(scope="session")
    def aws_region():
        return "us-east-1"

    @pytest.fixture(scope="session", autouse=True)
    def deployed():
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {
                "DbClusterPort": {"Value": "3306"},
                "GreenDbClusterArn": {"Value": "arn:aws:rds:us-east-1:123456789012:cluster:green-db"},
            },
        }
        with mock_aws():
            boto3.client("cloudformation", region_name="us-east-1").create_stack(
                StackName="AppDb", TemplateBody=json.dumps(template))
            yield
"""


def test_stack_the_file_lacks_is_read_with_describe_stacks(pt: pytest.Pytester) -> None:
    write_outputs(pt, {"GreenQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-green"})
    pt.makeconftest(FALLBACK_CONFTEST)
    pt.makepyfile("""
        def test_cluster_port(outputs):
            assert outputs.get(role=None, kind="rds_cluster", attr="port", stack="AppDb") == "3306"
            assert outputs.value("GreenDbClusterArn", stack="AppDb") == (
                "arn:aws:rds:us-east-1:123456789012:cluster:green-db")

        def test_missing_stack(outputs):
            outputs.get(role=None, kind="rds_cluster", attr="port", stack="Nope")
    """)
    result = pt.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED * stack 'Nope' is not in cfn-outputs/flat-outputs.json nor found by DescribeStacks: Stack with id Nope does not exist*"
        ]
    )


def test_no_outputs_file_but_an_endpoint_reads_the_named_stack(pt: pytest.Pytester) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pt.makeconftest(f"""
        import json
        import boto3
        import pytest
        from moto.server import ThreadedMotoServer

        @pytest.fixture(scope="session", autouse=True)
        def deployed():
            server = ThreadedMotoServer(ip_address="127.0.0.1", port={port}, verbose=False)
            server.start()
            template = {{"Resources": {{"Topic": {{"Type": "AWS::SNS::Topic"}}}},
                         "Outputs": {{"BlueQueueUrl": {{"Value": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}}}}}}
            boto3.client("cloudformation", region_name="us-east-1", endpoint_url="http://127.0.0.1:{port}").create_stack(
                StackName="AppQueues", TemplateBody=json.dumps(template))
            yield
            server.stop()
    """)
    (pt.path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n" + QUEUE_TABLE)
    pt.makepyfile("""
        def test_blue_queue(outputs, output_resolver):
            assert output_resolver.stacks == []
            assert outputs.get(role="blue", kind="queue", attr="url", stack="AppQueues") == (
                "https://sqs.us-east-1.amazonaws.com/123456789012/q")
            assert output_resolver.stacks == ["AppQueues"]
    """)
    result = pt.runpytest(
        "-p", "no:xdist", "--aws-endpoint-url", f"http://127.0.0.1:{port}", "--aws-region", "us-east-1"
    )
    result.assert_outcomes(passed=1)
