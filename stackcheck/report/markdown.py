"""The Markdown scan summary (``reports/scan.md``), sized for a pull-request comment."""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from stackcheck.files import REPORTS_DIR, SCAN_MARKDOWN, atomic_write_text
from stackcheck.findings import Finding, Status
from stackcheck.report.console import SLOWEST_RULES, no_pass_legend, slowest_rules_caption
from stackcheck.report.pci import Requirement, pci_section
from stackcheck.report.provenance import Commit, resolve, stamp
from stackcheck.report.sarif import relative_location
from stackcheck.report.table import markdown_table

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.baseline import BaselineComparison
    from stackcheck.scan.runner import ScanResult

__all__ = ["COMMENT_LIMIT", "MARKDOWN_FILE", "render_markdown", "write_markdown"]

MARKDOWN_FILE = SCAN_MARKDOWN
COMMENT_LIMIT = 65_536
"""GitHub's limit on the body of a pull-request comment, in characters."""


def _cell(text: object) -> str:
    """Text safe inside a table cell: one line, pipes escaped, no HTML."""
    value = " ".join(str(text).split())
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;") or " "


def _code(text: str | None) -> str:
    """Text as a code span in a table cell (backslashes stay literal there; pipes still need escaping)."""
    if not text:
        return "-"
    value = " ".join(str(text).split()).replace("|", "\\|")
    return f"`` {value} ``" if "`" in value else f"`{value}`"


def _where(finding: Finding, root: str | os.PathLike[str]) -> str:
    path, _ = relative_location(finding.template_file, root)
    return _code(f"{path}:{finding.line}" if finding.line else path)


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]], right: int = 0) -> list[str]:
    """A GitHub table (``markdown_table``); the last ``right`` columns are right-aligned."""
    return markdown_table(header, rows, right)


def _failure_rows(findings: Iterable[Finding], root: str | os.PathLike[str]) -> list[tuple[str, ...]]:
    return [
        (
            _code(f.rule_id),
            _cell(f.tool),
            _cell(f.stack),
            _code(f.construct_path or f.logical_id),
            _where(f, root),
            _cell(f.message),
        )
        for f in findings
    ]


def _fold(summary: str, body: list[str]) -> list[str]:
    """``body`` in a GitHub ``<details>`` block shown folded under ``summary`` (plain text, HTML-escaped).

    The blank lines around ``body`` let GitHub render Markdown (tables, lists) inside the block.
    """
    return ["<details>", f"<summary>{html.escape(summary, quote=False)}</summary>", "", *body, "", "</details>"]


def _suppressed_summary(suppressed: list[Finding], ledger: str | os.PathLike[str] | None) -> str:
    """``20 suppressed findings (ledger policies/suppressions.yaml; earliest expiry 2027-02-28)``."""
    count = f"{len(suppressed)} suppressed finding{'s' if len(suppressed) != 1 else ''}"
    expiries = [f.suppression.expires for f in suppressed if f.suppression is not None and f.suppression.expires]
    details = ([f"ledger {os.fspath(ledger)}"] if ledger else []) + (
        [f"earliest expiry {min(expiries).isoformat()}"] if expiries else []
    )
    return f"{count} ({'; '.join(details)})" if details else count


_FAILURE_HEADER = ("rule", "tool", "stack", "construct path", "file:line", "message")


