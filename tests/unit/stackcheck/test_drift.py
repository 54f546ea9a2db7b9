"""Drift detection: stubbed CloudFormation responses, verdicts, allowlist, polling bounds, reports, exit codes; moto's missing DetectStackDrift."""

from __future__ import annotations

import argparse
import io
import json
import os
import textwrap
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from stackcheck.assembly import read_assembly
from stackcheck.aws.retry import THROTTLING, RetryLog
from stackcheck.cli import main
from stackcheck.drift import (
    DEFAULT_POLL,
    Allowlist,
    AllowlistEntry,
    DetectionOutcome,
    DriftDetector,
    PollProfile,
    ResourceStatus,
    Verdict,
    load_allowlist,
)
from stackcheck.drift import command as drift_command
from stackcheck.errors import BadInputError
from stackcheck.gate.junit import read_junit
from stackcheck.progress import Progress

DATA = Path(__file__).parents[2] / "data" / "drift"
ASSEMBLY = DATA / "assembly"
ALLOWLIST = DATA / "allowlist.yaml"
SOURCE, ROUTE53 = "TapStackdevSource", "TapStackdevRoute53"
SOURCE_ID = "b78ac9b0-dec1-11e7-a451-503a3c1e4a8d"
ROUTE53_ID = "c2fd3e40-dec1-11e7-b7a8-50fae957fc4a"
NEXT_TOKEN = "AAEAAZ2xNnVkQm1vV2xNbFhwcW1HUjc0cnFtVmZ3eEdVd2N1ZWZqa2pQVjBvUEc="
NO_WAITS = PollProfile(interval=0.0, max_polls=10, deadline=60.0).without_waits()


def response(name: str) -> dict:
    return json.loads((DATA / "responses" / f"{name}.json").read_text())


def client():
    return boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


STATUSES = client().meta.service_model.shape_for("StackResourceDriftStatus").enum


# -- the script of stubbed calls --------------------------------------------------------------


def detect(stack: str) -> tuple:
    name = "detect_source" if stack == SOURCE else "detect_route53"
    return ("detect_stack_drift", response(name), {"StackName": stack})


def status(name: str) -> tuple:
    detection = SOURCE_ID if name.startswith("status_source") else ROUTE53_ID
    return ("describe_stack_drift_detection_status", response(name), {"StackDriftDetectionId": detection})


def drifts(name: str, stack: str, token: str | None = None) -> tuple:
    params = {"StackName": stack, "StackResourceDriftStatusFilters": STATUSES}
    if token:
        params["NextToken"] = token
    return ("describe_stack_resource_drifts", response(name), params)


def error(method: str, code: str, message: str, params: dict, http: int = 400) -> tuple:
    return (method, {"error": (code, message, http)}, params)


def status_in_progress_route53() -> tuple:
    answer = {**response("status_source_in_progress"), "StackDriftDetectionId": ROUTE53_ID}
    return ("describe_stack_drift_detection_status", answer, {"StackDriftDetectionId": ROUTE53_ID})


def throttled_poll(detection: str) -> tuple:
    return error(
        "describe_stack_drift_detection_status", "Throttling", "Rate exceeded", {"StackDriftDetectionId": detection}
    )


SOURCE_DRIFTED = [
    status("status_source_in_progress"),
    status("status_source_drifted"),
    drifts("resource_drifts_source_page1", SOURCE),
    drifts("resource_drifts_source_page2", SOURCE, NEXT_TOKEN),
]
ROUTE53_IN_SYNC = [status("status_route53_in_sync"), drifts("resource_drifts_route53_in_sync", ROUTE53)]


def stubbed(steps: list[tuple]):
    cfn = client()
    stubber = Stubber(cfn)
    for method, answer, params in steps:
        if "error" in answer:
            code, message, http = answer["error"]
            stubber.add_client_error(
                method, service_error_code=code, service_message=message, http_status_code=http, expected_params=params
            )
        else:
            stubber.add_response(method, answer, params)
    stubber.activate()
    return cfn, stubber


def detector(cfn, **kwargs) -> DriftDetector:
    kwargs.setdefault("poll", NO_WAITS)
    kwargs.setdefault("log", RetryLog())
    return DriftDetector(cfn, allowlist=load_allowlist(ALLOWLIST), **kwargs)


def ids_by_status(stack) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {s.value: set() for s in ResourceStatus}
    for resource in stack.resources:
        found[resource.status.value].add(resource.logical_id)
    return found


# -- the command, with the stubbed client -----------------------------------------------------


