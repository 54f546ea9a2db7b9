"""The "slowest rules" sections of the console and Markdown reports: top five by CPU seconds, absent when nothing was timed."""

from __future__ import annotations

from stackcheck.report.console import render_console, slowest_rules_lines
from stackcheck.report.markdown import render_markdown
from stackcheck.scan.runner import RuleTiming, ScanResult, UnitResult

TOOLS = {"cfn-lint": {"version": "1", "reports_passes": False}, "checkov": {"version": "3", "reports_passes": True}}
TIMINGS = {"scan": 9.0, "scan.cfn-lint": 5.0, "rule.cfn-lint.E3002": 1.25, "rule.cfn-lint.E3062": 0.5,
           "rule.checkov.CKV_AWS_18": 0.75, "rule.checkov.CKV2_AWS_5": 0.0625, "rule.cfn-lint.W3011": 0.125,
           "rule.stackcheck-assembly.E9101": 0.0625}


def result(timings, cached=(False, False)):
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1, cached=c)
                  for tool, c in zip(("cfn-lint", "checkov"), cached))
    return ScanResult((), units, (), TOOLS, dict(timings))


def test_slowest_rules_are_the_top_five_slowest_first_ties_by_tool_then_id():
    assert result(TIMINGS).slowest_rules() == [
        RuleTiming("cfn-lint", "E3002", 1.25), RuleTiming("checkov", "CKV_AWS_18", 0.75),
        RuleTiming("cfn-lint", "E3062", 0.5), RuleTiming("cfn-lint", "W3011", 0.125),
        RuleTiming("checkov", "CKV2_AWS_5", 0.0625),
    ]


def test_console_lists_them_under_the_summary_table():
    lines = render_console(result(TIMINGS, cached=(False, True))).splitlines()
    start = lines.index("slowest rules (CPU seconds over the 1 scan that ran):")
    assert lines[start - 3:start] == ["", "n/a: cfn-lint reports only failures, so it has no pass count.", ""]
    assert lines[start - 4].startswith("Stack  checkov")
    assert lines[start + 1:start + 6] == [
        "  cfn-lint  E3002         1.250",
        "  checkov   CKV_AWS_18    0.750",
        "  cfn-lint  E3062         0.500",
        "  cfn-lint  W3011         0.125",
        "  checkov   CKV2_AWS_5    0.062",
    ]


def test_markdown_ends_with_the_table():
    text = render_markdown(result(TIMINGS))
    assert text.endswith(
        "### Slowest rules\n\n"
        "CPU seconds of each rule's own code over the 2 scans that ran (templates answered from the findings cache "
        "do not count).\n\n"
        "| rule | tool | seconds |\n| --- | --- | ---: |\n"
        "| `E3002` | cfn-lint | 1.250 |\n| `CKV_AWS_18` | checkov | 0.750 |\n| `E3062` | cfn-lint | 0.500 |\n"
        "| `W3011` | cfn-lint | 0.125 |\n| `CKV2_AWS_5` | checkov | 0.062 |\n"
    )


def test_no_section_when_no_rule_was_timed():
    untimed = result({"scan": 0.1}, cached=(True, True))
    assert slowest_rules_lines(untimed) == []
    assert not any(line.startswith("slowest rules") for line in render_console(untimed).splitlines())
    assert "Slowest rules" not in render_markdown(untimed)
