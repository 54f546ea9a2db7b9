"""`stackcheck gate` on small real apps: gate.md is written by every run, says which stage stopped it and why, and is never stale."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from stackcheck.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

APP = """
import aws_cdk as cdk
from aws_cdk import aws_s3 as s3, aws_ssm as ssm

app = cdk.App()
stack = cdk.Stack(app, "GateApp")
ssm.StringParameter(stack, "Setting", string_value="on", parameter_name="/gate/setting")
if app.node.try_get_context("withBucket"):
    s3.Bucket(stack, "Logs")
cdk.CfnOutput(stack, "SettingName", value="/gate/setting")
app.synth()
"""

FAILING_CHECK = """
def test_setting_is_off(stack_outputs, aws_client):
    value = aws_client("ssm").get_parameter(Name=stack_outputs["SettingName"])["Parameter"]["Value"]
    assert value == "off", "the setting must be off"
"""


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A one-stack app in ``tmp_path`` (the working directory), a stale PASSED gate.md, an empty ledger."""
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py", "context": {}}))
    (tmp_path / "ledger.yaml").write_text("[]\n")
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_setting.py").write_text(textwrap.dedent(FAILING_CHECK))
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "gate.md").write_text("## Gate: PASSED\n")
    monkeypatch.chdir(tmp_path)

    def gate(*extra: str) -> tuple[int, str]:
        code = main(
            ["gate", "--checks", "checks", "--scan-arg=--no-policies", "--scan-arg=--ledger=ledger.yaml", *extra]
        )
        return code, (tmp_path / "reports" / "gate.md").read_text()

    return gate


def stage_rows(text: str) -> list[tuple[str, str]]:
    rows = [line.split("|")[1:3] for line in text.splitlines() if line.startswith("| ") and "| ---" not in line]
    return [(name.strip(), result.strip()) for name, result in rows if name.strip() != "stage"][:6]


def test_a_failing_check_is_named_with_its_reason_and_the_emulator_is_torn_down(app, tmp_path, capsys):
    code, text = app()
    assert code == 1
    assert text.splitlines()[0] == "## Gate: FAILED"
    assert stage_rows(text) == [
        ("synth", "PASSED"),
        ("scan", "PASSED"),
        ("deploy", "PASSED"),
        ("checks", "FAILED"),
        ("out-of-band", "NOT RUN"),
        ("teardown", "PASSED"),
    ]
    assert (
        "### checks: FAILED\n\n- checks.test_setting::test_setting_is_off: AssertionError: the setting must be off"
        in text
    )
    assert not (tmp_path / "cfn-outputs" / "target.json").exists()
    (started,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("emulator started at ")]
    assert started.endswith("; record cfn-outputs/target.json, log cfn-outputs/emulator.log")


def test_a_failing_scan_stops_the_run_before_deploying(app, tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py", "context": {"withBucket": True}}))
    code, text = app()
    assert code == 1
    assert stage_rows(text) == [
        ("synth", "PASSED"),
        ("scan", "PASSED" if False else "FAILED"),
        ("deploy", "NOT RUN"),
        ("checks", "NOT RUN"),
        ("out-of-band", "NOT RUN"),
        ("teardown", "NOT RUN"),
    ]
    reasons = text.split("### scan: FAILED\n\n")[1].split("\n\n")[0].splitlines()
    assert 1 <= len(reasons) <= 5
    assert all(line.startswith("- `") and "/GateApp/Logs/Resource: " in line for line in reasons)


def test_a_failing_synthesis_still_writes_gate_md(app, tmp_path):
    (tmp_path / "app.py").write_text("raise SystemExit('no app today')\n")
    code, text = app()
    assert code == 2
    assert stage_rows(text)[0] == ("synth", "FAILED")
    assert {result for _, result in stage_rows(text)[1:]} == {"NOT RUN"}
    assert "exited with" in text.split("### synth: FAILED")[1]
