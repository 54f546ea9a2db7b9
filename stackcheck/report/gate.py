"""The gate summary (``reports/gate.md``): scan totals and post-deploy results in one page."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from stackcheck.errors import BadInputError, NextStep
from stackcheck.files import GATE_MARKDOWN, SCAN_JSON, atomic_write_text, read_json
from stackcheck.report.provenance import Commit, read_commit, stamp, utc_now

__all__ = ["GATE_FILE", "JUnitSuite", "read_junit", "render_gate", "write_gate"]

GATE_FILE = GATE_MARKDOWN


@dataclass(frozen=True)
class JUnitSuite:
    """Counts of one JUnit XML file (pytest's ``--junitxml``) and the ids of failed tests."""

    path: Path
    tests: int
    failures: int
    errors: int
    skipped: int
    seconds: float
    failed: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> int:
        """Tests that neither failed, errored nor were skipped."""
        return self.tests - self.failures - self.errors - self.skipped


def read_junit(path: str | os.PathLike[str]) -> JUnitSuite:
    """Read a JUnit XML file (``<testsuites>`` or one ``<testsuite>``); BadInputError naming it if unreadable."""
    file = Path(path)
    try:
        root = ET.parse(file).getroot()
    except (OSError, ET.ParseError) as exc:
        raise BadInputError(f"JUnit report {file} cannot be read: {exc}", next_step=NextStep.INTEGRATION) from None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failed = tuple(
        f"{case.get('classname')}::{case.get('name')}"
        for s in suites
        for case in s.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
    seconds = sum(float(s.get("time", 0) or 0) for s in suites)
    return JUnitSuite(file, total["tests"], total["failures"], total["errors"], total["skipped"], seconds, failed)


def render_gate(
    scan_report: dict | None, suites: list[JUnitSuite], *, now: datetime | None = None, commit: Commit | None = None
) -> str:
    """Markdown: headline PASSED/FAILED, when and from which commit
    (``Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).``), the scan totals, then one
    row per JUnit file and the failed tests.

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()``
    of the working directory) are parameters so tests can fix them. Raises ValueError for a naive ``now``.
    """
    scan_ok = scan_report is None or scan_report.get("exit_code") == 0
    tests_ok = all(s.failures == 0 and s.errors == 0 for s in suites)
    lines = [
        f"## Gate: {'PASSED' if scan_ok and tests_ok else 'FAILED'}",
        "",
        stamp(utc_now() if now is None else now, read_commit() if commit is None else commit),
        "",
    ]
    if scan_report is not None:
        totals = scan_report.get("summary", {}).get("totals", {})
        lines += [
            "### Scan",
            "",
            "| passed | failed | suppressed | unknown | exit |",
            "|---|---|---|---|---|",
            f"| {totals.get('passed', 0)} | {totals.get('failed', 0)} | {totals.get('suppressed', 0)} "
            f"| {totals.get('unknown', 0)} | {scan_report.get('exit_code')} |",
            "",
        ]
    if suites:
        lines += [
            "### Post-deploy checks",
            "",
            "| report | passed | failed | errors | skipped | seconds |",
            "|---|---|---|---|---|---|",
        ]
        for s in suites:
            lines.append(
                f"| `{s.path.name}` | {s.passed} | {s.failures} | {s.errors} | {s.skipped} | {s.seconds:.1f} |"
            )
        failed = [name for s in suites for name in s.failed]
        if failed:
            lines += ["", "Failed:", *[f"- `{name}`" for name in failed]]
    return "\n".join(lines) + "\n"


def write_gate(
    report_dir: str | os.PathLike[str],
    junit_files: list[str | os.PathLike[str]],
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> Path:
    """Write ``<report_dir>/gate.md`` from ``<report_dir>/scan.json`` (if present) and the JUnit files;
    ``now`` and ``commit`` as for ``render_gate``.

    Returns the path written; the file is replaced atomically. Raises BadInputError naming a
    JUnit file or scan.json that cannot be read.
    """
    directory = Path(report_dir)
    scan_file = directory / SCAN_JSON
    scan_report = None
    if scan_file.is_file():
        scan_report = read_json(scan_file, what="scan report", next_step=NextStep.SCAN)
    text = render_gate(scan_report, [read_junit(f) for f in junit_files], now=now, commit=commit)
    return atomic_write_text(directory / GATE_FILE, text)
