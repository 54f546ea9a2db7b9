"""`stackcheck report gate`: one Markdown page from the scan report and the post-deploy JUnit files."""

from __future__ import annotations

import argparse
from stackcheck.files import REPORTS_DIR

HELP = "write reports/gate.md from reports/scan.json and post-deploy JUnit XML files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``gate JUNIT...`` with ``--report-dir`` (default reports)."""
    sub = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    gate = sub.add_parser("gate", help=HELP)
    gate.add_argument("junit", nargs="*", help="JUnit XML files of the post-deploy checks")
    gate.add_argument("--report-dir", default=REPORTS_DIR, help="folder with scan.json; gate.md goes here")


def run(args: argparse.Namespace) -> int:
    """Write the summary, print it, and return 1 when the scan or a post-deploy check failed."""
    from stackcheck.report.gate import write_gate

    path = write_gate(args.report_dir, args.junit)
    text = path.read_text(encoding="utf-8")
    print(text, end="")
    return 0 if text.startswith("## Gate: PASSED") else 1


COMMANDS = {"report": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
