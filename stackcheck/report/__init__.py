"""Scan reports: JSON (``reports/scan.json``), SARIF 2.1.0 (``scan.sarif``), Markdown (``scan.md``) and the console summary."""

from __future__ import annotations

from stackcheck.report.console import render_console
from stackcheck.report.json_report import REPORT_FILE, build_report, write_report
from stackcheck.report.markdown import MARKDOWN_FILE, render_markdown, write_markdown
from stackcheck.report.sarif import SARIF_FILE, build_sarif, write_sarif

__all__ = [
    "MARKDOWN_FILE",
    "REPORT_FILE",
    "SARIF_FILE",
    "build_report",
    "build_sarif",
    "render_console",
    "render_markdown",
    "write_markdown",
    "write_report",
    "write_sarif",
]