def parse(tmp_path: Path, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    drift_command.add_arguments(parser)
    return parser.parse_args(
        [
            "--assembly",
            str(ASSEMBLY),
            "--allowlist",
            str(ALLOWLIST),
            "--report-dir",
            str(tmp_path / "reports"),
            "--emulator-record",
            str(tmp_path / "no-target.json"),
            "--aws-region",
            "us-east-1",
            "--poll-interval",
            "0",
            "--method",
            "cloudformation",
            *argv,
        ]
    )


@pytest.fixture
def use_client(monkeypatch):
    """Make `stackcheck drift` use the stubbed client, with zero-second throttling waits."""
    monkeypatch.setattr("stackcheck.drift.detector.DEFAULT_POLL", DEFAULT_POLL.without_waits())

    def install(cfn):
        monkeypatch.setattr(drift_command, "make_client", lambda target: cfn)

    return install


# (id, stacks, steps, verdict per stack, the run's verdict, exit code)
CASES = [
    ("drifted", [SOURCE], [detect(SOURCE), *SOURCE_DRIFTED], {SOURCE: Verdict.DRIFTED}, Verdict.DRIFTED, 1),
    ("in-sync", [ROUTE53], [detect(ROUTE53), *ROUTE53_IN_SYNC], {ROUTE53: Verdict.IN_SYNC}, Verdict.IN_SYNC, 0),
    (
        "partial",
        [ROUTE53],
        [detect(ROUTE53), status("status_route53_in_sync"), drifts("resource_drifts_route53_partial", ROUTE53)],
        {ROUTE53: Verdict.PARTIAL},
        Verdict.PARTIAL,
        0,
    ),
    (
        "only-allowed-differences",
        [ROUTE53],
        [detect(ROUTE53), status("status_route53_in_sync"), drifts("resource_drifts_route53_allowed", ROUTE53)],
        {ROUTE53: Verdict.IN_SYNC},
        Verdict.IN_SYNC,
        0,
    ),
    (
        "failed",
        [SOURCE],
        [detect(SOURCE), status("status_source_failed"), drifts("resource_drifts_source_failed", SOURCE)],
        {SOURCE: Verdict.UNKNOWN},
        Verdict.UNKNOWN,
        3,
    ),
    (
        "failed-beside-in-sync",
        [SOURCE, ROUTE53],
        [
            detect(SOURCE),
            detect(ROUTE53),
            status("status_source_failed"),
            drifts("resource_drifts_source_failed", SOURCE),
            *ROUTE53_IN_SYNC,
        ],
        {SOURCE: Verdict.UNKNOWN, ROUTE53: Verdict.IN_SYNC},
        Verdict.PARTIAL,
        0,
    ),
    (
        "drifted-beside-in-sync",
        [SOURCE, ROUTE53],
        [detect(SOURCE), detect(ROUTE53), *SOURCE_DRIFTED, *ROUTE53_IN_SYNC],
        {SOURCE: Verdict.DRIFTED, ROUTE53: Verdict.IN_SYNC},
        Verdict.DRIFTED,
        1,
    ),
    (
        "not-deployed",
        [SOURCE],
        [
            error(
                "detect_stack_drift", "ValidationError", f"Stack with id {SOURCE} does not exist", {"StackName": SOURCE}
            )
        ],
        {SOURCE: Verdict.UNKNOWN},
        Verdict.UNKNOWN,
        3,
    ),
    (
        "throttled-mid-poll",
        [ROUTE53],
        [detect(ROUTE53), throttled_poll(ROUTE53_ID), *ROUTE53_IN_SYNC],
        {ROUTE53: Verdict.IN_SYNC},
        Verdict.IN_SYNC,
        0,
    ),
    (
        "never-completes",
        [ROUTE53],
        [detect(ROUTE53), *[status_in_progress_route53()] * 3],
        {ROUTE53: Verdict.UNKNOWN},
        Verdict.UNKNOWN,
        3,
    ),
]


@pytest.mark.parametrize("stacks, steps, verdicts, verdict, code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_run_gives_verdicts_and_exit_code(tmp_path, use_client, capsys, stacks, steps, verdicts, verdict, code):
    cfn, stubber = stubbed(steps)
    use_client(cfn)
    args = parse(tmp_path, "--max-polls", "3", *[a for s in stacks for a in ("--stack", s)])
    assert drift_command.run(args) == code
    stubber.assert_no_pending_responses()
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert {s["stack"]: s["verdict"] for s in report["stacks"]} == {k: v.value for k, v in verdicts.items()}
    assert (report["verdict"], report["exit_code"]) == (verdict.value, code)
    markdown = (tmp_path / "reports" / "drift.md").read_text().splitlines()
    assert markdown[0] == f"## Drift detection: {verdict.value}"
    assert markdown[4] == report["summary"][0].upper() + report["summary"][1:] + "."
    assert f"\n{verdict.value}: {report['summary']}\n" in capsys.readouterr().out


@pytest.mark.parametrize("with_file", [False, True], ids=["no-policies-folder", "policies-folder"])
def test_the_default_allowlist_is_policies_drift_allowlist_yaml_when_there_is_one(
    tmp_path, use_client, monkeypatch, with_file
):
    # another team's app has no policies/ folder: drift runs with no allowlist, as scan and compliance run without a pack
    cfn, stubber = stubbed([detect(ROUTE53), *ROUTE53_IN_SYNC])
    use_client(cfn)
    monkeypatch.chdir(tmp_path)
    if with_file:
        (tmp_path / "policies").mkdir()
        (tmp_path / "policies" / "drift-allowlist.yaml").write_text(ALLOWLIST.read_text())
    parser = argparse.ArgumentParser()
    drift_command.add_arguments(parser)
    argv = ["--assembly", str(ASSEMBLY), "--report-dir", str(tmp_path / "reports"), "--stack", ROUTE53]
    argv += ["--emulator-record", str(tmp_path / "none.json"), "--aws-region", "us-east-1"]
    args = parser.parse_args([*argv, "--method", "cloudformation", "--poll-interval", "0"])  # no --allowlist
    assert drift_command.run(args) == 0
    stubber.assert_no_pending_responses()
    allowlist = json.loads((tmp_path / "reports" / "drift.json").read_text())["allowlist"]
    expected = "policies/drift-allowlist.yaml" if with_file else None
    assert allowlist["path"] == expected


def test_an_allowlist_given_must_exist(tmp_path, capsys):
    missing = tmp_path / "none.yaml"
    assert main(["drift", "--assembly", str(ASSEMBLY), "--allowlist", str(missing), "--no-emulator"]) == 2
    assert f"drift allowlist {missing} does not exist" in capsys.readouterr().err


def test_drifted_stack_has_exact_statuses_and_differences():
    cfn, stubber = stubbed([detect(SOURCE), *SOURCE_DRIFTED])
    result = detector(cfn).detect([read_assembly(ASSEMBLY).stack(SOURCE)])
    stubber.assert_no_pending_responses()
    stack = result.stacks[0]
    assert stack.verdict is Verdict.DRIFTED and stack.outcome is DetectionOutcome.COMPLETE
    assert ids_by_status(stack) == {
        "IN_SYNC": {"DataKey17AFBB84", "DatabaseInstanceAA8A5FDE"},
        "MODIFIED": {"LogsBucket9C4D8843", "DatabaseSecurityGroup5C91FDCB"},
        "DELETED": {"MonitoringTopicC2B8A2F1"},
        "NOT_CHECKED": {"MigrationEndpointD5BB316D", "WebCluster20B6B362", "MigrationReplicationTask5E8A7C21"},
    }
    by_id = {r.logical_id: r for r in stack.resources}
    assert [
        (d.property_path, d.difference_type, d.status.value) for d in by_id["DatabaseSecurityGroup5C91FDCB"].differences
    ] == [
        ("/SecurityGroupIngress/0", "ADD", "DRIFTED"),
        ("/Tags/0/Value", "NOT_EQUAL", "ALLOWED"),
    ]
    database = by_id["DatabaseInstanceAA8A5FDE"]
    assert (database.reported_status, database.status) == ("MODIFIED", ResourceStatus.IN_SYNC)
    assert (
        database.differences[0].allowed_by.reason
        == "RDS applies minor engine upgrades itself (AutoMinorVersionUpgrade)"
    )
    assert {r.logical_id: (r.reported_status, r.reason) for r in stack.resources if not r.checked} == {
        "MigrationEndpointD5BB316D": (
            "NOT_CHECKED",
            "CloudFormation did not check it (NOT_CHECKED: the type does not "
            "support drift detection, or it was skipped in a rollback)",
        ),
        "WebCluster20B6B362": ("UNKNOWN", "CloudFormation could not run drift detection on it (UNKNOWN)"),
        "MigrationReplicationTask5E8A7C21": (
            None,
            "no drift result: CloudFormation does not check this resource type for drift",
        ),
    }
    assert by_id["LogsBucket9C4D8843"].construct_path == "/TapStackdevSource/Logs/Bucket/Resource"
    assert (stack.checked, len(stack.resources), stack.drifted_resource_count, stack.polls) == (5, 8, 4, 2)


def test_partial_coverage_is_never_reported_in_sync(tmp_path, use_client, capsys):
    cfn, _ = stubbed(
        [detect(ROUTE53), status("status_route53_in_sync"), drifts("resource_drifts_route53_partial", ROUTE53)]
    )
    use_client(cfn)
    assert drift_command.run(parse(tmp_path, "--stack", ROUTE53)) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    stack = report["stacks"][0]
    assert (stack["verdict"], stack["detection"]["stack_drift_status"]) == ("PARTIAL", "IN_SYNC")
    assert {r["logical_id"] for r in stack["resources"] if r["status"] == "NOT_CHECKED"} == {"TargetRecord9F2B4D11"}
    assert {r["logical_id"] for r in stack["resources"] if r["status"] == "IN_SYNC"} == {
        "HostedZoneDB99F866",
        "SourceRecord5E1A3C22",
    }
    words = "PARTIAL coverage, no drift in the 2 checked: 1 of 3 resources not checked: AWS::Route53::RecordSet"
    assert stack["summary"] == words
    markdown = (tmp_path / "reports" / "drift.md").read_text()
    for text in (out, markdown, report["summary"]):
        assert "in sync" not in text.lower()
        assert "PARTIAL" in text
    assert words in out and words in markdown


def test_throttled_poll_is_retried_and_logged():
    log = RetryLog()
    cfn, stubber = stubbed(
        [detect(ROUTE53), status_in_progress_route53(), throttled_poll(ROUTE53_ID), *ROUTE53_IN_SYNC]
    )
    result = detector(cfn, log=log).detect([read_assembly(ASSEMBLY).stack(ROUTE53)])
    stubber.assert_no_pending_responses()
    assert (result.stacks[0].verdict, result.stacks[0].polls, result.exit_code) == (Verdict.IN_SYNC, 3, 0)
    assert [(r.operation, r.error_code, r.attempt, r.sleep) for r in log.records()] == [
        ("cloudformation.describe_stack_drift_detection_status", "Throttling", 2, 0.0)
    ]


class FakeClock:
    """Monotonic seconds that move only when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_deadline_stops_before_a_poll_would_start_past_it():
    clock = FakeClock()
    cfn, stubber = stubbed([detect(ROUTE53), *[status_in_progress_route53()] * 3])
    profile = PollProfile(interval=10.0, max_polls=100, deadline=30.0, throttling=THROTTLING.without_waits())
    result = detector(cfn, poll=profile, clock=clock, sleep=clock.sleep).detect(
        [read_assembly(ASSEMBLY).stack(ROUTE53)]
    )
    stubber.assert_no_pending_responses()
    stack = result.stacks[0]
    assert (stack.outcome, stack.verdict, stack.polls, clock.sleeps, result.exit_code) == (
        DetectionOutcome.TIMED_OUT,
        Verdict.UNKNOWN,
        3,
        [10.0, 10.0],
        3,
    )
    assert stack.status_reason == (
        f"drift detection {ROUTE53_ID} did not complete: still DETECTION_IN_PROGRESS "
        "after 3 polls over 20 s (limits: 100 polls, 30 s)"
    )
    assert {r.status for r in stack.resources} == {ResourceStatus.NOT_CHECKED}


def test_progress_says_elapsed_seconds_while_polling_then_the_stack_verdict():
    clock = FakeClock()
    cfn, _ = stubbed([detect(ROUTE53), *[status_in_progress_route53()] * 3])
    profile = PollProfile(interval=30.0, max_polls=100, deadline=70.0, throttling=THROTTLING.without_waits())
    out = io.StringIO()
    progress = Progress(file=out, clock=clock)
    detector(cfn, poll=profile, clock=clock, sleep=clock.sleep, progress=progress).detect(
        [read_assembly(ASSEMBLY).stack(ROUTE53)]
    )
    lines = out.getvalue().splitlines()
    assert lines[:2] == [
        f"drift (DetectStackDrift): waiting on {ROUTE53} (DETECTION_IN_PROGRESS, 0 s)",
        f"drift (DetectStackDrift): waiting on {ROUTE53} (DETECTION_IN_PROGRESS, 30 s)",
    ]
    assert lines[2].startswith(f"drift (DetectStackDrift): 1/1 {ROUTE53} (UNKNOWN, 0/")
    assert len(lines) == 3


UNAVAILABLE = [
    (
        "not-implemented-at-emulator",
        True,
        ("NotImplemented", "The action DetectStackDrift is not implemented", 501),
        "the embedded emulator has no drift detection (moto does not implement DetectStackDrift); run against AWS",
    ),
    (
        "invalid-action-elsewhere",
        False,
        ("InvalidAction", "Unknown action DetectStackDrift", 400),
        "DetectStackDrift is not available at http://localhost:4566: the operation is not supported there "
        "(InvalidAction: Unknown action DetectStackDrift)",
    ),
    (
        "access-denied",
        False,
        ("AccessDenied", "not authorized to perform: cloudformation:DetectStackDrift", 403),
        "DetectStackDrift was refused at http://localhost:4566 (AccessDenied: not authorized to perform: "
        "cloudformation:DetectStackDrift); the caller needs cloudformation:DetectStackDrift",
    ),
]


@pytest.mark.parametrize("emulator, failure, message", [c[1:] for c in UNAVAILABLE], ids=[c[0] for c in UNAVAILABLE])
def test_unavailable_detection_exits_3_with_a_plain_message(
    tmp_path, use_client, capsys, monkeypatch, emulator, failure, message
):
    code, text, http = failure
    cfn, _ = stubbed([error("detect_stack_drift", code, text, {"StackName": SOURCE}, http)])
    use_client(cfn)
    endpoint = "http://localhost:4566"
    record = tmp_path / "target.json"
    record.write_text(json.dumps({"target": "emulator", "endpoint_url": endpoint, "region": "us-east-1", "pid": 1}))
    args = (
        parse(tmp_path, "--emulator-record", str(record))
        if emulator
        else parse(tmp_path, "--aws-endpoint-url", endpoint)
    )
    assert drift_command.run(args) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"stackcheck drift: error: {message}")
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert report["unavailable"].startswith(message)
    assert report["verdict"] == "UNKNOWN"
    markdown = (tmp_path / "reports" / "drift.md").read_text().splitlines()
    # drift.md writes backticks as ' (as in its table cells), so a reason cannot open a code span
    paragraph = f"Could not detect drift: {report['unavailable']}.".replace("`", "'")
    assert (markdown[0], markdown[4]) == ("## Drift detection: UNKNOWN", paragraph)
    assert report["target"]["emulator"] is emulator
    assert {(s["stack"], s["verdict"], s["detection"]["outcome"]) for s in report["stacks"]} == {
        (SOURCE, "UNKNOWN", "UNAVAILABLE"),
        (ROUTE53, "UNKNOWN", "UNAVAILABLE"),
    }


def test_no_credentials_exits_3(tmp_path, monkeypatch, capsys):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert drift_command.run(parse(tmp_path, "--no-emulator")) == 3
    assert capsys.readouterr().err.startswith(
        "stackcheck drift: error: no AWS credentials found; configure credentials"
    )


def test_reports_hold_every_stack_resource_and_difference(tmp_path, use_client):
    cfn, _ = stubbed([detect(SOURCE), detect(ROUTE53), *SOURCE_DRIFTED, *ROUTE53_IN_SYNC])
    use_client(cfn)
    assert drift_command.run(parse(tmp_path)) == 1
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert report["summary"] == "drift found: 1 DRIFTED, 1 IN_SYNC of 2 stacks"
    assert report["totals"] == {
        "stacks": {"IN_SYNC": 1, "DRIFTED": 1, "PARTIAL": 0, "UNKNOWN": 0},
        "resources": {"IN_SYNC": 5, "MODIFIED": 2, "DELETED": 1, "NOT_CHECKED": 3},
        "differences": {"DRIFTED": 2, "ALLOWED": 2},
    }
    assert report["allowlist"]["unused"] == [
        {"entry": 3, "line": 8, "resource_type": "AWS::Route53::HostedZone", "property_path": "/HostedZoneTags/*"},
        {"entry": 4, "line": 11, "resource_type": "AWS::S3::Bucket", "property_path": "/BucketEncryption"},
    ]
    source = report["stacks"][0]
    assert (source["stack"], source["coverage"]) == (
        SOURCE,
        {
            "total": 8,
            "checked": 5,
            "not_checked": 3,
            "not_checked_types": {"AWS::DMS::Endpoint": 1, "AWS::DMS::ReplicationTask": 1, "AWS::ECS::Cluster": 1},
            "by_method": {"cloudformation": 5},
            "unchecked_properties": 0,
        },
    )
    database = next(r for r in source["resources"] if r["logical_id"] == "DatabaseInstanceAA8A5FDE")
    assert database["differences"] == [
        {
            "property_path": "/EngineVersion",
            "expected": "17.6",
            "actual": "17.7",
            "difference_type": "NOT_EQUAL",
            "status": "ALLOWED",
            "reason": "RDS applies minor engine upgrades itself (AutoMinorVersionUpgrade)",
            "allowlist_entry": f"{ALLOWLIST}:2",
        }
    ]
    assert (database["status"], database["reported_status"]) == ("IN_SYNC", "MODIFIED")

    junit = ET.parse(tmp_path / "reports" / "drift.xml").getroot()
    assert {k: junit.get(k) for k in ("tests", "failures", "skipped", "errors")} == {
        "tests": "11",
        "failures": "3",
        "skipped": "3",
        "errors": "0",
    }
    # the gate reads drift.xml back through the same library (junitparser) that wrote it
    counts = read_junit(tmp_path / "reports" / "drift.xml")
    assert (counts.tests, counts.failures, counts.skipped, counts.errors, counts.passed) == (11, 3, 3, 0, 5)
    suite = junit.find(f"testsuite[@name='{SOURCE}']")
    outcome = {}
    for case in suite.findall("testcase"):
        child = next(iter(case), None)
        outcome[case.get("name")] = (
            (child.tag, child.get("type") or child.get("message")) if child is not None else None
        )
    assert outcome == {
        "LogsBucket9C4D8843 (AWS::S3::Bucket)": ("failure", "MODIFIED"),
        "DatabaseInstanceAA8A5FDE (AWS::RDS::DBInstance)": ("system-out", None),
        "DatabaseSecurityGroup5C91FDCB (AWS::EC2::SecurityGroup)": ("failure", "MODIFIED"),
        "MonitoringTopicC2B8A2F1 (AWS::SNS::Topic)": ("failure", "DELETED"),
        "DataKey17AFBB84 (AWS::KMS::Key)": None,
        "MigrationEndpointD5BB316D (AWS::DMS::Endpoint)": (
            "skipped",
            "CloudFormation did not check it (NOT_CHECKED: "
            "the type does not support drift detection, or it was "
            "skipped in a rollback)",
        ),
        "WebCluster20B6B362 (AWS::ECS::Cluster)": (
            "skipped",
            "CloudFormation could not run drift detection on it (UNKNOWN)",
        ),
        "MigrationReplicationTask5E8A7C21 (AWS::DMS::ReplicationTask)": (
            "skipped",
            "no drift result: CloudFormation does not check this resource type for drift",
        ),
    }
    bucket = suite.find("testcase[@name='LogsBucket9C4D8843 (AWS::S3::Bucket)']/failure")
    assert (bucket.get("message"), bucket.text) == (
        "MODIFIED: /VersioningConfiguration/Status",
        "DRIFTED /VersioningConfiguration/Status NOT_EQUAL: expected 'Enabled', actual 'Suspended'",
    )
    assert junit.find(f"testsuite[@name='{ROUTE53}']").get("failures") == "0"

    markdown = (tmp_path / "reports" / "drift.md").read_text().splitlines()
    table = markdown[markdown.index("| stack | verdict | checked/total | modified | deleted | not checked |") :][:4]
    assert table[2:] == [f"| {SOURCE} | DRIFTED | 5/8 | 2 | 1 | 3 |", f"| {ROUTE53} | IN_SYNC | 3/3 | 0 | 0 | 0 |"]
    assert (
        f"| {SOURCE} | `DatabaseInstanceAA8A5FDE` | AWS::RDS::DBInstance | ALLOWED | `/EngineVersion` | NOT_EQUAL "
        "| 17.6 | 17.7 | RDS applies minor engine upgrades itself (AutoMinorVersionUpgrade) |"
    ) in markdown
    assert f"| {SOURCE} | `MonitoringTopicC2B8A2F1` | AWS::SNS::Topic | DELETED |  |  |  |  |  |" in markdown
    assert not list((tmp_path / "reports").glob(".*")), "no temporary files left behind"


# -- the allowlist ----------------------------------------------------------------------------


def write_allowlist(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drift-allowlist.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """\
- resource_type: AWS::IAM::Policy
  property_path: /PolicyDocument/Version
  reason: IAM normalizes the policy language version
"""

BAD_ALLOWLISTS = [
    (
        "short-reason",
        "- resource_type: AWS::IAM::Policy\n  property_path: /PolicyDocument\n  reason: short\n",
        ":1: entry 1 (AWS::IAM::Policy /PolicyDocument): reason is 5 characters; write at least 10",
    ),
    (
        "missing-path",
        "- resource_type: AWS::IAM::Policy\n  reason: IAM normalizes the document\n",
        ":1: entry 1 (AWS::IAM::Policy None): missing 'property_path'; add `property_path: /EngineVersion`",
    ),
    (
        "relative-path",
        "- resource_type: AWS::IAM::Policy\n  property_path: PolicyDocument\n  reason: long enough reason\n",
        "property_path must be a path as CloudFormation reports it, starting with '/'",
    ),
    (
        "inner-star",
        "- resource_type: AWS::IAM::Policy\n  property_path: /Statement/*/Action\n  reason: long enough reason\n",
        "property_path '/Statement/*/Action': '*' is allowed only as a trailing '/*'",
    ),
    (
        "whole-type",
        "- resource_type: AWS::IAM::Policy\n  property_path: /*\n  reason: long enough reason\n",
        "property_path '/*' would allow every property of the type",
    ),
    (
        "bad-type",
        "- resource_type: S3Bucket\n  property_path: /Tags\n  reason: long enough reason\n",
        "resource_type 'S3Bucket' is not a CloudFormation type like AWS::S3::Bucket",
    ),
    (
        "unknown-key",
        "- resource_type: AWS::S3::Bucket\n  property_path: /Tags\n  reason: long enough reason\n  owner: me\n",
        "unknown key(s) owner; allowed keys: resource_type, property_path, reason",
    ),
    ("duplicate", GOOD + GOOD, ":4: entry 2 (AWS::IAM::Policy /PolicyDocument/Version): duplicates entry 1"),
    ("not-a-list", "resource_type: AWS::S3::Bucket\n", "must be a YAML list of entries"),
    ("bad-yaml", "- resource_type: [AWS::S3::Bucket\n", "not valid YAML"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in BAD_ALLOWLISTS], ids=[c[0] for c in BAD_ALLOWLISTS])
def test_malformed_allowlist_is_bad_input_naming_file_and_entry(tmp_path, text, fragment):
    path = write_allowlist(tmp_path, text)
    with pytest.raises(BadInputError) as err:
        load_allowlist(path)
    assert str(path) in str(err.value) and fragment in str(err.value)
    assert err.value.exit_code == 2


def test_malformed_allowlist_exits_2_through_the_cli(tmp_path, capsys):
    path = write_allowlist(tmp_path, BAD_ALLOWLISTS[0][1])
    assert main(["drift", "--assembly", str(ASSEMBLY), "--allowlist", str(path), "--no-emulator"]) == 2
    assert f"{path}:1: entry 1 (AWS::IAM::Policy /PolicyDocument): reason is 5 characters" in capsys.readouterr().err


def test_missing_assembly_exits_2(tmp_path, capsys):
    assert main(["drift", "--assembly", str(tmp_path / "cdk.out"), "--allowlist", str(ALLOWLIST)]) == 2
    assert f"cloud assembly directory {tmp_path / 'cdk.out'} does not exist" in capsys.readouterr().err


def test_repository_allowlist_is_valid():
    path = Path(__file__).parents[3] / "policies" / "drift-allowlist.yaml"
    assert [(e.resource_type, e.property_path) for e in load_allowlist(path).entries] == [
        ("AWS::RDS::DBInstance", "/EngineVersion")
    ]


MATCHES = [
    ("/Tags", "/Tags", True),
    ("/Tags", "/Tags/0", False),
    ("/Tags/*", "/Tags/0/Value", True),
    ("/Tags/*", "/Tags", False),
    ("/Tags/*", "/TagsExtra/0", False),
    ("/PolicyDocument/Version", "/PolicyDocument/Version", True),
    ("/PolicyDocument/Version", "/PolicyDocument", False),
]


@pytest.mark.parametrize("entry_path, difference_path, expected", MATCHES)
def test_allowlist_entry_matches_exact_paths_and_trailing_star_subtrees(entry_path, difference_path, expected):
    entry = AllowlistEntry(
        index=1, line=1, resource_type="AWS::S3::Bucket", property_path=entry_path, reason="a long enough reason"
    )
    assert entry.matches("AWS::S3::Bucket", difference_path) is expected
    assert entry.matches("AWS::SNS::Topic", difference_path) is False


def test_exact_allowlist_entry_wins_over_a_subtree_entry():
    allowlist = Allowlist(
        entries=(
            AllowlistEntry(1, 1, "AWS::S3::Bucket", "/Tags/*", "tags are managed elsewhere"),
            AllowlistEntry(2, 4, "AWS::S3::Bucket", "/Tags/0/Value", "this tag is rewritten nightly"),
        )
    )
    assert allowlist.match("AWS::S3::Bucket", "/Tags/0/Value").index == 2
    assert allowlist.match("AWS::S3::Bucket", "/Tags/1/Value").index == 1


# -- the embedded emulator --------------------------------------------------------------------

TINY = {"Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "drift-tiny-alarms"}}}}


def tiny_assembly(root: Path) -> Path:
    root.mkdir()
    (root / "DriftTiny.template.json").write_text(json.dumps(TINY))
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "version": "48.0.0",
                "artifacts": {
                    "DriftTiny": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "DriftTiny.template.json"},
                    }
                },
            }
        )
    )
    return root


def run_on_plain_moto(tmp_path: Path, *argv: str) -> tuple[int, str]:
    """`stackcheck drift` on TINY deployed to a plain moto server (no DetectStackDrift): (exit code, endpoint)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto's backends live in this process: empty them so each test deploys afresh
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        cfn = boto3.client(
            "cloudformation",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        cfn.create_stack(StackName="DriftTiny", TemplateBody=json.dumps(TINY))
        assert cfn.describe_stacks(StackName="DriftTiny")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        record = tmp_path / "cfn-outputs" / "target.json"
        record.parent.mkdir()
        record.write_text(
            json.dumps({"target": "emulator", "endpoint_url": endpoint, "region": "us-east-1", "pid": os.getpid()})
        )
        code = main(
            [
                "drift",
                "--assembly",
                str(tiny_assembly(tmp_path / "cdk.out")),
                "--allowlist",
                str(ALLOWLIST),
                "--emulator-record",
                str(record),
                "--report-dir",
                str(tmp_path / "reports"),
                *argv,
            ]
        )
    finally:
        server.stop()
    return code, endpoint


def no_detection(endpoint: str) -> str:
    return (
        "the embedded emulator has no drift detection (moto does not implement "
        f"DetectStackDrift); run against AWS: `stackcheck drift --no-emulator` with credentials for the account "
        f"the stacks are deployed in (the emulator at {endpoint} answered DetectStackDrift with an HTML page "
        "(500 Internal Server Error), not a CloudFormation response)"
    )


@pytest.mark.emulator
def test_emulator_without_drift_detection_is_checked_by_the_live_template_diff(tmp_path, capsys):
    code, endpoint = run_on_plain_moto(tmp_path)
    captured = capsys.readouterr()
    assert code == 0
    # stderr holds only the progress of the live-template read (DetectStackDrift is not there to poll)
    assert captured.err == "drift (live template): 1/1 DriftTiny (5 API calls)\n"
    assert captured.out.splitlines()[-3:-1] == [
        f"(DetectStackDrift did not run: {no_detection(endpoint)}; live-template diff only)",
        "IN_SYNC: in sync: 1 stack, every resource checked, none drifted",
    ]
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert (report["verdict"], report["unavailable"], report["cloudformation_unavailable"]) == (
        "IN_SYNC",
        None,
        no_detection(endpoint),
    )
    (stack,) = report["stacks"]
    assert (stack["stack"], stack["verdict"], stack["methods"], stack["coverage"]["by_method"]) == (
        "DriftTiny",
        "IN_SYNC",
        ["live-template"],
        {"live-template": 1},
    )
    assert [(r["logical_id"], r["status"], r["method"], r["unchecked_properties"]) for r in stack["resources"]] == [
        ("AlarmTopic", "IN_SYNC", "live-template", [])
    ]
    assert (tmp_path / "reports" / "drift.md").read_text().splitlines()[0] == "## Drift detection: IN_SYNC"


@pytest.mark.emulator
def test_emulator_without_drift_detection_exits_3_plainly_with_cloudformation_only(tmp_path, capsys):
    code, endpoint = run_on_plain_moto(tmp_path, "--method", "cloudformation")
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err.startswith(f"stackcheck drift: error: {no_detection(endpoint)}")
    assert "\nUNKNOWN: could not detect drift: nothing was checked (the reason follows)\n" in captured.out
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert report["verdict"] == "UNKNOWN"
    assert (tmp_path / "reports" / "drift.md").read_text().splitlines()[0] == "## Drift detection: UNKNOWN"
    assert [(s["stack"], s["verdict"], s["coverage"]["not_checked"]) for s in report["stacks"]] == [
        ("DriftTiny", "UNKNOWN", 1)
    ]
