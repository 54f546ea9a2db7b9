"""drift.md and the overall sentence say how many resources were checked; "none" only ever about what was checked;
drift.md's heading, drift.json and the console name the run's verdict in one word; drift.md and drift.json say when
and from which commit."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from stackcheck.drift import (
    Allowlist,
    AllowlistEntry,
    DetectionOutcome,
    DriftResult,
    DriftTarget,
    PropertyDifference,
    ResourceDrift,
    ResourceStatus,
    StackDrift,
    Verdict,
)
from stackcheck.drift import report as drift_report
from stackcheck.drift.report import build_json, overall, render_console, write_drift_reports
from stackcheck.report.provenance import Commit

TARGET = DriftTarget(region="us-east-1", source="--aws-region")
ENTRY = AllowlistEntry(1, 2, "AWS::RDS::DBInstance", "/EngineVersion", "RDS applies minor engine upgrades itself")
UNUSED = AllowlistEntry(2, 5, "AWS::S3::Bucket", "/Tags/*", "tags are rewritten by the cost tool")
ALLOWLIST = Allowlist(None, (ENTRY, UNUSED))
NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=UTC)
COMMIT = Commit("1a2b3c4", True)
STAMP = "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty)."


def render_markdown(drift: DriftResult) -> str:
    """drift.md at the fixed time and commit."""
    return drift_report.render_markdown(drift, now=NOW, commit=COMMIT)


def resource(
    logical_id: str, status: ResourceStatus, *differences: PropertyDifference, resource_type: str = "AWS::S3::Bucket"
) -> ResourceDrift:
    return ResourceDrift(
        logical_id,
        resource_type,
        status,
        reported_status=status.value,
        differences=differences,
        reason="not supported" if status is ResourceStatus.NOT_CHECKED else None,
    )


IN_SYNC = resource("Topic", ResourceStatus.IN_SYNC, resource_type="AWS::SNS::Topic")
NOT_CHECKED = resource("Endpoint", ResourceStatus.NOT_CHECKED, resource_type="AWS::DMS::Endpoint")
MODIFIED = resource(
    "Bucket",
    ResourceStatus.MODIFIED,
    PropertyDifference("/VersioningConfiguration/Status", "Enabled", "Suspended", "NOT_EQUAL"),
)
ALLOWED = resource(
    "Database",
    ResourceStatus.IN_SYNC,
    PropertyDifference("/EngineVersion", "17.6", "17.7", "NOT_EQUAL", ENTRY, "allowlist.yaml:2"),
    resource_type="AWS::RDS::DBInstance",
)


def stack(
    *resources: ResourceDrift,
    outcome: DetectionOutcome = DetectionOutcome.COMPLETE,
    reason: str | None = None,
    name: str = "Stack",
) -> StackDrift:
    return StackDrift(name, name, outcome, tuple(resources), status_reason=reason)


def result(*stacks: StackDrift, unavailable: str | None = None) -> DriftResult:
    return DriftResult(stacks=stacks, target=TARGET, allowlist=ALLOWLIST, unavailable=unavailable)


def section(markdown: str) -> list[str]:
    """The lines from the ``### Differences`` heading to the end."""
    lines = markdown.splitlines()
    return lines[lines.index("### Differences") :]


ROW_BUCKET = (
    "| Stack | `Bucket` | AWS::S3::Bucket | DRIFTED | `/VersioningConfiguration/Status` | NOT_EQUAL "
    "| Enabled | Suspended |  |"
)
ROW_DATABASE = (
    "| Stack | `Database` | AWS::RDS::DBInstance | ALLOWED | `/EngineVersion` | NOT_EQUAL | 17.6 | 17.7 "
    "| RDS applies minor engine upgrades itself |"
)
HEADER = [
    "| stack | logical ID | type | status | property path | difference | expected | actual | allowed because |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
]
UNUSED_ALL = "Allowlist entries that matched no difference in the 3 of 3 resources checked: AWS::S3::Bucket `/Tags/*`"

