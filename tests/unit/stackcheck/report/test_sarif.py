"""SARIF 2.1.0 report: schema-valid, one run per tool, rules, locations, suppressions, unknowns, baseline state."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.report.sarif import FINGERPRINT_KEY, SARIF_FILE, build_sarif, write_sarif
from stackcheck.scan.baseline import Baseline, BaselineEntry, compare
from stackcheck.scan.cdk_nag import HELP_URL
from stackcheck.scan.runner import ScanResult, UnitResult, contexts_from_files, load_scanners, scan
from stackcheck.suppressions import load_ledger

ROOT = Path(__file__).parents[4]
TEMPLATES = ROOT / "tests" / "data" / "templates"
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
BAD_URI = "tests/data/templates/s3_public_unencrypted.yaml"
_PACK_RULE = re.compile(r"^([EWI]9\d{3}|CKV_TAP_\d+)$")


def stock(tool, rule_id):
    """True for a rule of the tool itself, not of the repository's policy pack (policies/), which evolves apart."""
    return tool != "stackcheck-assembly" and not _PACK_RULE.match(rule_id)


def assert_valid(log):
    __tracebackhide__ = True
    jsonschema.Draft4Validator(SCHEMA).validate(log)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A real cfn-lint + checkov scan of two small templates, CKV_AWS_18 suppressed by a ledger entry."""
    scanners = load_scanners()
    ledger_file = tmp_path_factory.mktemp("ledger") / "suppressions.yaml"
    ledger_file.write_text(
        textwrap.dedent("""\
        - rule: CKV_AWS_18
          target: s3_public_unencrypted/PublicBucket
          reason: fixture bucket; access logs are not wanted here
          owner: qa-team
          expires: 2099-12-31
        """)
    )
    ledger = load_ledger(ledger_file, frozenset().union(*(s.rule_ids() for s in scanners)))
    contexts = contexts_from_files([TEMPLATES / "s3_public_unencrypted.yaml", TEMPLATES / "s3_private_encrypted.yaml"])
    result = scan(contexts, scanners, ledger, today=date(2026, 1, 1))
    return result, build_sarif(result, root=ROOT, scanners=scanners)


def test_real_scan_log_is_valid_sarif_with_one_run_per_tool(real):
    _, log = real
    assert_valid(log)
    assert log["version"] == "2.1.0"
    drivers = [run["tool"]["driver"] for run in log["runs"]]
    assert [(d["name"], d.get("informationUri")) for d in drivers] == [
        ("cfn-lint", "https://github.com/aws-cloudformation/cfn-lint"),
        ("checkov", "https://www.checkov.io/"),
        ("stackcheck-assembly", None),
    ]  # the policy pack's assembly rules: a tool of their own, a run of its own
    assert all(d["version"] for d in drivers)
    assert [run["originalUriBaseIds"] for run in log["runs"]] == [
        {"SRCROOT": {"uri": ROOT.resolve().as_uri() + "/"}}
    ] * 3


def test_real_scan_rules_and_results_are_exact(real):
    result, log = real
    cfn_lint, checkov, _ = log["runs"]
    assert {r["id"] for r in cfn_lint["tool"]["driver"]["rules"] if stock("cfn-lint", r["id"])} == {"E3045", "W3045"}
    assert {r["id"] for r in checkov["tool"]["driver"]["rules"] if stock("checkov", r["id"])} == {
        "CKV_AWS_18",
        "CKV_AWS_20",
        "CKV_AWS_21",
        "CKV_AWS_53",
        "CKV_AWS_54",
        "CKV_AWS_55",
        "CKV_AWS_56",
    }
    assert {
        (run["tool"]["driver"]["name"], r["id"]) for run in log["runs"] for r in run["tool"]["driver"]["rules"]
    } == {(f.tool, f.rule_id) for f in result.findings if f.status is not Status.PASSED}
    rules = {r["id"]: r for run in log["runs"] for r in run["tool"]["driver"]["rules"]}
    assert (
        rules["E3045"]["helpUri"] == "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html"
    )
    assert rules["CKV_AWS_18"] == {
        "id": "CKV_AWS_18",
        "shortDescription": {"text": "Ensure the S3 bucket has access logging enabled"},
        "helpUri": "https://www.checkov.io/5.Policy%20Index/cloudformation.html",
    }
    located = {
        (
            res["ruleId"],
            res["level"],
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
            loc["physicalLocation"]["region"]["startLine"],
            tuple((ll["fullyQualifiedName"], ll["kind"], ll["name"]) for ll in loc["logicalLocations"]),
        )
        for run in log["runs"]
        for res in run["results"]
        for loc in res["locations"]
        if stock(run["tool"]["driver"]["name"], res["ruleId"])
    }
    where = (("s3_public_unencrypted/PublicBucket", "resource", "PublicBucket"),)
    assert located == {
        ("E3045", "error", BAD_URI, "SRCROOT", 6, where),
        ("W3045", "warning", BAD_URI, "SRCROOT", 7, where),
        *{
            (rule, "error", BAD_URI, "SRCROOT", 4, where)
            for rule in (
                "CKV_AWS_18",
                "CKV_AWS_20",
                "CKV_AWS_21",
                "CKV_AWS_53",
                "CKV_AWS_54",
                "CKV_AWS_55",
                "CKV_AWS_56",
            )
        },
    }
    for run in log["runs"]:
        for res in run["results"]:
            assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_real_scan_suppression_is_external_with_the_ledger_reason_and_fingerprints_match(real):
    result, log = real
    results = [res for run in log["runs"] for res in run["results"]]
    suppressed = [res for res in results if "suppressions" in res]
    assert [(res["ruleId"], res["suppressions"]) for res in suppressed] == [
        (
            "CKV_AWS_18",
            [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": "fixture bucket; access logs are not wanted here",
                    "properties": {
                        "owner": "qa-team",
                        "expires": "2099-12-31",
                        "source": suppressed[0]["suppressions"][0]["properties"]["source"],
                    },
                }
            ],
        )
    ]
    reported = {
        (f.fingerprint, f.rule_id, f.status.value, f.line) for f in result.findings if f.status is not Status.PASSED
    }
    assert {
        (
            res["partialFingerprints"][FINGERPRINT_KEY],
            res["ruleId"],
            res["properties"]["status"],
            res["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
        )
        for res in results
    } == reported
    assert len(results) == len(reported)
    assert all("baselineState" not in res for res in results)


def nag_finding(rule, status, severity=Severity.ERROR, **kw):
    values = {
        "rule_id": rule,
        "severity": severity,
        "tool": "cdk-nag",
        "stack": "Stack",
        "logical_id": "TopicA1",
        "resource_type": "AWS::SNS::Topic",
        "construct_path": "/Stack/Topic/Resource",
        "template_file": str(ROOT / "cdk.out" / "Stack.template.json"),
        "line": 12,
        "message": f"`TopicA1`: {rule} says so.",
        "status": status,
        "help_url": HELP_URL,
    }
    values.update(kw)
    return Finding(**values)


def test_unknown_is_a_note_saying_unknown_and_crashed_runs_are_unsuccessful():
    findings = (
        nag_finding("AwsSolutions-SNS3", Status.FAILED),
        nag_finding("AwsSolutions-SNS2", Status.UNKNOWN, Severity.WARNING),
        nag_finding("AwsSolutions-SNS2", Status.PASSED, logical_id="Other", construct_path="/Stack/Other/Resource"),
        Finding(
            rule_id="stackcheck.scanner-error",
            severity=Severity.ERROR,
            tool="custom",
            stack="Stack",
            message="custom crashed",
            status=Status.UNKNOWN,
            template_file="/elsewhere/Stack.template.json",
        ),
    )
    units = (
        UnitResult("cdk-nag", "Stack", "cdk.out/Stack.template.json", findings[:3], 0.1),
        UnitResult("custom", "Stack", "/elsewhere/Stack.template.json", findings[3:], 0.1, crashed=True),
    )
    tools = {
        "cdk-nag": {"version": "2.38.2", "reports_passes": True},
        "custom": {"version": "0.1", "reports_passes": True},
    }
    log = build_sarif(ScanResult(findings, units, (), tools), root=ROOT)
    assert_valid(log)
    nag, custom = log["runs"]
    assert (nag["tool"]["driver"]["informationUri"], nag["invocations"], custom["invocations"]) == (
        "https://github.com/cdklabs/cdk-nag",
        [{"executionSuccessful": True}],
        [{"executionSuccessful": False}],
    )
    assert "informationUri" not in custom["tool"]["driver"]
    assert [
        (r["ruleId"], r["level"], r["properties"]["status"], r["properties"].get("unknown")) for r in nag["results"]
    ] == [("AwsSolutions-SNS3", "error", "FAILED", None), ("AwsSolutions-SNS2", "note", "UNKNOWN", True)]
    assert nag["results"][0]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "cdk.out/Stack.template.json", "uriBaseId": "SRCROOT"},
                "region": {"startLine": 12},
            },
            "logicalLocations": [
                {"fullyQualifiedName": "/Stack/Topic/Resource", "kind": "resource", "name": "TopicA1"}
            ],
        }
    ]
    assert [r["helpUri"] for r in nag["tool"]["driver"]["rules"]] == [HELP_URL, HELP_URL]
    (crash,) = custom["results"]
    assert (crash["level"], crash["locations"]) == (
        "note",
        [{"physicalLocation": {"artifactLocation": {"uri": "file:///elsewhere/Stack.template.json"}}}],
    )


def test_baseline_state_marks_new_and_unchanged_failures_and_the_file_is_written(tmp_path):
    old, fresh = nag_finding("AwsSolutions-SNS3", Status.FAILED), nag_finding("AwsSolutions-SNS2", Status.FAILED)
    result = ScanResult((old, fresh), (), (), {"cdk-nag": {"version": "2.38.2", "reports_passes": True}})
    comparison = compare(result, Baseline("2026-01-01", {}, (BaselineEntry.from_finding(old),)))
    path = write_sarif(result, tmp_path / "reports", root=ROOT, comparison=comparison)
    assert path == tmp_path / "reports" / SARIF_FILE
    log = json.loads(path.read_text())
    assert_valid(log)
    assert [(r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"]] == [
        ("AwsSolutions-SNS3", "unchanged"),
        ("AwsSolutions-SNS2", "new"),
    ]
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [SARIF_FILE]
