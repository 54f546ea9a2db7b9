"""Console report: summary table and its n/a legend, ledger warnings, one line per unsuppressed failure, verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stackcheck.findings import Finding, Severity, Status, Suppression
from stackcheck.report.console import failure_line, render_console
from stackcheck.report.markdown import render_markdown
from stackcheck.report.provenance import Commit
from stackcheck.scan.runner import ScanResult, UnitResult
from stackcheck.suppressions import LedgerWarning

TOOLS = {"cfn-lint": {"version": "1", "reports_passes": False}, "checkov": {"version": "3", "reports_passes": True}}


def make(rule, tool, status, logical_id="Bucket", construct_path=None, line=4, severity=Severity.ERROR, **kw):
    return Finding(
        rule_id=rule,
        severity=severity,
        tool=tool,
        stack="Stack",
        logical_id=logical_id,
        construct_path=construct_path,
        template_file="cdk.out/Stack.template.json",
        line=line,
        message=f"{rule} message",
        status=status,
        **kw,
    )


def result(findings, warnings=()):
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1) for tool in ("cfn-lint", "checkov"))
    return ScanResult(tuple(findings), units, tuple(warnings), TOOLS)


def test_failure_line_format():
    assert failure_line(make("CKV_AWS_18", "checkov", Status.FAILED, construct_path="/Stack/Logs/Resource")) == (
        "CKV_AWS_18  Stack/Bucket (/Stack/Logs/Resource)  cdk.out/Stack.template.json:4  CKV_AWS_18 message"
    )
    assert failure_line(make("W2001", "cfn-lint", Status.FAILED, logical_id=None, line=None)) == (
        "W2001  Stack  cdk.out/Stack.template.json  W2001 message"
    )


def test_render_console_table_warnings_failures_and_verdict():
    suppression = Suppression(reason="r" * 10, owner="o", expires=date(2099, 1, 1))
    findings = [
        make("E3045", "cfn-lint", Status.FAILED, line=6),
        make("CKV_AWS_19", "checkov", Status.PASSED),
        make("CKV_AWS_21", "checkov", Status.PASSED),
        make("CKV_AWS_18", "checkov", Status.SUPPRESSED, suppression=suppression),
        make("stackcheck.scanner-error", "checkov", Status.UNKNOWN, logical_id=None, line=None),
        make("CKV_AWS_1", "checkov", Status.UNKNOWN, severity=Severity.WARNING),
    ]
    warning = LedgerWarning(
        "stale", 2, 7, "E3045", "Other", "ledger.yaml:7: entry 2 (rule E3045 on Other) matches no failed finding"
    )
    assert render_console(result(findings, [warning])).splitlines() == [
        "stack  tool      passed  failed  suppressed  unknown",
        "-----  --------  ------  ------  ----------  -------",
        "Stack  cfn-lint     n/a       1           0        0",
        "Stack  checkov        2       0           1        2",
        "",
        "n/a: cfn-lint reports only failures, so it has no pass count.",
        "",
        "ledger stale: ledger.yaml:7: entry 2 (rule E3045 on Other) matches no failed finding",
        "",
        "E3045  Stack/Bucket  cdk.out/Stack.template.json:6  E3045 message",
        "stackcheck.scanner-error  Stack  cdk.out/Stack.template.json  stackcheck.scanner-error message",
        "",
        "FAILED: 2 unsuppressed findings (1 suppressed)",
    ]


def test_render_console_clean():
    assert render_console(result([make("CKV_AWS_19", "checkov", Status.PASSED)])).splitlines()[-1] == (
        "PASSED: no unsuppressed finding (0 suppressed)"
    )


NO_PASS_CASES = [
    (
        "one-tool-without-passes",
        {"cfn-lint": False, "checkov": True},
        [
            "Stack  cfn-lint     n/a       1           0        0",
            "Stack  checkov        1       0           0        0",
            "",
            "n/a: cfn-lint reports only failures, so it has no pass count.",
            "",
        ],
    ),
    (
        "two-tools-without-passes",
        {"cfn-lint": False, "checkov": False},
        [
            "Stack  cfn-lint     n/a       1           0        0",
            "Stack  checkov      n/a       0           0        0",
            "",
            "n/a: cfn-lint and checkov report only failures, so they have no pass count.",
            "",
        ],
    ),
    (
        "every-tool-reports-passes",
        {"cfn-lint": True, "checkov": True},
        [
            "Stack  cfn-lint       0       1           0        0",
            "Stack  checkov        1       0           0        0",
            "",
        ],
    ),
]


@pytest.mark.parametrize("passes, rows", [c[1:] for c in NO_PASS_CASES], ids=[c[0] for c in NO_PASS_CASES])
def test_na_passed_is_explained_under_the_table_only_when_shown(passes, rows):
    tools = {name: {"version": "1", "reports_passes": reports} for name, reports in passes.items()}
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1) for tool in tools)
    findings = (make("E3045", "cfn-lint", Status.FAILED), make("CKV_AWS_19", "checkov", Status.PASSED))
    lines = render_console(ScanResult(findings, units, (), tools)).splitlines()
    assert lines[2 : lines.index("E3045  Stack/Bucket  cdk.out/Stack.template.json:4  E3045 message")] == rows


def test_console_and_markdown_explain_n_a_in_the_same_words():
    """One wording, from one place (``no_pass_legend``): scan.md escapes the names, the console does not."""
    tools = {"cfn-lint": TOOLS["cfn-lint"], "a|b": TOOLS["cfn-lint"]}
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1) for tool in tools)
    scan = ScanResult((make("E3045", "cfn-lint", Status.FAILED),), units, (), tools)
    markdown = render_markdown(scan, now=datetime(2026, 3, 4, tzinfo=UTC), commit=Commit("1a2b3c4"))
    assert (
        "n/a: cfn-lint and a|b report only failures, so they have no pass count." in render_console(scan).splitlines()
    )
    assert "n/a: cfn-lint and a\\|b report only failures, so they have no pass count." in markdown.splitlines()
