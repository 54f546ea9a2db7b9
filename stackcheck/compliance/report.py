"""Compliance reports (compliance.json, compliance.sarif, compliance.md, console text) through the scan report writers."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.errors import NextStep
from stackcheck.files import (
    COMPLIANCE_JSON,
    COMPLIANCE_MARKDOWN,
    COMPLIANCE_SARIF,
    REPORTS_DIR,
    json_text,
    publish_reports,
)
from stackcheck.report.provenance import Commit, report_fields, resolve, stamp

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    from stackcheck.compliance.evaluate import ComplianceResult, LiveTarget
    from stackcheck.report.pci import Requirement

__all__ = [
    "JSON_FILE",
    "MARKDOWN_FILE",
    "SARIF_FILE",
    "SCHEMA",
    "build_compliance_report",
    "render_compliance_console",
    "render_compliance_markdown",
    "write_compliance_reports",
    "write_error_reports",
]

JSON_FILE = COMPLIANCE_JSON
SARIF_FILE = COMPLIANCE_SARIF
MARKDOWN_FILE = COMPLIANCE_MARKDOWN
SCHEMA = "stackcheck.compliance/1"


class _LiveRules:
    """What the SARIF writer asks of a scanner: the tool name and each rule's one-line description."""

    def __init__(self, result: ComplianceResult):
        from stackcheck.compliance.evaluate import GONE_RULE, LIVE_TOOL, READ_ERROR_RULE

        self.tool = LIVE_TOOL
        self._descriptions = {form.id: form.rule.outcome for form in result.forms}
        self._descriptions[READ_ERROR_RULE] = "A live resource the live forms need can be read"
        self._descriptions[GONE_RULE] = "Every declared resource CloudFormation lists still exists"

    def rule_description(self, rule_id: str) -> str | None:
        return self._descriptions.get(rule_id)