def render_markdown(
    result: ScanResult,
    *,
    comparison: BaselineComparison | None = None,
    root: str | os.PathLike[str] = ".",
    limit: int = COMMENT_LIMIT,
    now: datetime | None = None,
    commit: Commit | None = None,
    ledger: str | os.PathLike[str] | None = None,
    pci: Iterable[Requirement] | None = None,
) -> str:
    """The summary as Markdown text of at most ``limit`` characters (ends with a newline).

    Headline PASSED/FAILED (the gate's verdict: new failures with a baseline, any failure
    without); under it, when and from which commit
    (``Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).``); counts of new, fixed,
    suppressed and unknown findings (without ``comparison`` every failure is new and fixed is 0);
    a stack × tool table, with a line under it saying why a tool that reports only failures
    (cfn-lint) shows n/a passed (``no_pass_legend``, only when one does); the new failures (rule,
    tool, stack, construct path, file:line, message); with a baseline, the known failures and the
    fixed entries; suppressed findings with their reasons, folded in a ``<details>`` block whose
    ``<summary>`` gives their count, the ``ledger`` file (when given) and the earliest expiry; ledger
    warnings, expired entries open and stale entries folded; the slowest rules under
    ``slowest_rules_caption`` (rule, tool, CPU seconds; ``SLOWEST_RULES`` of them), or that caption
    alone when no rule was timed because units came from the findings cache. Failures (new or known)
    are never folded. When the text would pass ``limit``, whole lines are dropped from the end and a note says
    how many (a fold the cut falls in is closed before the note).

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()``
    of the working directory) are parameters so tests can fix them. ``ledger`` is the suppression
    ledger's path as the user gave it (``policies/suppressions.yaml``), named in the folds' summaries.
    ``pci`` (``stackcheck.report.pci.load_mapping``) adds a PCI DSS v4.0 status table after the failures;
    None leaves the section out. Raises ValueError for a naive ``now``.
    """
    moment, commit = resolve(now, commit)
    failures = result.failures()
    new = list(comparison.new) if comparison else failures
    known = list(comparison.known) if comparison else []
    fixed = list(comparison.fixed) if comparison else []
    suppressed = [f for f in result.findings if f.status is Status.SUPPRESSED]
    unknown = [f for f in result.findings if f.status is Status.UNKNOWN]
    exit_code = comparison.exit_code if comparison else result.exit_code
    verdict = "FAILED" if exit_code else "PASSED"

    lines = [f"## stackcheck scan: {verdict}", "", stamp(moment, commit), ""]
    counts = f"**{len(new)} new** · {len(fixed)} fixed · {len(suppressed)} suppressed · {len(unknown)} unknown"
    if comparison:
        base = comparison.baseline
        name = base.path.name if base.path else "baseline"
        remain = "1 known failure remains" if len(known) == 1 else f"{len(known)} known failures remain"
        counts += f" — against baseline `{_cell(name)}` of {base.created} ({remain})"
    else:
        counts += " — no baseline: every failure counts as new"
    lines += [counts, ""]
    for tool, (then, current) in sorted((comparison.tool_changes if comparison else {}).items()):
        lines.append(f"> {tool} is {current} now, {then} in the baseline: new findings may come from its new checks.")
    if comparison and comparison.tool_changes:
        lines.append("")
    summary = result.summary()
    rows = [
        (
            _cell(r.stack),
            _cell(r.tool),
            "n/a" if r.passed is None else str(r.passed),
            str(r.failed),
            str(r.suppressed),
            str(r.unknown),
        )
        for r in summary
    ]
    lines += _table(("stack", "tool", "passed", "failed", "suppressed", "unknown"), rows, right=4)
    legend = no_pass_legend(summary, name=_cell)
    if legend:
        lines += ["", legend]
    lines.append("")

    title = "New failures" if comparison else "Failures"
    if new:
        lines += [f"### {title} ({len(new)})", "", *_table(_FAILURE_HEADER, _failure_rows(new, root)), ""]
    if pci is not None:
        lines += pci_section(pci, result.findings)
    if known:
        lines += [f"### Known failures, in the baseline ({len(known)})", ""]
        lines += [*_table(_FAILURE_HEADER, _failure_rows(known, root)), ""]
    if fixed:
        lines += [f"### Fixed since the baseline ({len(fixed)})", ""]
        lines += [
            *_table(
                ("rule", "tool", "stack", "construct path"),
                [
                    (_code(e.rule_id), _cell(e.tool), _cell(e.stack), _code(e.construct_path or e.logical_id))
                    for e in fixed
                ],
            ),
            "",
        ]
    if suppressed:
        lines += [f"### Suppressed ({len(suppressed)})", ""]
        lines += [
            *_fold(
                _suppressed_summary(suppressed, ledger),
                _table(
                    ("rule", "stack", "construct path", "reason", "owner", "expires"),
                    [
                        (
                            _code(f.rule_id),
                            _cell(f.stack),
                            _code(f.construct_path or f.logical_id),
                            _cell(
                                ("framework-owned: " if f.suppression.framework_owned else "") + f.suppression.reason
                            ),
                            _cell(f.suppression.owner),
                            f.suppression.expires.isoformat() if f.suppression.expires else "-",
                        )
                        for f in suppressed
                        if f.suppression is not None
                    ],
                ),
            ),
            "",
        ]
    if result.ledger_warnings:
        expired = [w for w in result.ledger_warnings if w.kind != "stale"]
        stale = [w for w in result.ledger_warnings if w.kind == "stale"]
        lines += [f"### Ledger warnings ({len(result.ledger_warnings)})", ""]
        lines += [f"- **{w.kind}**: {_cell(w.message)}" for w in expired] + ([""] if expired else [])
        if stale:
            where = f" in {os.fspath(ledger)}" if ledger else ""
            one = len(stale) == 1
            heading = (
                f"{len(stale)} stale ledger {'entry' if one else 'entries'}{where} "
                f"(match{'es' if one else ''} no failed finding)"
            )
            lines += [*_fold(heading, [f"- **{w.kind}**: {_cell(w.message)}" for w in stale]), ""]
    caption = slowest_rules_caption(result, name=_cell)
    if caption:
        lines += ["### Slowest rules", "", caption[:1].upper() + caption[1:], ""]
        slowest = result.slowest_rules(SLOWEST_RULES)
        if slowest:
            lines += [
                *_table(
                    ("rule", "tool", "seconds"),
                    [(_code(r.rule_id), _cell(r.tool), f"{r.seconds:.3f}") for r in slowest],
                    right=1,
                ),
                "",
            ]
    return _fit(lines, limit)


