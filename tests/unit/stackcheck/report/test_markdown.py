"""Markdown summary for a pull-request comment: verdict, time and commit, counts, tables, baseline sections, folds,
size limit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from stackcheck.findings import Finding, Severity, Status, Suppression
from stackcheck.report import markdown
from stackcheck.report.markdown import COMMENT_LIMIT, MARKDOWN_FILE, write_markdown
from stackcheck.report.provenance import Commit
from stackcheck.scan.baseline import Baseline, BaselineEntry, compare
from stackcheck.scan.runner import ScanResult, UnitResult
from stackcheck.suppressions import LedgerWarning

TOOLS = {
    "cfn-lint": {"version": "1.58.0", "reports_passes": False},
    "cdk-nag": {"version": "2.38.2", "reports_passes": True},
}
NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=UTC)
COMMIT = Commit("1a2b3c4", True)
STAMP = "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty)."
SUPPRESSION = Suppression(
    reason="logs go to the central account",
    owner="platform-team",
    expires=date(2099, 1, 31),
    source="ledger.yaml entry 1",
)


def make(
    rule,
    tool,
    status,
    logical_id="Bucket",
    path="/Stack/Bucket/Resource",
    line=4,
    severity=Severity.ERROR,
    message=None,
    stack="Stack",
    **kw,
):
    return Finding(
        rule_id=rule,
        severity=severity,
        tool=tool,
        stack=stack,
        logical_id=logical_id,
        construct_path=path,
        template_file="cdk.out/Stack.template.json",
        line=line,
        message=message or f"`{logical_id}`: {rule} message",
        status=status,
        **kw,
    )


FINDINGS = (
    make("E3045", "cfn-lint", Status.FAILED, line=6, message="A | B\nC <b>"),
    make("AwsSolutions-S1", "cdk-nag", Status.FAILED),
    make("AwsSolutions-S2", "cdk-nag", Status.PASSED),
    make("AwsSolutions-S10", "cdk-nag", Status.SUPPRESSED, suppression=SUPPRESSION),
    make(
        "AwsSolutions-DDB3",
        "cdk-nag",
        Status.UNKNOWN,
        severity=Severity.WARNING,
        logical_id="Table",
        path="/Stack/Table",
    ),
    make(
        "stackcheck.scanner-error",
        "cfn-lint",
        Status.UNKNOWN,
        logical_id=None,
        path=None,
        line=None,
        message="cfn-lint crashed",
    ),
)
WARNINGS = (
    LedgerWarning(
        "stale", 2, 7, "E3045", "Other", "ledger.yaml:7: entry 2 (rule E3045 on Other) matches no failed finding"
    ),
)


def render_markdown(scan, **kw):
    """``render_markdown`` at the fixed time and commit."""
    return markdown.render_markdown(scan, now=NOW, commit=COMMIT, **kw)


def result(findings=FINDINGS, warnings=WARNINGS):
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1) for tool in TOOLS)
    return ScanResult(tuple(findings), units, tuple(warnings), TOOLS)


TABLE = """\
| stack | tool | passed | failed | suppressed | unknown |
| --- | --- | ---: | ---: | ---: | ---: |
| Stack | cfn-lint | n/a | 1 | 0 | 1 |
| Stack | cdk-nag | 1 | 1 | 1 | 1 |

n/a: cfn-lint reports only failures, so it has no pass count.
"""
FAILURE_HEADER = """\
| rule | tool | stack | construct path | file:line | message |
| --- | --- | --- | --- | --- | --- |
"""
E3045_ROW = "| `E3045` | cfn-lint | Stack | `/Stack/Bucket/Resource` | `cdk.out/Stack.template.json:6` | A \\| B C &lt;b&gt; |\n"
S1_ROW = (
    "| `AwsSolutions-S1` | cdk-nag | Stack | `/Stack/Bucket/Resource` | `cdk.out/Stack.template.json:4` | "
    "`Bucket`: AwsSolutions-S1 message |\n"
)
CRASH_ROW = "| `stackcheck.scanner-error` | cfn-lint | Stack | - | `cdk.out/Stack.template.json` | cfn-lint crashed |\n"
SUPPRESSED_HEADER = """\
| rule | stack | construct path | reason | owner | expires |
| --- | --- | --- | --- | --- | --- |
"""
TAIL = (
    """\
