"""The JSON scan report: every finding, the stack × tool summary, ledger warnings, tool versions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.outputs import atomic_write_json

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.runner import ScanResult

__all__ = ["REPORT_FILE", "SCHEMA", "build_report", "write_report"]

REPORT_FILE = "scan.json"
SCHEMA = "stackcheck.scan/1"


def build_report(result: ScanResult, *, ledger_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict.

    Keys: ``schema``, ``exit_code``, ``tools`` (name → version, reports_passes), ``templates``
    (stack, tool, template_file, seconds, crashed per unit), ``summary`` (``rows``: stack, tool,
    passed (null when the tool reports no passes), failed, suppressed, unknown; ``totals``),
    ``findings`` (``Finding.to_dict`` each, scan order), ``ledger`` (path, warnings), ``timings``
    (seconds).
    """
    rows = [row.to_dict() for row in result.summary()]
    totals = {key: sum(row[key] or 0 for row in rows) for key in ("passed", "failed", "suppressed", "unknown")}
    return {
        "schema": SCHEMA,
        "exit_code": result.exit_code,
        "tools": result.tools,
        "templates": [
            {"stack": u.stack, "tool": u.tool, "template_file": u.template_file,
             "seconds": round(u.seconds, 3), "crashed": u.crashed}
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


def write_report(result: ScanResult, report_dir: str | os.PathLike[str] = "reports", *,
                 ledger_path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``build_report`` to ``<report_dir>/scan.json`` atomically; returns the path."""
    return atomic_write_json(Path(report_dir) / REPORT_FILE, build_report(result, ledger_path=ledger_path))
