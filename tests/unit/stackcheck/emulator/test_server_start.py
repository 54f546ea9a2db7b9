"""What the emulator server does for its clients beyond moto: its native types served, its backends made at start."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request

import pytest

from stackcheck.emulator import cfn
from stackcheck.emulator.capabilities import NATIVE, UNSUPPORTED, classify, served_native_types
from stackcheck.emulator.plan import plan_templates
from stackcheck.emulator.server import NativeTypesMiddleware, prewarm

from .conftest import write_assembly


def test_the_server_answers_the_native_types_of_the_moto_it_runs(emulator_server):
    served = served_native_types(emulator_server.endpoint_url)
    assert served == cfn.moto_native_types()  # one installed moto: the server's and this process's agree
    assert served["AWS::EC2::VPC"] == "moto.ec2.models.vpcs.VPC"


def test_every_other_path_still_reaches_moto(emulator_server):
    # an S3 listing (GET /) answers as before
    with urllib.request.urlopen(emulator_server.endpoint_url + "/", timeout=5) as answer:
        assert b"ListAllMyBucketsResult" in answer.read()


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"message": "not here"}' if self.path == "/_stackcheck/native-types" else b""
        self.send_response(404 if not body else 200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def other_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_endpoint_that_is_not_a_stackcheck_emulator_serves_no_native_types(other_server):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert served_native_types(f"http://127.0.0.1:{closed}", timeout=1) is None
    assert served_native_types(other_server + "/elsewhere") is None  # 404
    assert served_native_types(other_server) is None  # 200, a JSON object, but {"message": ...} names no type


def test_a_served_answer_that_is_not_a_mapping_of_strings_is_ignored(monkeypatch):
    class Answer:
        def __init__(self, body: bytes):
            self.body = body

        def read(self) -> bytes:
            return self.body

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

    for body in (b"[1, 2]", b'{"AWS::EC2::VPC": 1}', b'{"Vpc": "moto.ec2.models.vpcs.VPC"}', b"not json"):
        monkeypatch.setattr(urllib.request, "urlopen", lambda *a, body=body, **k: Answer(body))
        assert served_native_types("http://127.0.0.1:1") is None


def test_the_middleware_answers_json_once_computed_and_passes_every_other_request():
    passed = []

    def app(environ, start_response):
        passed.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"moto"]

    middleware = NativeTypesMiddleware(app)
    statuses = []
    body = b"".join(
        middleware({"PATH_INFO": "/_stackcheck/native-types", "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s))
    )
    assert statuses == ["200 OK"]
    assert json.loads(body) == cfn.moto_native_types()
    assert b"".join(middleware({"PATH_INFO": "/", "REQUEST_METHOD": "GET"}, lambda s, h: None)) == b"moto"
    assert (
        b"".join(middleware({"PATH_INFO": "/_stackcheck/native-types", "REQUEST_METHOD": "POST"}, lambda s, h: None))
        == b"moto"
    )
    assert passed == ["/", "/_stackcheck/native-types"]


def test_classify_and_plan_follow_the_native_types_given():
    assert classify("AWS::EC2::VPC", {}) == (
        UNSUPPORTED,
        "no CloudFormation model in moto or in stackcheck.emulator.cfn",
    )
    assert classify("AWS::EC2::VPC", {"AWS::EC2::VPC": "elsewhere.Vpc"}) == (
        NATIVE,
        "elsewhere.Vpc + stackcheck: EnableDnsHostnames, EnableDnsSupport",  # our wrappers, whatever the class
    )


def test_planning_with_the_served_types_skips_what_that_server_cannot_create(tmp_path):
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Topic": {"Type": "AWS::SNS::Topic"},
        }
    }
    assembly = write_assembly(tmp_path, {"Net": (template, [])})
    ((plan,),) = plan_templates(assembly, allow_unsupported=True, native={"AWS::SNS::Topic": "moto.sns.models.Topic"})
    assert plan.skipped == {"Vpc": "unsupported type AWS::EC2::VPC"}
    ((plan,),) = plan_templates(assembly, allow_unsupported=True)
    assert plan.skipped == {}


def test_prewarm_makes_the_regional_and_global_backends(capsys):
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    prewarm("eu-west-3")
    assert "eu-west-3" in get_backend("ec2")[DEFAULT_ACCOUNT_ID]
    assert "eu-west-3" in get_backend("rds")[DEFAULT_ACCOUNT_ID]
    assert "aws" in get_backend("iam")[DEFAULT_ACCOUNT_ID]  # global services are kept by partition
    assert capsys.readouterr().out == ""


def test_prewarm_that_fails_says_so_and_never_raises(capsys):
    prewarm("no-such-region-1")
    assert capsys.readouterr().out.startswith("stackcheck emulator: prewarm stopped (KeyError: ")


def test_a_deploy_plans_against_the_servers_types_not_this_processs_moto(deploy, monkeypatch):
    def introspect():
        raise AssertionError("the deploy imported moto's models here")

    monkeypatch.setattr(cfn, "moto_native_types", introspect)
    result = deploy({"Net": ({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, [])})
    assert [(s.stack_name, s.status) for s in result.stacks] == [("Net", "CREATE_COMPLETE")]


def test_capabilities_follow_the_running_emulators_types_not_this_processs_moto(
    emulator_server, emulator_dir, tmp_path, monkeypatch, capsys
):
    from stackcheck.cli import main

    def introspect():
        raise AssertionError("capabilities imported moto's models here")

    assembly = write_assembly(tmp_path, {"Net": ({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, [])})
    monkeypatch.setattr(cfn, "moto_native_types", introspect)
    code = main(["emulator", "capabilities", "--assembly", str(assembly.directory), "--outputs-dir", str(emulator_dir)])
    out = capsys.readouterr().out.splitlines()
    assert (code, out[0]) == (0, f"moto's types: as the emulator at {emulator_server.endpoint_url} serves them")
    assert "stack Net: declared 1 / to create 1 / emulated 0 / skipped 0" in out


@pytest.mark.parametrize(
    ("service", "operation", "kwargs", "action"),
    [
        ("cloudformation", "detect_stack_drift", {"StackName": "absent"}, "detect_stack_drift"),  # query, XML
        ("kms", "describe_custom_key_stores", {}, "describe_custom_key_stores"),  # JSON protocol
    ],
)
def test_an_operation_moto_lacks_answers_501_not_implemented_with_one_log_line(
    emulator_server, emulator_dir, service, operation, kwargs, action
):
    import importlib.metadata

    from botocore.exceptions import ClientError

    from stackcheck.aws.unavailable import unavailable_reason
    from stackcheck.emulator.process import client

    log = emulator_dir / "emulator.log"
    before = log.read_text(encoding="utf-8")
    with pytest.raises(ClientError) as raised:
        getattr(client(service, emulator_server), operation)(**kwargs)  # standard retries, 3 attempts
    answer = raised.value.response
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)
    moto = importlib.metadata.version("moto")
    assert answer["Error"]["Message"] == f"moto {moto}: The {action} action has not been implemented"
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert unavailable_reason(raised.value).kind == "not_implemented"
    added = log.read_text(encoding="utf-8")[len(before) :]
    assert "Traceback" not in added
    assert [line for line in added.splitlines() if "501 NotImplemented" in line] == [
        f"stackcheck emulator: POST /: The {action} action has not been implemented (answered 501 NotImplemented)"
    ]
