"""SARIF 2.1.0 report: schema-valid, one run per tool, rules, locations, suppressions, unknowns, baseline state."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from stackcheck.assembly.callsites import CALL_SITES_FILE
from stackcheck.findings import Finding, RuleDoc, Severity, Status
from stackcheck.report.sarif import DEFAULT_FIX, FINGERPRINT_KEY, SARIF_FILE, build_sarif, write_sarif
from stackcheck.scan.baseline import Baseline, BaselineEntry, compare
from stackcheck.scan.cdk_nag import HELP_URL
from stackcheck.scan.custom import pack_rules
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
    return result, build_sarif(result, root=ROOT, scanners=scanners, include_suppressed=True), scanners


def test_real_scan_log_is_valid_sarif_with_one_run_per_tool(real):
    _, log, _ = real
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
    result, log, _ = real
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
    checkov_help = "https://www.checkov.io/5.Policy%20Index/cloudformation.html"
    assert rules["CKV_AWS_18"] == {
        "id": "CKV_AWS_18",
        "shortDescription": {"text": "Ensure the S3 bucket has access logging enabled"},
        "fullDescription": {"text": "Ensure the S3 bucket has access logging enabled"},
        "help": {
            "text": f"Ensure the S3 bucket has access logging enabled\n\nFix: {DEFAULT_FIX}\n\n"
            f"Documentation: {checkov_help}",
            "markdown": f"**Ensure the S3 bucket has access logging enabled**\n\n**Fix:** {DEFAULT_FIX}\n\n"
            f"[Documentation]({checkov_help})",
        },
        "helpUri": checkov_help,
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "logging"], "security-severity": "7.0"},
    }
    e3045 = "Validate AccessControl are set with OwnershipControls"
    why = (
        "When using AccessControl other than private you must also configure OwnershipControls. "
        "The default is bucket owner enforced which disables ACLs."
    )
    assert (rules["E3045"]["shortDescription"], rules["E3045"]["fullDescription"], rules["E3045"]["properties"]) == (
        {"text": e3045},
        {"text": why},
        {"tags": ["security", "resources", "s3"], "security-severity": "7.0"},
    )
    assert rules["E3045"]["help"]["text"] == (
        f"{e3045}\n\n{why}\n\nFix: {DEFAULT_FIX}\n\nDocumentation: {rules['E3045']['helpUri']}"
    )
    assert (rules["W3045"]["defaultConfiguration"], rules["W3045"]["properties"]["security-severity"]) == (
        {"level": "warning"},
        "4.0",
    )
    located = {
        (
            res["ruleId"],
            res["kind"],
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
        ("E3045", "fail", "error", BAD_URI, "SRCROOT", 6, where),
        ("W3045", "fail", "warning", BAD_URI, "SRCROOT", 7, where),
        *{
            (rule, "fail", "error", BAD_URI, "SRCROOT", 4, where)
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
            assert "relatedLocations" not in res  # lone templates: no call sites, the template line is primary


def test_pack_rules_are_described_by_their_outcome_not_a_findings_message(real):
    _, log, scanners = real
    described = {
        (run["tool"]["driver"]["name"], r["id"]): r["shortDescription"]["text"]
        for run in log["runs"]
        for r in run["tool"]["driver"]["rules"]
        if not stock(run["tool"]["driver"]["name"], r["id"])
    }
    pack = {(rule.tool, rule.id): rule.outcome for rule in pack_rules(ROOT / "policies")}
    assert described and described == {key: pack[key] for key in described}
    cfn_lint, checkov = scanners[0], scanners[1]
    for scanner, rule in ((cfn_lint, "E9001"), (checkov, "CKV_TAP_1")):
        info = next(r for r in pack_rules(ROOT / "policies") if r.id == rule)
        assert (
            scanner.rule_doc(rule).outcome,
            scanner.rule_doc(rule).description,
            scanner.rule_doc(rule).help_url,
        ) == (
            info.outcome,
            info.description,
            info.source_url,
        )


def test_suppressed_findings_are_left_out_by_default_and_counted_per_run(real):
    result, full, scanners = real
    log = build_sarif(result, root=ROOT, scanners=scanners)
    assert_valid(log)
    assert [run["properties"] for run in log["runs"]] == [
        {"stackcheck/suppressed": 0},
        {"stackcheck/suppressed": 1},
        {"stackcheck/suppressed": 0},
    ]
    kept = [(r["ruleId"], r["properties"]["status"]) for run in full["runs"] for r in run["results"]]
    assert [(r["ruleId"], r["properties"]["status"]) for run in log["runs"] for r in run["results"]] == [
        k for k in kept if k != ("CKV_AWS_18", "SUPPRESSED")
    ]
    assert not any("suppressions" in r for run in log["runs"] for r in run["results"])
    assert "CKV_AWS_18" not in {r["id"] for run in log["runs"] for r in run["tool"]["driver"]["rules"]}
    # kept on request: every result of the run then has a suppressions array, empty when not suppressed
    assert {len(r["suppressions"]) for run in full["runs"] for r in run["results"] if r["ruleId"] != "CKV_AWS_18"} == {
        0
    }


def test_real_scan_suppression_is_external_with_the_ledger_reason_and_fingerprints_match(real):
    result, log, _ = real
    results = [res for run in log["runs"] for res in run["results"]]
    suppressed = [res for res in results if res["suppressions"]]
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


def test_unknown_is_open_at_level_none_never_a_fail_and_crashed_runs_are_unsuccessful():
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
        (r["ruleId"], r["kind"], r["level"], r["properties"]["status"], r["properties"].get("unknown"))
        for r in nag["results"]
    ] == [
        ("AwsSolutions-SNS3", "fail", "error", "FAILED", None),
        ("AwsSolutions-SNS2", "open", "none", "UNKNOWN", True),
    ]
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
    assert (crash["kind"], crash["level"], crash["locations"]) == (
        "open",
        "none",
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


def assembly_with_call_sites(tmp_path, sites):
    """``tmp_path/cdk.out`` holding a call-site record for the app folder ``tmp_path`` (one tracked-like infra/ file)."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "topics.py").write_text("# the app\n")
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / CALL_SITES_FILE).write_text(json.dumps({"format": 1, "root": "..", "sites": sites}))
    return tmp_path / "cdk.out"


