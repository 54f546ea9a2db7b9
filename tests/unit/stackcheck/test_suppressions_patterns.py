"""Construct-path pattern targets (``*`` within a segment, ``**`` across) and framework-owned entries."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.report.markdown import render_markdown
from stackcheck.report.provenance import Commit
from stackcheck.report.sarif import build_sarif
from stackcheck.scan.runner import ScanResult, UnitResult
from stackcheck.suppressions import apply_ledger, load_ledger

TODAY = date(2026, 6, 1)
PATHS = (
    "/TapStackdevSource/Vpc/PublicSubnet1/RouteTable",
    "/TapStackdevSource/Vpc/PrivateSubnet2/RouteTable",
    "/TapStackdevSource/Vpc/PublicSubnet1/Nested/RouteTable",
    "/TapStackdevSource/Storage/LogsBucket/Resource",
    "/TapStackdevSource/Storage/Resource",
    "/TapStackdevTarget/Vpc/PublicSubnet1/RouteTable",
    "/TapStackdevSource/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler",
)


def findings(rule: str = "CKV_AWS_18") -> list[Finding]:
    """One FAILED finding of ``rule`` per path in PATHS (logical ID: the path without slashes)."""
    return [
        Finding(
            rule_id=rule,
            severity=Severity.ERROR,
            tool="checkov",
            stack=path.split("/")[1],
            logical_id=path.replace("/", "").replace(":", ""),
            construct_path=path,
            message="failed",
            status=Status.FAILED,
            template_file="t.json",
        )
        for path in PATHS
    ]


def ledger(tmp_path: Path, *entries: tuple[str, str, str]) -> Path:
    """A ledger of ``(target, expires, extra YAML line)`` entries for CKV_AWS_18."""
    body = "".join(
        textwrap.dedent(f"""\
        - rule: CKV_AWS_18
          target: '{target}'
          reason: accepted for the pattern fixture
          owner: platform-team
          expires: {expires}
        """)
        + (f"  {extra}\n" if extra else "")
        for target, expires, extra in entries
    )
    path = tmp_path / "suppressions.yaml"
    path.write_text(body)
    return path


def suppressed_paths(tmp_path: Path, target: str) -> set[str]:
    result, _ = apply_ledger(findings(), load_ledger(ledger(tmp_path, (target, "2026-12-31", ""))), TODAY)
    return {f.construct_path for f in result if f.status is Status.SUPPRESSED}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "*/Vpc/*Subnet*/RouteTable",
            {
                "/TapStackdevSource/Vpc/PublicSubnet1/RouteTable",
                "/TapStackdevSource/Vpc/PrivateSubnet2/RouteTable",
                "/TapStackdevTarget/Vpc/PublicSubnet1/RouteTable",
            },
        ),
        (
            "TapStackdevSource/Vpc/**/RouteTable",
            {
                "/TapStackdevSource/Vpc/PublicSubnet1/RouteTable",
                "/TapStackdevSource/Vpc/PrivateSubnet2/RouteTable",
                "/TapStackdevSource/Vpc/PublicSubnet1/Nested/RouteTable",
            },
        ),
        ("TapStackdevSource/Vpc/Public*/RouteTable", {"/TapStackdevSource/Vpc/PublicSubnet1/RouteTable"}),
        (
            "TapStackdevSource/**/Resource",
            {"/TapStackdevSource/Storage/LogsBucket/Resource", "/TapStackdevSource/Storage/Resource"},
        ),
        ("TapStackdevSource/*/Resource", {"/TapStackdevSource/Storage/Resource"}),
        (
            "/TapStackdevSource/Storage/*",
            {"/TapStackdevSource/Storage/LogsBucket/Resource", "/TapStackdevSource/Storage/Resource"},
        ),
    ],
)
def test_star_matches_one_segment_and_globstar_many(tmp_path, target, expected):
    assert suppressed_paths(tmp_path, target) == expected


def test_pattern_matching_nothing_is_stale(tmp_path):
    path = ledger(tmp_path, ("TapStackdevSource/**/NoSuchConstruct", "2026-12-31", ""))
    result, warnings = apply_ledger(findings(), load_ledger(path), TODAY)
    assert [f.status for f in result] == [Status.FAILED] * len(PATHS)
    assert [(w.kind, w.entry, w.target) for w in warnings] == [("stale", 1, "TapStackdevSource/**/NoSuchConstruct")]


def test_expired_pattern_suppresses_nothing_and_counts_what_it_covered(tmp_path):
    path = ledger(tmp_path, ("*/Vpc/*Subnet*/RouteTable", "2026-06-01", ""))
    result, warnings = apply_ledger(findings(), load_ledger(path), TODAY)
    assert [f.status for f in result] == [Status.FAILED] * len(PATHS)
    assert [(w.kind, w.entry) for w in warnings] == [("expired", 1)]
    assert "3 findings it covered now count as failures" in warnings[0].message


def test_pattern_on_another_stack_is_out_of_scope_and_wildcard_stack_in_scope(tmp_path):
    path = ledger(
        tmp_path,
        ("TapStackdevTarget/Vpc/*/RouteTable", "2026-12-31", ""),
        ("TapStack*/Storage/**/Resource", "2026-12-31", ""),
        ("Other*/Storage/**/Resource", "2026-12-31", ""),
    )
    source_only = [f for f in findings() if f.stack == "TapStackdevSource"]
    result, warnings = apply_ledger(source_only, load_ledger(path), TODAY, scope={"TapStackdevSource"})
    assert {f.construct_path for f in result if f.status is Status.SUPPRESSED} == {
        "/TapStackdevSource/Storage/LogsBucket/Resource",
        "/TapStackdevSource/Storage/Resource",
    }
    assert warnings == []


def test_exact_entry_beats_pattern_and_pattern_with_more_literals_wins(tmp_path):
    path = ledger(
        tmp_path,
        ("TapStackdevSource/**/RouteTable", "2026-12-31", ""),
        ("TapStackdevSource/Vpc/*/RouteTable", "2026-12-31", ""),
        ("TapStackdevSource/Vpc/PublicSubnet1/RouteTable", "2026-12-31", ""),
    )
    result, _ = apply_ledger(findings(), load_ledger(path), TODAY)
    sources = {f.construct_path: f.suppression.source.rsplit(" ", 1)[1] for f in result if f.suppression}
    assert sources == {
        "/TapStackdevSource/Vpc/PublicSubnet1/RouteTable": "3",
        "/TapStackdevSource/Vpc/PrivateSubnet2/RouteTable": "2",
        "/TapStackdevSource/Vpc/PublicSubnet1/Nested/RouteTable": "1",
    }


def test_framework_owned_label_reaches_json_and_markdown(tmp_path):
    path = ledger(tmp_path, ("*/Custom::*Provider/Handler", "2026-12-31", "framework_owned: true"))
    result, warnings = apply_ledger(findings(), load_ledger(path), TODAY)
    (suppressed,) = [f for f in result if f.status is Status.SUPPRESSED]
    assert suppressed.construct_path == "/TapStackdevSource/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler"
    assert warnings == []
    as_json = json.loads(json.dumps(suppressed.to_dict()))
    assert as_json["suppression"] == {
        "reason": "accepted for the pattern fixture",
        "owner": "platform-team",
        "expires": "2026-12-31",
        "source": f"{path} entry 1",
        "framework_owned": True,
    }
    assert Finding.from_dict(as_json) == suppressed
    units = (UnitResult("checkov", "TapStackdevSource", "t.json", (), 0.1),)
    scan = ScanResult((suppressed,), units, (), {"checkov": {"version": "3", "reports_passes": True}})
    sarif = build_sarif(scan, root=tmp_path, include_suppressed=True)
    (result,) = [r for run in sarif["runs"] for r in run["results"]]
    assert result["suppressions"][0]["properties"]["frameworkOwned"] is True
    text = render_markdown(
        scan,
        now=datetime(2026, 6, 1, tzinfo=UTC),
        commit=Commit(sha="1a2b3c4d5e6f", dirty=False),
    )
    row = (
        "| `CKV_AWS_18` | TapStackdevSource | "
        "`/TapStackdevSource/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler` | "
        "framework-owned: accepted for the pattern fixture | platform-team | 2026-12-31 |"
    )
    assert row in text.splitlines()
