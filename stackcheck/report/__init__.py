"""Scan reports: JSON (``reports/scan.json``) and the console summary; SARIF and Markdown come later."""

from __future__ import annotations

from stackcheck.report.console import render_console
from stackcheck.report.json_report import REPORT_FILE, build_report, write_report

__all__ = ["REPORT_FILE", "build_report", "render_console", "write_report"]