### Suppressed (1)

<details>
<summary>1 suppressed finding (earliest expiry 2099-01-31)</summary>

"""
    + SUPPRESSED_HEADER
    + """\
| `AwsSolutions-S10` | Stack | `/Stack/Bucket/Resource` | logs go to the central account | platform-team | 2099-01-31 |

</details>

### Ledger warnings (1)

<details>
<summary>1 stale ledger entry (matches no failed finding)</summary>

- **stale**: ledger.yaml:7: entry 2 (rule E3045 on Other) matches no failed finding

</details>
"""
)


def test_without_baseline_every_failure_is_new_and_fixed_is_zero():
    assert render_markdown(result()) == (
        f"## stackcheck scan: FAILED\n\n{STAMP}\n\n"
        "**3 new** · 0 fixed · 1 suppressed · 2 unknown — no baseline: every failure counts as new\n\n"
        + TABLE
        + "\n### Failures (3)\n\n"
        + FAILURE_HEADER
        + E3045_ROW
        + S1_ROW
        + CRASH_ROW
        + "\n"
        + TAIL
    )


def test_with_baseline_new_known_fixed_and_tool_version_changes():
    gone = BaselineEntry("f" * 64, "checkov", "CKV_AWS_21", "Stack", "/Stack/Gone/Resource", "Gone")
    baseline = Baseline(
        "2026-01-02",
        {"cfn-lint": "1.57.0"},
        (BaselineEntry.from_finding(FINDINGS[1]), gone),
        Path("ci/scan-baseline.json"),
    )
    assert render_markdown(result(), comparison=compare(result(), baseline)) == (
        f"## stackcheck scan: FAILED\n\n{STAMP}\n\n"
        "**2 new** · 1 fixed · 1 suppressed · 2 unknown — against baseline `scan-baseline.json` of 2026-01-02 "
        "(1 known failure remains)\n\n"
        "> cfn-lint is 1.58.0 now, 1.57.0 in the baseline: new findings may come from its new checks.\n\n"
        + TABLE
        + "\n### New failures (2)\n\n"
        + FAILURE_HEADER
        + E3045_ROW
        + CRASH_ROW
        + "\n### Known failures, in the baseline (1)\n\n"
        + FAILURE_HEADER
        + S1_ROW
        + "\n### Fixed since the baseline (1)\n\n"
        "| rule | tool | stack | construct path |\n| --- | --- | --- | --- |\n"
        "| `CKV_AWS_21` | checkov | Stack | `/Stack/Gone/Resource` |\n\n" + TAIL
    )


def test_clean_scan_against_a_baseline_passes():
    clean = result(findings=(FINDINGS[1], FINDINGS[2]), warnings=())
    baseline = Baseline("2026-01-02", {}, (BaselineEntry.from_finding(FINDINGS[1]),))
    text = render_markdown(clean, comparison=compare(clean, baseline))
    assert text.splitlines()[:5] == [
        "## stackcheck scan: PASSED",
        "",
        STAMP,
        "",
        "**0 new** · 0 fixed · 0 suppressed · 0 unknown — against baseline `baseline` of 2026-01-02 "
        "(1 known failure remains)",
    ]


NO_PASS_CASES = [
    (
        "one-tool-without-passes",
        {"cfn-lint": False, "cdk-nag": True},
        [
            "| Stack | cfn-lint | n/a | 1 | 0 | 0 |",
            "| Stack | cdk-nag | 1 | 1 | 0 | 0 |",
            "",
            "n/a: cfn-lint reports only failures, so it has no pass count.",
            "",
        ],
    ),
    (
        "two-tools-without-passes",
        {"cfn-lint": False, "cdk-nag": False},
        [
            "| Stack | cfn-lint | n/a | 1 | 0 | 0 |",
            "| Stack | cdk-nag | n/a | 1 | 0 | 0 |",
            "",
            "n/a: cfn-lint and cdk-nag report only failures, so they have no pass count.",
            "",
        ],
    ),
    (
        "every-tool-reports-passes",
        {"cfn-lint": True, "cdk-nag": True},
        ["| Stack | cfn-lint | 0 | 1 | 0 | 0 |", "| Stack | cdk-nag | 1 | 1 | 0 | 0 |", ""],
    ),
]


@pytest.mark.parametrize("passes, rows", [c[1:] for c in NO_PASS_CASES], ids=[c[0] for c in NO_PASS_CASES])
def test_na_passed_is_explained_under_the_table_only_when_shown(passes, rows):
    tools = {name: {"version": "1", "reports_passes": reports} for name, reports in passes.items()}
    units = tuple(UnitResult(tool, "Stack", "cdk.out/Stack.template.json", (), 0.1) for tool in tools)
    scan = ScanResult((FINDINGS[0], FINDINGS[1], FINDINGS[2]), units, (), tools)
    lines = render_markdown(scan).splitlines()
    start = lines.index("| stack | tool | passed | failed | suppressed | unknown |") + 2
    assert lines[start : lines.index("### Failures (2)")] == rows


@pytest.mark.parametrize("limit", [2_000, 5_000, COMMENT_LIMIT])
def test_long_reports_are_cut_to_the_limit_with_a_note(limit):
    many = [
        make(
            "AwsSolutions-S1",
            "cdk-nag",
            Status.FAILED,
            logical_id=f"Bucket{i}",
            path=f"/Stack/Bucket{i}/Resource",
            message="x" * 200,
        )
        for i in range(1_000)
    ]
    text = render_markdown(result(findings=many, warnings=()), limit=limit)
    assert len(text) <= limit
    assert text.startswith(
        f"## stackcheck scan: FAILED\n\n{STAMP}\n\n**1000 new** · 0 fixed · 0 suppressed · 0 unknown"
    )
    body, note = text.rstrip("\n").rsplit("\n", 1)
    rows = [line for line in body.splitlines() if line.startswith("| `AwsSolutions-S1`")]
    assert note == (
        f"_… truncated: {1000 - len(rows)} more rows not shown (GitHub comments hold {limit} characters); "
        "the full list is in reports/scan.sarif and reports/scan.json._"
    )
    assert len(text) > limit - 400  # cut near the limit, not far before it


def suppressed(index, expires, stack="Stack"):
    """A SUPPRESSED cdk-nag finding on ``Bucket<index>`` whose ledger entry expires on ``expires`` (a date or None)."""
    return make(
        "AwsSolutions-S10",
        "cdk-nag",
        Status.SUPPRESSED,
        logical_id=f"Bucket{index}",
        stack=stack,
        path=f"/{stack}/Bucket{index}/Resource",
        suppression=Suppression(
            reason="logs go to the central account",
            owner="platform-team",
            expires=expires,
            source=f"policies/suppressions.yaml entry {index}",
        ),
    )


def suppressed_row(index, expires, stack="Stack"):
    return (
        f"| `AwsSolutions-S10` | {stack} | `/{stack}/Bucket{index}/Resource` | logs go to the central account | "
        f"platform-team | {expires} |"
    )


def test_suppressed_findings_fold_under_their_count_ledger_and_earliest_expiry_failures_stay_open():
    findings = (
        FINDINGS[0],
        suppressed(1, date(2027, 5, 31)),
        suppressed(2, date(2027, 2, 28), stack="Other"),
        suppressed(3, date(2027, 5, 31)),
    )
    text = render_markdown(result(findings=findings, warnings=()), ledger=Path("policies/suppressions.yaml"))
    failures, _, folded = text.partition("### Suppressed (3)\n")
    assert "<details>" not in failures and E3045_ROW in failures
    assert folded == (
        "\n<details>\n"
        "<summary>3 suppressed findings (ledger policies/suppressions.yaml; earliest expiry 2027-02-28)</summary>\n\n"
        + SUPPRESSED_HEADER
        + suppressed_row(1, "2027-05-31")
        + "\n"
        + suppressed_row(2, "2027-02-28", stack="Other")
        + "\n"
        + suppressed_row(3, "2027-05-31")
        + "\n\n</details>\n"
    )


@pytest.mark.parametrize(
    "expiries, ledger, summary",
    [
        ((None, None), None, "2 suppressed findings"),
        ((None, date(2030, 1, 2)), None, "2 suppressed findings (earliest expiry 2030-01-02)"),
        ((None,), "a<b>&c.yaml", "1 suppressed finding (ledger a&lt;b&gt;&amp;c.yaml)"),
    ],
    ids=["no-expiry-no-ledger", "expiry-without-ledger", "ledger-name-escaped"],
)
def test_the_suppressed_summary_says_only_what_is_known(expiries, ledger, summary):
    findings = tuple(suppressed(i, expires) for i, expires in enumerate(expiries, 1))
    lines = render_markdown(result(findings=findings, warnings=()), ledger=ledger).splitlines()
    assert [line for line in lines if line.startswith("<summary>")] == [f"<summary>{summary}</summary>"]


def test_expired_ledger_entries_stay_open_and_stale_ones_fold():
    expired = LedgerWarning(
        "expired",
        1,
        2,
        "CKV_AWS_21",
        "PublicBucket",
        "ledger.yaml:2: entry 1 (rule CKV_AWS_21 on PublicBucket) expired on 2020-01-01",
    )
    stale = [
        LedgerWarning(
            "stale",
            i,
            4 * i,
            "E3045",
            f"Other{i}",
            f"ledger.yaml:{4 * i}: entry {i} (rule E3045 on Other{i}) matches no failed finding",
        )
        for i in (2, 3)
    ]
    text = render_markdown(result(warnings=(stale[0], expired, stale[1])), ledger="ledger.yaml")
    assert text.endswith(
        "### Ledger warnings (3)\n\n"
        "- **expired**: ledger.yaml:2: entry 1 (rule CKV_AWS_21 on PublicBucket) expired on 2020-01-01\n\n"
        "<details>\n<summary>2 stale ledger entries in ledger.yaml (match no failed finding)</summary>\n\n"
        "- **stale**: ledger.yaml:8: entry 2 (rule E3045 on Other2) matches no failed finding\n"
        "- **stale**: ledger.yaml:12: entry 3 (rule E3045 on Other3) matches no failed finding\n\n"
        "</details>\n"
    )


def test_a_cut_inside_a_fold_closes_it_before_the_note():
    many = tuple(suppressed(i, date(2027, 5, 31)) for i in range(1, 101))
    text = render_markdown(result(findings=(FINDINGS[0], *many), warnings=()), limit=3_000)
    assert len(text) <= 3_000
    body, _, note = text.rpartition("\n\n</details>\n\n")
    rows = [line for line in body.splitlines() if line.startswith("| `AwsSolutions-S10`")]
    assert body.splitlines()[-1] == suppressed_row(len(rows), "2027-05-31")
    assert (body.count("<details>"), body.count("</details>")) == (1, 0)
    assert note == (
        f"_… truncated: {100 - len(rows)} more rows not shown (GitHub comments hold 3000 characters); "
        "the full list is in reports/scan.sarif and reports/scan.json._\n"
    )
    assert E3045_ROW in body


def test_write_markdown_replaces_the_file(tmp_path):
    target = tmp_path / "reports" / MARKDOWN_FILE
    target.parent.mkdir()
    target.write_text("old")
    assert write_markdown(result(), tmp_path / "reports", now=NOW, commit=COMMIT, ledger="l.yaml") == target
    assert target.read_text() == render_markdown(result(), ledger="l.yaml")
    assert "<summary>1 suppressed finding (ledger l.yaml; earliest expiry 2099-01-31)</summary>" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == [MARKDOWN_FILE]


@pytest.mark.parametrize(
    "commit, line",
    [
        (Commit("1a2b3c4", False), "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4."),
        (Commit("1a2b3c4", None), "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (worktree state unknown)."),
        (
            Commit(None, None, "not a git checkout"),
            "Generated 2026-03-04T05:06:07Z from commit unknown (not a git checkout).",
        ),
    ],
)
def test_the_stamp_sits_under_the_heading(commit, line):
    text = markdown.render_markdown(result(), now=NOW, commit=commit)
    assert text.splitlines()[:4] == ["## stackcheck scan: FAILED", "", line, ""]


def test_defaults_are_the_clock_and_the_working_directory_checkout(outside_git, monkeypatch):
    monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda: NOW)
    assert markdown.render_markdown(result()).splitlines()[2] == (
        "Generated 2026-03-04T05:06:07Z from commit unknown (not a git checkout)."
    )


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="has no time zone"):
        markdown.render_markdown(result(), now=datetime(2026, 3, 4, 5, 6, 7), commit=COMMIT)