def test_results_point_at_the_app_line_with_the_template_line_related(tmp_path):
    out = assembly_with_call_sites(tmp_path, {"Stack": ["infra/app.py", 3], "Stack/Topic": ["infra/topics.py", 14]})
    template = str(out / "Stack.template.json")
    findings = (
        nag_finding("AwsSolutions-SNS3", Status.FAILED, template_file=template),
        nag_finding(
            "AwsSolutions-SNS2", Status.FAILED, template_file=template, logical_id=None, construct_path=None, line=None
        ),
    )
    result = ScanResult(findings, (), (), {"cdk-nag": {"version": "2.38.2", "reports_passes": True}})
    log = build_sarif(result, root=tmp_path)
    assert_valid(log)
    topic, stack = log["runs"][0]["results"]
    assert (topic["locations"], topic["relatedLocations"]) == (
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "infra/topics.py", "uriBaseId": "SRCROOT"},
                    "region": {"startLine": 14},
                },
                "logicalLocations": [
                    {"fullyQualifiedName": "/Stack/Topic/Resource", "kind": "resource", "name": "TopicA1"}
                ],
            }
        ],
        [
            {
                "id": 0,
                "physicalLocation": {
                    "artifactLocation": {"uri": "cdk.out/Stack.template.json", "uriBaseId": "SRCROOT"},
                    "region": {"startLine": 12},
                },
                "message": {"text": "`TopicA1` in the synthesized template"},
            }
        ],
    )
    assert (stack["locations"], stack["relatedLocations"]) == (  # no construct: the stack's own line
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "infra/app.py", "uriBaseId": "SRCROOT"},
                    "region": {"startLine": 3},
                }
            }
        ],
        [
            {
                "id": 0,
                "physicalLocation": {
                    "artifactLocation": {"uri": "cdk.out/Stack.template.json", "uriBaseId": "SRCROOT"}
                },
                "message": {"text": "stack Stack in the synthesized template"},
            }
        ],
    )


