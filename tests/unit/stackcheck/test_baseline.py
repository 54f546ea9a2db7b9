"""Baselines: record, load (bad input named), compare (new/known/fixed), and `stackcheck scan --baseline` end to end."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from stackcheck.assembly import synthesize
from stackcheck.cli import main
from stackcheck.errors import BadInputError
from stackcheck.findings import Finding, Severity, Status, Suppression
from stackcheck.report.provenance import Commit
from stackcheck.scan.baseline import (
    SCHEMA,
    Baseline,
    BaselineEntry,
    baseline_from_result,
    compare,
    load_baseline,
    write_baseline,
)
from stackcheck.scan.runner import ScanResult

TOOLS = {
    "checkov": {"version": "3.3.30", "reports_passes": True},
    "cdk-nag": {"version": "2.38.2", "reports_passes": True},
}
SUPPRESSION = Suppression(reason="accepted for the fixture", owner="qa", expires=date(2099, 1, 1))
STAMP = "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4."


@pytest.fixture(autouse=True)
def fixed_stamp(monkeypatch):
    """scan.md's time and commit fixed, so its head can be compared exactly."""
    monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda: datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    monkeypatch.setattr("stackcheck.report.provenance.read_commit", lambda: Commit("1a2b3c4", False))


def make(rule, status=Status.FAILED, tool="checkov", name="Bucket", severity=Severity.ERROR, **kw):
    return Finding(
        rule_id=rule,
        severity=severity,
        tool=tool,
        stack="Stack",
        logical_id=name,
        construct_path=f"/Stack/{name}/Resource",
        template_file="cdk.out/Stack.template.json",
        line=3,
        message=f"{rule} message",
        status=status,
        **kw,
    )


def result(*findings):
    return ScanResult(tuple(findings), (), (), TOOLS)


def test_baseline_records_unsuppressed_failures_once_each_sorted():
    findings = [
        make("CKV_AWS_21", name="Zeta"),
        make("CKV_AWS_18"),
        make("CKV_AWS_18"),
        make("CKV_AWS_19", Status.PASSED),
        make("CKV_AWS_20", Status.SUPPRESSED, suppression=SUPPRESSION),
        make("stackcheck.scanner-error", Status.UNKNOWN),
        make("AwsSolutions-S1", tool="cdk-nag"),
    ]
    baseline = baseline_from_result(result(*findings), today=date(2026, 3, 1))
    assert baseline.to_dict() == {
        "schema": SCHEMA,
        "created": "2026-03-01",
        "tools": {"checkov": "3.3.30", "cdk-nag": "2.38.2"},
        "findings": [
            {
                "fingerprint": findings[6].fingerprint,
                "tool": "cdk-nag",
                "rule_id": "AwsSolutions-S1",
                "stack": "Stack",
                "construct_path": "/Stack/Bucket/Resource",
                "logical_id": "Bucket",
            },
            {
                "fingerprint": findings[1].fingerprint,
                "tool": "checkov",
                "rule_id": "CKV_AWS_18",
                "stack": "Stack",
                "construct_path": "/Stack/Bucket/Resource",
                "logical_id": "Bucket",
            },
            {
                "fingerprint": findings[0].fingerprint,
                "tool": "checkov",
                "rule_id": "CKV_AWS_21",
                "stack": "Stack",
                "construct_path": "/Stack/Zeta/Resource",
                "logical_id": "Zeta",
            },
        ],
    }


def test_written_baseline_loads_back(tmp_path):
    findings = result(make("CKV_AWS_18"), make("AwsSolutions-S1", tool="cdk-nag"))
    path = write_baseline(findings, tmp_path / "ci" / "baseline.json", today=date(2026, 3, 1))
    loaded = load_baseline(path)
    assert loaded == Baseline(
        "2026-03-01",
        {"checkov": "3.3.30", "cdk-nag": "2.38.2"},
        baseline_from_result(findings, date(2026, 3, 1)).entries,
        path,
    )
    assert [p.name for p in path.parent.iterdir()] == ["baseline.json"]


