"""The JSON scan report: when and from which commit, every finding, the stack × tool summary, ledger warnings,
tool versions."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.files import REPORTS_DIR, SCAN_JSON, atomic_write_json
from stackcheck.report.provenance import Commit, report_fields, resolve

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.runner import ScanResult

__all__ = ["REPORT_FILE", "SCHEMA", "build_report", "write_report"]

REPORT_FILE = SCAN_JSON
SCHEMA = "stackcheck.scan/1"


def build_report(
    result: ScanResult,
    *,
    ledger_path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict.

    Keys: ``schema``, ``exit_code``, ``generated`` (UTC, ISO 8601 to the second:
    ``2026-03-04T05:06:07Z``), ``commit`` (``sha``: short, null when unknown; ``dirty``: null when
    git could not tell; ``reason``: why the SHA is unknown, else null), ``tools`` (name → version,
    reports_passes), ``templates`` (stack, tool, template_file, seconds, crashed per unit),
    ``summary`` (``rows``: stack, tool,
    passed (null when the tool reports no passes), failed, suppressed, unknown; ``totals``),
    ``findings`` (``Finding.to_dict`` each, scan order), ``ledger`` (path, warnings), ``timings``
    (seconds).

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()`` of
    the working directory) are parameters so tests can fix them. Raises ValueError for a naive ``now``.
    """
    moment, commit = resolve(now, commit)
    rows = [row.to_dict() for row in result.summary()]
    totals = {
        key: sum(getattr(row, key) or 0 for row in result.summary())
        for key in ("passed", "failed", "suppressed", "unknown")
    }
    return {
        "schema": SCHEMA,
        "exit_code": result.exit_code,
        **report_fields(moment, commit),
        "tools": result.tools,
        "templates": [
            {
                "stack": u.stack,
                "tool": u.tool,
                "template_file": u.template_file,
                "seconds": round(u.seconds, 3),
                "crashed": u.crashed,
            }
            for u in result.units
        ],
        "summary": {"rows": rows, "totals": totals},
        "findings": [f.to_dict() for f in result.findings],
        "ledger": {
            "path": str(ledger_path) if ledger_path is not None else None,
            "warnings": [w.to_dict() for w in result.ledger_warnings],
        },
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }


def write_report(
    result: ScanResult,
    report_dir: str | os.PathLike[str] = REPORTS_DIR,
    *,
    ledger_path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> Path:
    """Write ``build_report`` (``now`` and ``commit`` as there) to ``<report_dir>/scan.json`` atomically;
    returns the path."""
    report = build_report(result, ledger_path=ledger_path, now=now, commit=commit)
    return atomic_write_json(Path(report_dir) / REPORT_FILE, report)