def test_a_scanner_without_rule_docs_gives_its_description_and_the_worst_verdicts_severity():
    class Described:
        tool = "cdk-nag"

        def rule_description(self, rule_id):
            return {"AwsSolutions-SNS3": "The SNS topic does not require publishers to use SSL"}.get(rule_id)

    findings = (
        nag_finding("AwsSolutions-SNS3", Status.FAILED, Severity.WARNING),
        nag_finding("AwsSolutions-SNS3", Status.UNKNOWN, Severity.ERROR, logical_id="B", construct_path="/Stack/B"),
        nag_finding("AwsSolutions-SNS2", Status.UNKNOWN, Severity.INFO, help_url=None),
    )
    result = ScanResult(findings, (), (), {"cdk-nag": {"version": "2.38.2", "reports_passes": True}})
    log = build_sarif(result, root=ROOT, scanners=[Described()])
    assert_valid(log)
    sns3, sns2 = log["runs"][0]["tool"]["driver"]["rules"]
    assert (
        sns3["shortDescription"],
        sns3["fullDescription"],
        sns3["defaultConfiguration"],
        sns3["properties"],
        sns3["helpUri"],
    ) == (
        {"text": "The SNS topic does not require publishers to use SSL"},
        {"text": "The SNS topic does not require publishers to use SSL"},
        {"level": "warning"},  # the FAILED verdict's severity; an UNKNOWN's is no verdict
        {"tags": ["security"], "security-severity": "4.0"},
        HELP_URL,
    )
    assert (sns2["shortDescription"], sns2["properties"]["security-severity"], "helpUri" in sns2) == (
        {"text": "`TopicA1`: AwsSolutions-SNS2 says so."},
        "1.0",
        False,
    )


def test_rule_docs_travel_through_the_scanner_registry():
    from stackcheck.scan.loading import DeferredScanner, describe_scanner

    doc = RuleDoc(
        rule_id="E9001",
        outcome="Ensure one port",
        description="why",
        help_url="https://docs.aws.amazon.com/x",
        tags=("ecs",),
        severity=Severity.ERROR,
        fix="use the container port",
    )

    class Documented:
        tool, version, reports_passes = "cfn-lint", "1.0", False

        def rule_ids(self):
            return frozenset({"E9001", "E1"})

        def rule_doc(self, rule_id):
            return doc if rule_id == "E9001" else None

    info = json.loads(json.dumps(describe_scanner(Documented())))
    assert info["docs"] == {"E9001": doc.to_dict()}
    deferred = DeferredScanner("cfn-lint", Documented, info)
    assert (deferred.rule_doc("E9001"), deferred.rule_doc("E1")) == (doc, None)
    with pytest.raises(ValueError, match="malformed rule documentation"):
        DeferredScanner("cfn-lint", Documented, {**info, "docs": {"E9001": {"outcome": "no id"}}})
    finding = nag_finding("E9001", Status.FAILED, tool="cfn-lint")
    log = build_sarif(ScanResult((finding,), (), (), {"cfn-lint": {"version": "1.0"}}), root=ROOT, scanners=[deferred])
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["help"] == {
        "text": "Ensure one port\n\nwhy\n\nFix: use the container port\n\nDocumentation: https://docs.aws.amazon.com/x",
        "markdown": "**Ensure one port**\n\nwhy\n\n**Fix:** use the container port\n\n"
        "[Documentation](https://docs.aws.amazon.com/x)",
    }
    assert rule["properties"] == {"tags": ["security", "ecs"], "security-severity": "7.0"}