def build_compliance_report(
    result: ComplianceResult,
    *,
    ledger_path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> dict[str, Any]:
    """The scan report's JSON (``stackcheck.report.build_report``: with ``generated`` and ``commit``) with
    ``schema`` ``stackcheck.compliance/1`` and ``target`` (endpoint_url, region, emulator, source), ``live_forms``
    (rule_id, tool, kind, origin, resource_types, outcome), ``template_only`` (rule ids without a live form),
    ``api_calls``, ``coverage`` (rule_id, tool, resource_type, live, why: per rule and declared resource type,
    live or template only) and ``not_deployed`` (stack, logical_id, resource_type, reason: declared, not in the
    deployed stack) added.

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()`` of
    the working directory) are parameters so tests can fix them. Raises ValueError for a naive ``now``.
    """
    from stackcheck.report import build_report

    report = build_report(result.scan, ledger_path=ledger_path, now=now, commit=commit)
    report["schema"] = SCHEMA
    report["target"] = result.target.to_dict()
    report["live_forms"] = [form.to_dict() for form in result.forms]
    report["template_only"] = list(result.template_only)
    report["api_calls"] = result.api_calls
    report["coverage"] = [row.to_dict() for row in result.coverage]
    report["not_deployed"] = [row.to_dict() for row in result.not_deployed]
    return report


def render_compliance_markdown(
    result: ComplianceResult,
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
    pci: Iterable[Requirement] | None = None,
) -> str:
    """The scan Markdown summary (``stackcheck.report.render_markdown``) titled for compliance: the heading, when and
    from which commit (``now`` and ``commit`` as for ``build_compliance_report``), then the live target.
    ``pci`` as for ``render_markdown`` (a PCI DSS v4.0 status table of the live findings). Raises ValueError for a
    naive ``now``."""
    from stackcheck.compliance.evaluate import not_deployed_line
    from stackcheck.report import render_markdown

    now, commit = resolve(now, commit)
    line = stamp(now, commit)
    text = render_markdown(result.scan, now=now, commit=commit, pci=pci)
    title, _, rest = text.partition("\n")
    # The scan summary's stamp moves above the live target, so it sits under the heading here too.
    rest = rest.removeprefix(f"\n{line}\n")
    verdict = title.rsplit(": ", 1)[-1]
    forms = ", ".join(f"`{form.id}`" for form in result.forms)
    lines = [
        f"## stackcheck compliance: {verdict}",
        "",
        line,
        "",
        f"Live state of the deployed stacks at {result.target.describe()}, {result.api_calls} API calls; "
        f"live forms: {forms}.",
    ]
    if result.template_only:
        lines.append(f"Template only (no live form): {', '.join(f'`{i}`' for i in result.template_only)}.")
    missing = not_deployed_line(result)
    if missing is not None:
        lines.append(f"**Not deployed:** {missing}.")
    body = rest.replace("reports/scan.sarif and reports/scan.json", f"reports/{SARIF_FILE} and reports/{JSON_FILE}")
    return "\n".join(lines) + "\n" + body + _coverage_section(result)


def _coverage_section(result: ComplianceResult) -> str:
    """``### Coverage``: one row per rule and declared resource type, live or template only and why, folded."""
    from stackcheck.report.table import markdown_table

    if not result.coverage:
        return ""
    live = sum(row.live for row in result.coverage)
    rows = [
        (f"`{row.resource_type}`", f"`{row.rule_id}`", "live" if row.live else "template only", row.why)
        for row in result.coverage
    ]
    table = markdown_table(("resource type", "rule", "checked", "why"), rows)
    return "\n".join(
        [
            "",
            "### Coverage",
            "",
            f"{live} of {len(rows)} rule × resource type pairs of the deployed stacks are checked on live state; "
            f"{NextStep.SCAN_TEMPLATE.render()}.",
            "",
            "<details><summary>Each rule on each resource type</summary>",
            "",
            *table,
            "",
            "</details>",
            "",
        ]
    )


def render_compliance_console(result: ComplianceResult) -> str:
    """The scan console report (stack × tool table, ledger warnings, unsuppressed failures, verdict) under a target line."""
    from stackcheck.compliance.evaluate import not_deployed_line
    from stackcheck.report import render_console

    head = f"live target: {result.target.describe()}; {result.api_calls} API calls\n"
    missing = not_deployed_line(result)
    if missing is not None:
        head += f"not deployed: {missing}\n"
    return head + render_console(result.scan)


def write_compliance_reports(
    result: ComplianceResult,
    report_dir: str | os.PathLike[str] = REPORTS_DIR,
    *,
    ledger_path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
    commit: Commit | None = None,
    pci: Iterable[Requirement] | None = None,
) -> dict[str, Path]:
    """Write compliance.json, compliance.sarif (SARIF 2.1.0, one run of tool ``stackcheck-live``) and compliance.md
    into ``report_dir`` as one set (``publish_reports``); returns ``{"json", "sarif", "markdown"}`` → path.
    compliance.json and compliance.md name the same moment and commit (``now`` and ``commit`` as for
    ``build_compliance_report``, resolved once); compliance.sarif names neither. ``pci``: as for
    ``render_compliance_markdown``."""
    from stackcheck.report import build_sarif

    now, commit = resolve(now, commit)
    directory = Path(report_dir)
    report = build_compliance_report(result, ledger_path=ledger_path, now=now, commit=commit)
    return _publish(
        directory,
        report,
        build_sarif(result.scan, scanners=[_LiveRules(result)]),
        render_compliance_markdown(result, now=now, commit=commit, pci=pci),
    )


def _publish(directory: Path, report: Any, sarif: Any, markdown: str) -> dict[str, Path]:
    """compliance.json, .sarif and .md published as one set (``publish_reports``)."""
    paths = publish_reports(
        directory, {JSON_FILE: json_text(report), SARIF_FILE: json_text(sarif), MARKDOWN_FILE: markdown}
    )
    return {"json": paths[JSON_FILE], "sarif": paths[SARIF_FILE], "markdown": paths[MARKDOWN_FILE]}


def write_error_reports(
    report_dir: str | os.PathLike[str],
    message: str,
    exit_code: int,
    target: LiveTarget | None = None,
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> dict[str, Path]:
    """Reports of a run that could not check (exit 2 or 3), so yesterday's reports never stand for tonight's run.

    compliance.json holds ``schema``, ``exit_code``, ``generated``, ``commit``, ``error`` and ``target``;
    compliance.sarif one run whose invocation failed with the message as a tool execution notification;
    compliance.md a NOT CHECKED headline, when and from which commit, the target and the message.
    ``now`` and ``commit`` as for ``build_compliance_report`` (resolved once for both files).
    """
    from stackcheck.compliance.evaluate import LIVE_TOOL
    from stackcheck.report.sarif import SARIF_SCHEMA, SARIF_VERSION

    now, commit = resolve(now, commit)
    directory = Path(report_dir)
    where = target.describe() if target else "not resolved"
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": {"name": LIVE_TOOL, "rules": []}},
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "exitCode": exit_code,
                        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
                    }
                ],
                "results": [],
            }
        ],
    }
    report = {
        "schema": SCHEMA,
        "exit_code": exit_code,
        **report_fields(now, commit),
        "error": message,
        "target": target.to_dict() if target else None,
    }
    markdown = (
        f"## stackcheck compliance: NOT CHECKED (exit {exit_code})\n\n"
        f"{stamp(now, commit)}\n\nLive target: {where}.\n\n{' '.join(message.split())}\n"
    )
    return _publish(directory, report, sarif, markdown)