GOOD_ENTRY = {"fingerprint": "a" * 64, "tool": "checkov", "rule_id": "CKV_AWS_18", "stack": "Stack"}
BAD_FILES = [
    ("missing", None, "does not exist; record one with `stackcheck scan --write-baseline {path}`"),
    ("not-json", "{nope", "is not valid JSON (line 1, column 2: "),
    ("list", "[]", "is not a stackcheck.scan.baseline/1 baseline (schema: 'list')"),
    ("other-schema", json.dumps({"schema": "stackcheck.scan/1"}), "(schema: 'stackcheck.scan/1')"),
    (
        "no-findings",
        json.dumps({"schema": SCHEMA, "created": "2026-01-01", "tools": {}}),
        'needs "created" (date), "tools" (object) and "findings" (list)',
    ),
    (
        "bad-fingerprint",
        json.dumps(
            {
                "schema": SCHEMA,
                "created": "2026-01-01",
                "tools": {},
                "findings": [GOOD_ENTRY, {**GOOD_ENTRY, "fingerprint": "abc"}],
            }
        ),
        "finding 2 has fingerprint 'abc', not 64 hex digits",
    ),
    (
        "no-rule",
        json.dumps(
            {
                "schema": SCHEMA,
                "created": "2026-01-01",
                "tools": {},
                "findings": [{k: v for k, v in GOOD_ENTRY.items() if k != "rule_id"}],
            }
        ),
        "finding 1 has no 'rule_id'",
    ),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_baseline_file_is_bad_input_naming_the_file(tmp_path, case, text, message):
    path = tmp_path / "baseline.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(BadInputError) as err:
        load_baseline(path)
    assert str(err.value).startswith(f"baseline file {path}")
    assert message.format(path=path) in str(err.value)


def test_compare_splits_new_known_fixed_and_notes_tool_versions():
    known, fixed = make("CKV_AWS_18"), make("CKV_AWS_21", name="Gone")
    now_suppressed = make("CKV_AWS_20")
    new, crash = make("CKV_AWS_53"), make("stackcheck.scanner-error", Status.UNKNOWN, name="Crash")
    baseline = Baseline(
        "2026-01-01",
        {"checkov": "3.3.0"},
        tuple(BaselineEntry.from_finding(f) for f in (known, fixed, now_suppressed, crash)),
    )
    scanned = result(known, new, crash, now_suppressed.suppress(SUPPRESSION), make("CKV_AWS_19", Status.PASSED))
    comparison = compare(scanned, baseline)
    assert (comparison.new, comparison.known) == ((new, crash), (known,))
    assert comparison.fixed == (BaselineEntry.from_finding(fixed), BaselineEntry.from_finding(now_suppressed))
    assert comparison.tool_changes == {"checkov": ("3.3.0", "3.3.30")}
    assert comparison.exit_code == 1
    assert compare(result(known), baseline).exit_code == 0


# -- `stackcheck scan --baseline` on a tiny CDK app, synthesized with cdk-nag ----------------------

APP = """
import aws_cdk as cdk
from aws_cdk import aws_s3 as s3, aws_sns as sns

app = cdk.App()
stack = cdk.Stack(app, "Based")
s3.Bucket(stack, "Bucket")
if {topic}:
    sns.Topic(stack, "Topic")
app.synth()
"""
BUCKET, TOPIC = "/Based/Bucket/Resource", "/Based/Topic/Resource"
APP_FAILURES = {
    ("cdk-nag", "AwsSolutions-S1", BUCKET),
    ("cdk-nag", "AwsSolutions-S10", BUCKET),
    ("cdk-nag", "AwsSolutions-SNS3", TOPIC),
    *{
        ("checkov", rule, BUCKET)
        for rule in ("CKV_AWS_18", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56")
    },
    ("checkov", "CKV_AWS_26", TOPIC),
}


_PACK_RULE = re.compile(r"^([EWI]9\d{3}|CKV_TAP_\d+)$")


def stock(tool, rule_id):
    """True for a rule of the tool itself, not of the repository's policy pack (policies/), which evolves apart."""
    return tool != "stackcheck-assembly" and not _PACK_RULE.match(rule_id)


def write_app(root: Path, topic: bool = True) -> Path:
    (root / "baseapp").mkdir(parents=True, exist_ok=True)
    (root / "baseapp" / "__init__.py").write_text("")
    (root / "baseapp" / "main.py").write_text(APP.format(topic=topic))
    (root / "cdk.json").write_text(
        json.dumps(
            {
                "app": "python -m baseapp.main",
                "watch": {"include": ["baseapp/**/*.py", "cdk.json"]},
                "context": {"aws:cdk:version-reporting": False},
            }
        )
    )
    (root / "ledger.yaml").write_text("[]\n")
    return root


def run_scan(capsys, root: Path, *args: str) -> tuple[int, list[str], dict, str]:
    reports = root / "reports"
    code = main(
        [
            "scan",
            "--assembly",
            str(root / "cdk.out"),
            "--ledger",
            str(root / "ledger.yaml"),
            "--report-dir",
            str(reports),
            "--cache-dir",
            str(root / "cache"),
            *args,
        ]
    )
    out, _ = capsys.readouterr()
    return code, out.splitlines(), json.loads((reports / "scan.json").read_text()), (reports / "scan.md").read_text()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The tiny app synthesized and scanned once with --write-baseline; returns (app root, baseline path, exit code)."""
    root = write_app(tmp_path_factory.mktemp("based"))
    synthesize(root)
    baseline = root / "baseline.json"
    code = main(
        [
            "scan",
            "--assembly",
            str(root / "cdk.out"),
            "--ledger",
            str(root / "ledger.yaml"),
            "--report-dir",
            str(root / "reports"),
            "--cache-dir",
            str(root / "cache"),
            "--write-baseline",
            str(baseline),
        ]
    )
    return root, baseline, code


def test_written_baseline_records_every_failure_of_the_app(recorded):
    root, baseline, code = recorded
    assert code == 1  # no baseline given: every failure gates
    entries = load_baseline(baseline).entries
    assert {(e.tool, e.rule_id, e.construct_path) for e in entries if stock(e.tool, e.rule_id)} == APP_FAILURES
    failed = [
        f for f in json.loads((root / "reports" / "scan.json").read_text())["findings"] if f["status"] == "FAILED"
    ]
    assert sorted(e.fingerprint for e in entries) == sorted(f["fingerprint"] for f in failed)


def test_fresh_synthesis_checked_against_its_baseline_has_no_new_finding(recorded, capsys):
    root, baseline, _ = recorded
    assert synthesize(root, force=True).cached is False
    code, lines, report, markdown = run_scan(capsys, root, "--baseline", str(baseline))
    assert code == 0
    recorded_fingerprints = sorted(e.fingerprint for e in load_baseline(baseline).entries)
    assert (report["exit_code"], report["baseline"]["new"], report["baseline"]["fixed"]) == (0, [], [])
    assert sorted(report["baseline"]["known"]) == recorded_fingerprints
    assert (
        f"baseline {baseline} of {load_baseline(baseline).created}: 0 new, {len(recorded_fingerprints)} known, 0 fixed"
    ) in lines
    assert "PASSED against the baseline: 0 new unsuppressed findings" in lines
    assert markdown.startswith(
        f"## stackcheck scan: PASSED\n\n{STAMP}\n\n**0 new** · 0 fixed · 0 suppressed · 0 unknown"
    )
    sarif = json.loads((root / "reports" / "scan.sarif").read_text())
    states = [r.get("baselineState") for run in sarif["runs"] for r in run["results"]]
    assert states == ["unchanged"] * len(recorded_fingerprints)


def test_a_finding_missing_from_the_baseline_is_new_and_fails(recorded, capsys, tmp_path):
    root, baseline, _ = recorded
    data = json.loads(baseline.read_text())
    (dropped,) = [e for e in data["findings"] if e["rule_id"] == "AwsSolutions-S10"]
    data["findings"].remove(dropped)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(data))
    code, lines, report, markdown = run_scan(capsys, root, "--baseline", str(partial))
    assert code == 1
    assert report["baseline"]["new"] == [dropped["fingerprint"]]
    assert [line for line in lines if line.startswith("new: ")] == [
        f"new: AwsSolutions-S10  Based/Bucket83908E77 ({BUCKET})  {root / 'cdk.out' / 'Based.template.json'}:3  "
        "`Bucket83908E77`: The S3 Bucket or bucket policy does not require requests to use SSL."
    ]
    assert "FAILED against the baseline: 1 new unsuppressed finding" in lines
    assert markdown.startswith(
        f"## stackcheck scan: FAILED\n\n{STAMP}\n\n**1 new** · 0 fixed · 0 suppressed · 0 unknown"
    )


def test_findings_of_a_removed_resource_count_as_fixed(recorded, capsys, tmp_path):
    _, baseline, _ = recorded
    root = write_app(tmp_path, topic=False)
    synthesize(root)
    code, _lines, report, markdown = run_scan(capsys, root, "--baseline", str(baseline))
    assert code == 0
    fixed = {(e["tool"], e["rule_id"], e["construct_path"]) for e in report["baseline"]["fixed"]}
    assert {entry for entry in fixed if stock(*entry[:2])} == {
        ("cdk-nag", "AwsSolutions-SNS3", TOPIC),
        ("checkov", "CKV_AWS_26", TOPIC),
    }
    assert fixed == {
        (e.tool, e.rule_id, e.construct_path) for e in load_baseline(baseline).entries if e.construct_path == TOPIC
    }
    assert markdown.startswith(
        f"## stackcheck scan: PASSED\n\n{STAMP}\n\n**0 new** · {len(fixed)} fixed · 0 suppressed · 0 unknown"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "does not exist; record one with"),
        ("{}", "is not a stackcheck.scan.baseline/1 baseline"),
    ],
)
def test_bad_baseline_exits_2_naming_the_file_before_scanning(capsys, tmp_path, text, message):
    path = tmp_path / "baseline.json"
    if text is not None:
        path.write_text(text)
    assembly = Path(__file__).parents[2] / "data" / "templates" / "assembly"
    code = main(
        [
            "scan",
            "--assembly",
            str(assembly),
            "--ledger",
            str(write_app(tmp_path) / "ledger.yaml"),
            "--report-dir",
            str(tmp_path / "reports"),
            "--baseline",
            str(path),
        ]
    )
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(f"stackcheck scan: error: baseline file {path} {message}")
    assert not (tmp_path / "reports").exists()