def _is_row(lines: list[str], index: int) -> bool:
    """True for a table data row or a list item (not a heading, header row or separator)."""
    line = lines[index]
    if line.startswith("- "):
        return True
    header = index + 1 < len(lines) and lines[index + 1].startswith("| ---")
    return line.startswith("| ") and not line.startswith("| ---") and not header


def _fit(lines: list[str], limit: int) -> str:
    while lines and not lines[-1]:
        lines = lines[:-1]
    text = "\n".join(lines) + "\n"
    if len(text) <= limit:
        return text
    rows_left = [0] * (len(lines) + 1)  # rows from line i to the end
    for i in range(len(lines) - 1, -1, -1):
        rows_left[i] = rows_left[i + 1] + _is_row(lines, i)
    kept: list[str] = []
    size = 0
    folds = 0  # <details> blocks open in ``kept``: a cut inside one closes it, so the note is not folded away
    for index, line in enumerate(lines):
        close = "\n</details>\n" * folds
        note = (
            f"\n_… truncated: {rows_left[index]} more rows not shown (GitHub comments hold {limit} characters); "
            "the full list is in reports/scan.sarif and reports/scan.json._\n"
        )
        opens = folds + (line == "<details>") - (line == "</details>")
        if size + len(line) + 1 + len(note) + len("\n</details>\n") * max(folds, opens) > limit:
            return "\n".join(kept) + "\n" + close + note
        kept.append(line)
        size += len(line) + 1
        folds = opens
    return text  # pragma: no cover - the loop returns once the limit is reached


def write_markdown(
    result: ScanResult,
    report_dir: str | os.PathLike[str] = REPORTS_DIR,
    *,
    comparison: BaselineComparison | None = None,
    root: str | os.PathLike[str] = ".",
    now: datetime | None = None,
    commit: Commit | None = None,
    ledger: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``render_markdown`` (``now``, ``commit`` and ``ledger`` as there) to ``<report_dir>/scan.md``
    through a temporary file and a rename; returns the path."""
    text = render_markdown(result, comparison=comparison, root=root, now=now, commit=commit, ledger=ledger)
    return atomic_write_text(Path(report_dir) / MARKDOWN_FILE, text)
