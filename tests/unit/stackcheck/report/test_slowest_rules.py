"""The "slowest rules" sections of the console and Markdown reports: top five by CPU seconds, with one caption
(``slowest_rules_caption``) saying which scan units the timings cover, or why there are none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stackcheck.report.console import cache_line, cache_use, render_console, slowest_rules_caption, slowest_rules_lines
from stackcheck.report.markdown import render_markdown
from stackcheck.report.provenance import Commit
from stackcheck.scan.runner import RuleTiming, ScanResult, UnitResult

TOOLS = {
    "cfn-lint": {"version": "1", "reports_passes": False},
    "checkov": {"version": "3", "reports_passes": True},
    "cdk|nag": {"version": "2", "reports_passes": True},
}
TIMINGS = {
    "scan": 9.0,
    "scan.cfn-lint": 5.0,
    "rule.cfn-lint.E3002": 1.25,
    "rule.cfn-lint.E3062": 0.5,
    "rule.checkov.CKV_AWS_18": 0.75,
    "rule.checkov.CKV2_AWS_5": 0.0625,
    "rule.cfn-lint.W3011": 0.125,
    "rule.stackcheck-assembly.E9101": 0.0625,
}
UNTIMED = {"scan": 0.1}


def result(timings, cached=(False, False), tools=("cfn-lint", "checkov")):
    units = tuple(
        UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.0 if c else 0.1, cached=c)
        for tool, c in zip(tools, cached, strict=False)
    )
    return ScanResult((), units, (), TOOLS, dict(timings))


def markdown(scan):
    return render_markdown(scan, now=datetime(2026, 3, 4, tzinfo=UTC), commit=Commit("1a2b3c4"))


ROWS = [
    "  cfn-lint  E3002         1.250",
    "  checkov   CKV_AWS_18    0.750",
    "  cfn-lint  E3062         0.500",
    "  cfn-lint  W3011         0.125",
    "  checkov   CKV2_AWS_5    0.062",
]
TABLE = (
    "| rule | tool | seconds |\n| --- | --- | ---: |\n"
    "| `E3002` | cfn-lint | 1.250 |\n| `CKV_AWS_18` | checkov | 0.750 |\n| `E3062` | cfn-lint | 0.500 |\n"
    "| `W3011` | cfn-lint | 0.125 |\n| `CKV2_AWS_5` | checkov | 0.062 |\n"
)


def test_slowest_rules_are_the_top_five_slowest_first_ties_by_tool_then_id():
    assert result(TIMINGS).slowest_rules() == [
        RuleTiming("cfn-lint", "E3002", 1.25),
        RuleTiming("checkov", "CKV_AWS_18", 0.75),
        RuleTiming("cfn-lint", "E3062", 0.5),
        RuleTiming("cfn-lint", "W3011", 0.125),
        RuleTiming("checkov", "CKV2_AWS_5", 0.0625),
    ]


CASES = [
    # id, timings, cached, tools, caption (None: no section in either report)
    (
        "every-unit-ran",
        TIMINGS,
        (False, False),
        ("cfn-lint", "checkov"),
        "CPU seconds of each rule's own code, timings of the 2 scan units that ran (none came from the findings cache).",
    ),
    (
        "some-units-from-the-cache",
        TIMINGS,
        (False, True, True),
        ("cfn-lint", "checkov", "cdk|nag"),
        "CPU seconds of each rule's own code, timings of the 1 of 3 scan units that ran (2 came from the findings cache).",
    ),
    (
        "every-unit-from-the-cache",
        UNTIMED,
        (True, True, True),
        ("cfn-lint", "checkov", "cdk|nag"),
        "none ran in this scan; all 3 scan units came from the findings cache (timings are recorded when the scanners "
        "run).",
    ),
    (
        "the-only-unit-from-the-cache",
        UNTIMED,
        (True,),
        ("cfn-lint",),
        "none ran in this scan; the 1 scan unit came from the findings cache (timings are recorded when the scanners run).",
    ),
    (
        "only-untimed-units-ran",
        UNTIMED,
        (True, True, False),
        ("cfn-lint", "checkov", "cdk|nag"),
        "none timed in this scan; the 1 of 3 scan units that ran (cdk|nag) record no per-rule timings and the other 2 "
        "came from the findings cache.",
    ),
    ("nothing-timed-nothing-cached", UNTIMED, (False, False), ("cfn-lint", "checkov"), None),
]


@pytest.mark.parametrize("timings, cached, tools, caption", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_caption_says_which_scan_units_the_timings_cover(timings, cached, tools, caption):
    assert slowest_rules_caption(result(timings, cached, tools)) == caption


def test_console_lists_them_under_the_summary_table_with_the_caption():
    lines = render_console(result(TIMINGS, cached=(False, True))).splitlines()
    start = lines.index(
        "slowest rules: CPU seconds of each rule's own code, timings of the 1 of 2 scan units that ran "
        "(1 came from the findings cache)."
    )
    assert lines[start - 3 : start] == ["", "n/a: cfn-lint reports only failures, so it has no pass count.", ""]
    assert lines[start - 4].startswith("Stack  checkov")
    assert lines[start + 1 : start + 7] == [*ROWS, ""]


def test_markdown_ends_with_the_caption_and_the_table_when_every_unit_ran():
    assert markdown(result(TIMINGS)).endswith(
        "### Slowest rules\n\n"
        "CPU seconds of each rule's own code, timings of the 2 scan units that ran (none came from the findings "
        "cache).\n\n" + TABLE
    )


def test_markdown_names_the_units_that_ran_when_some_came_from_the_cache():
    assert markdown(result(TIMINGS, cached=(True, False))).endswith(
        "### Slowest rules\n\n"
        "CPU seconds of each rule's own code, timings of the 1 of 2 scan units that ran (1 came from the findings "
        "cache).\n\n" + TABLE
    )


def test_a_warm_scan_says_none_ran_in_one_line_instead_of_the_table():
    warm = result(UNTIMED, cached=(True, True))
    statement = (
        "none ran in this scan; all 2 scan units came from the findings cache (timings are recorded when the "
        "scanners run)."
    )
    assert slowest_rules_lines(warm) == [f"slowest rules: {statement}"]
    lines = render_console(warm).splitlines()
    assert lines[lines.index(f"slowest rules: {statement}") + 1 :] == [
        "",
        "PASSED: no unsuppressed finding (0 suppressed)",
    ]
    assert markdown(warm).endswith(f"### Slowest rules\n\nN{statement[1:]}\n")


def test_console_and_markdown_say_it_in_the_same_words():
    """One wording, from one place (``slowest_rules_caption``): scan.md escapes tool names, the console does not."""
    partly = result(UNTIMED, cached=(True, True, False), tools=("cfn-lint", "checkov", "cdk|nag"))
    words = (
        "the 1 of 3 scan units that ran ({}) record no per-rule timings and the other 2 came from the findings cache."
    )
    assert f"slowest rules: none timed in this scan; {words.format('cdk|nag')}" in render_console(partly).splitlines()
    escaped = words.format("cdk\\|nag")
    assert f"None timed in this scan; {escaped}" in markdown(partly).splitlines()


def test_no_section_when_nothing_was_timed_and_nothing_came_from_the_cache():
    untimed = result(UNTIMED)
    assert slowest_rules_lines(untimed) == []
    assert not any(line.startswith("slowest rules") for line in render_console(untimed).splitlines())
    assert "Slowest rules" not in markdown(untimed)


@pytest.mark.parametrize(
    "cached, counts, line",
    [
        ((False, False), (0, 2), None),
        ((True, False), (1, 2), "1 of 2 scan units from the findings cache"),
        ((True, True), (2, 2), "2 of 2 scan units from the findings cache"),
    ],
    ids=["cold", "partly-cached", "warm"],
)
def test_cache_use_counts_the_units_from_the_findings_cache(cached, counts, line):
    scan = result(UNTIMED, cached=cached)
    assert (cache_use(scan), cache_line(scan)) == (counts, line)