# (id, result, the run's verdict, overall sentence, the Differences section)
CASES = [
    (
        "nothing-checked-detection-errors",
        result(
            stack(NOT_CHECKED, NOT_CHECKED, outcome=DetectionOutcome.ERROR, reason="Throttling"),
            stack(NOT_CHECKED, outcome=DetectionOutcome.TIMED_OUT, reason="still in progress", name="Other"),
        ),
        Verdict.UNKNOWN,
        "could not detect drift: 2 UNKNOWN of 2 stacks",
        ["### Differences", "", "No property differences could be compared: 0 of 3 resources were checked."],
    ),
    (
        "nothing-checked-no-stacks",
        result(),
        Verdict.UNKNOWN,
        "could not detect drift: no stacks to check",
        ["### Differences", "", "No property differences could be compared: 0 of 0 resources were checked."],
    ),
    (
        "partial-none-found",
        result(stack(IN_SYNC, IN_SYNC, NOT_CHECKED)),
        Verdict.PARTIAL,
        "no drift found in the 2 of 3 resources checked; coverage is PARTIAL (1 PARTIAL of 1 stack): 1 not checked",
        [
            "### Differences",
            "",
            "None in the 2 of 3 resources checked; the other 1 was not checked and may differ.",
            "",
            "Allowlist entries that matched no difference in the 2 of 3 resources checked: "
            "AWS::RDS::DBInstance `/EngineVersion`, AWS::S3::Bucket `/Tags/*`",
        ],
    ),
    (
        "failed-detection-beside-in-sync",
        result(
            stack(IN_SYNC, NOT_CHECKED, NOT_CHECKED, outcome=DetectionOutcome.FAILED, reason="access denied"),
            stack(IN_SYNC, name="Other"),
        ),
        Verdict.PARTIAL,
        "no drift found in the 2 of 4 resources checked; coverage is PARTIAL (1 UNKNOWN, 1 IN_SYNC of 2 stacks): "
        "2 not checked",
        [
            "### Differences",
            "",
            "None in the 2 of 4 resources checked; the other 2 were not checked and may differ.",
            "",
            "Allowlist entries that matched no difference in the 2 of 4 resources checked: "
            "AWS::RDS::DBInstance `/EngineVersion`, AWS::S3::Bucket `/Tags/*`",
        ],
    ),
    (
        "partial-drift-found",
        result(stack(MODIFIED, ALLOWED, NOT_CHECKED)),
        Verdict.DRIFTED,
        "drift found: 1 DRIFTED of 1 stack",
        [
            "### Differences",
            "",
            "2 of 3 resources were checked; the other 1 was not checked and may differ.",
            "",
            *HEADER,
            ROW_BUCKET,
            ROW_DATABASE,
            "",
            "Allowlist entries that matched no difference in the 2 of 3 resources checked: AWS::S3::Bucket `/Tags/*`",
        ],
    ),
    (
        "all-checked-none-found",
        result(stack(IN_SYNC, IN_SYNC, IN_SYNC)),
        Verdict.IN_SYNC,
        "in sync: 1 stack, every resource checked, none drifted",
        [
            "### Differences",
            "",
            "None: all 3 resources were checked and none differs from its template.",
            "",
            "Allowlist entries that matched no difference in the 3 of 3 resources checked: "
            "AWS::RDS::DBInstance `/EngineVersion`, AWS::S3::Bucket `/Tags/*`",
        ],
    ),
    (
        "all-checked-only-allowed",
        result(stack(IN_SYNC, ALLOWED, IN_SYNC)),
        Verdict.IN_SYNC,
        "in sync: 1 stack, every resource checked, none drifted",
        ["### Differences", "", "All 3 resources were checked.", "", *HEADER, ROW_DATABASE, "", UNUSED_ALL],
    ),
]


