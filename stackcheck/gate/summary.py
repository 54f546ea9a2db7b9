"""The gate summary (``reports/gate.md``): every stage's verdict with its first failures, the scan totals and the post-deploy results."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from stackcheck.files import GATE_MARKDOWN, atomic_write_text
from stackcheck.gate.junit import JUnitSuite
from stackcheck.gate.stages import FAILED, INCONCLUSIVE, NOT_RUN, PASSED, Stage
from stackcheck.report.provenance import Commit, read_commit, stamp, utc_now
from stackcheck.report.table import markdown_table

__all__ = ["GATE_FILE", "gate_passed", "gate_verdict", "render_gate", "write_gate"]

GATE_FILE = GATE_MARKDOWN


def gate_passed(stages: Sequence[Stage]) -> bool:
    """True when every stage PASSED (a NOT RUN stage means an earlier one failed, or nothing was deployed)."""
    return bool(stages) and all(s.status == PASSED for s in stages)


def gate_verdict(stages: Sequence[Stage]) -> str:
    """PASSED when every stage passed; INCONCLUSIVE when none failed but checks ended INCONCLUSIVE
    (their budget ran out: not a pass); else FAILED."""
    if gate_passed(stages):
        return PASSED
    statuses = {s.status for s in stages}
    if (
        INCONCLUSIVE in statuses
        and FAILED not in statuses
        and all(s.status != NOT_RUN or s.name == "teardown" for s in stages)
    ):
        return INCONCLUSIVE
    return FAILED


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_gate(
    stages: Sequence[Stage],
    scan_report: dict[str, Any] | None,
    suites: Sequence[JUnitSuite],
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> str:
    """Markdown: headline PASSED/FAILED/INCONCLUSIVE (``gate_verdict``), when and from which commit (``Generated 2026-03-04T05:06:07Z from
    commit 1a2b3c4 (dirty).``), one row per stage (PASSED / FAILED / NOT RUN, exit code, seconds), the
    first failures of each failed stage with their reasons, what each INCONCLUSIVE check saw, then the scan
    totals and one row per JUnit file (passed, failed, errors, skipped, inconclusive: INCONCLUSIVE is its
    own count, never in passed or skipped).

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()`` of
    the working directory) are parameters so tests can fix them. Raises ValueError for a naive ``now``.
    """
    lines = [
        f"## Gate: {gate_verdict(stages)}",
        "",
        stamp(utc_now() if now is None else now, read_commit() if commit is None else commit),
        "",
        *markdown_table(
            ("stage", "result", "exit", "seconds"),
            [
                (
                    s.name,
                    s.status,
                    "" if s.exit_code is None else str(s.exit_code),
                    "" if s.status == NOT_RUN else f"{s.seconds:.1f}",
                )
                for s in stages
            ],
        ),
    ]
    for s in stages:
        if s.status == FAILED:
            lines += ["", f"### {s.name}: FAILED", ""]
            lines += [f"- {_cell(reason)}" for reason in s.reasons] or [f"- exited with {s.exit_code}"]
        elif s.status == INCONCLUSIVE:
            lines += ["", f"### {s.name}: INCONCLUSIVE (a retry or wait budget ran out; not passed)", ""]
            lines += [f"- {_cell(reason)}" for reason in s.reasons]
    if scan_report is not None:
        totals = scan_report.get("summary", {}).get("totals", {})
        lines += [
            "",
            "### Scan",
            "",
            *markdown_table(
                ("passed", "failed", "suppressed", "unknown", "exit"),
                [
                    [totals.get(k, 0) for k in ("passed", "failed", "suppressed", "unknown")]
                    + [scan_report.get("exit_code")]
                ],
            ),
        ]
    if suites:
        lines += [
            "",
            "### Post-deploy checks",
            "",
            *markdown_table(
                ("report", "passed", "failed", "errors", "skipped", "inconclusive", "seconds"),
                [
                    (f"`{s.path.name}`", s.passed, s.failures, s.errors, s.skipped, s.inconclusive, f"{s.seconds:.1f}")
                    for s in suites
                ],
            ),
        ]
    return "\n".join(lines) + "\n"


def write_gate(
    report_dir: str | os.PathLike[str],
    stages: Sequence[Stage],
    scan_report: dict[str, Any] | None,
    suites: Sequence[JUnitSuite],
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> Path:
    """Write ``<report_dir>/gate.md`` (see ``render_gate``) atomically; returns the path written."""
    text = render_gate(stages, scan_report, suites, now=now, commit=commit)
    return atomic_write_text(Path(report_dir) / GATE_FILE, text)