@pytest.mark.parametrize("drift, verdict, sentence, differences", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_differences_section_says_how_many_resources_were_checked(drift, verdict, sentence, differences):
    assert overall(drift) == sentence
    markdown = render_markdown(drift)
    assert section(markdown) == differences
    assert "None reported" not in markdown


@pytest.mark.parametrize("drift, verdict, sentence", [c[1:4] for c in CASES], ids=[c[0] for c in CASES])
def test_heading_json_and_console_name_one_verdict_and_the_sentence_follows_the_stamp(drift, verdict, sentence):
    assert drift.verdict is verdict
    assert render_markdown(drift).splitlines()[:5] == [
        f"## Drift detection: {verdict.value}",
        "",
        STAMP,
        "",
        sentence[0].upper() + sentence[1:] + ".",
    ]
    data = build_json(drift, now=NOW, commit=COMMIT)
    assert (data["verdict"], data["summary"]) == (verdict.value, sentence)
    assert render_console(drift).splitlines()[-1] == f"{verdict.value}: {sentence}"


def test_unavailable_detection_says_nothing_could_be_compared():
    reason = "the embedded emulator has no drift detection (moto does not implement DetectStackDrift); run against AWS"
    short = "drift detection is not available at the target (see the run's error)"
    drift = result(
        stack(NOT_CHECKED, NOT_CHECKED, outcome=DetectionOutcome.UNAVAILABLE, reason=short),
        stack(NOT_CHECKED, outcome=DetectionOutcome.UNAVAILABLE, reason=short, name="Other"),
        unavailable=reason,
    )
    assert (
        render_markdown(drift)
        == "\n".join(
            [
                "## Drift detection: UNKNOWN",
                "",
                STAMP,
                "",
                f"Could not detect drift: {reason}.",
                "",
                "Target: AWS (region us-east-1, from --aws-region). Allowlist: none (2 entries).",
                "",
                "| stack | verdict | checked/total | modified | deleted | not checked |",
                "| --- | --- | --- | --- | --- | --- |",
                "| Stack | UNKNOWN | 0/2 | 0 | 0 | 2 |",
                "| Other | UNKNOWN | 0/1 | 0 | 0 | 1 |",
                "",
                f"- **Stack**: UNKNOWN: {short}",
                f"- **Other**: UNKNOWN: {short}",
                "",
                "### Differences",
                "",
                "No property differences could be compared: 0 of 3 resources were checked.",
            ]
        )
        + "\n"
    )
    assert render_console(drift).splitlines()[-1] == (
        "UNKNOWN: could not detect drift: nothing was checked (the reason follows)"
    )


def test_a_long_reason_is_whole_in_the_paragraph_and_ends_in_one_full_stop():
    reason = "AccessDenied: " + "not authorized to perform cloudformation:DetectStackDrift on this stack. " * 6
    drift = result(stack(NOT_CHECKED, outcome=DetectionOutcome.UNAVAILABLE, reason="unavailable"), unavailable=reason)
    lines = render_markdown(drift).splitlines()
    assert lines[0] == "## Drift detection: UNKNOWN"
    assert lines[4] == f"Could not detect drift: {reason.strip()}"
    assert len(lines[4]) == 475  # past the 400 the heading used to cut at


def test_json_says_when_and_from_which_commit():
    data = build_json(result(stack(IN_SYNC)), now=NOW, commit=Commit(None, None, "not a git checkout"))
    assert list(data)[:4] == ["schema", "exit_code", "generated", "commit"]
    assert (data["generated"], data["commit"]) == (
        "2026-03-04T05:06:07Z",
        {"sha": None, "dirty": None, "reason": "not a git checkout"},
    )


def test_written_reports_name_one_moment_and_commit(tmp_path, monkeypatch):
    """Defaults are resolved once: drift.json and drift.md agree even when the clock moves between them."""
    ticks = iter([NOW, datetime(2026, 3, 4, 5, 6, 9, tzinfo=UTC)])
    monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda: next(ticks))
    monkeypatch.setattr("stackcheck.report.provenance.read_commit", lambda: COMMIT)
    paths = write_drift_reports(result(stack(IN_SYNC)), tmp_path)
    data = json.loads(paths["json"].read_text())
    assert (data["generated"], data["commit"]) == (
        "2026-03-04T05:06:07Z",
        {"sha": "1a2b3c4", "dirty": True, "reason": None},
    )
    assert paths["markdown"].read_text().splitlines()[:5] == [
        "## Drift detection: IN_SYNC",
        "",
        STAMP,
        "",
        "In sync: 1 stack, every resource checked, none drifted.",
    ]


def test_drift_reports_are_published_as_one_set(tmp_path, monkeypatch):
    import stackcheck.drift.report

    calls = []
    real = stackcheck.drift.report.publish_reports
    monkeypatch.setattr(
        stackcheck.drift.report, "publish_reports", lambda d, files: calls.append((d, sorted(files))) or real(d, files)
    )
    paths = write_drift_reports(result(stack(IN_SYNC)), tmp_path, now=NOW, commit=COMMIT)
    assert calls == [(tmp_path, ["drift.json", "drift.md", "drift.xml"])]
    assert paths == {
        "json": tmp_path / "drift.json",
        "markdown": tmp_path / "drift.md",
        "junit": tmp_path / "drift.xml",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drift.json", "drift.md", "drift.xml"]


def test_a_one_entry_allowlist_is_one_entry():
    drift = dataclasses.replace(result(stack(NOT_CHECKED)), allowlist=Allowlist(None, (ENTRY,)))
    (line,) = [x for x in render_markdown(drift).splitlines() if x.startswith("Target:")]
    assert line.endswith("Allowlist: none (1 entry).")
