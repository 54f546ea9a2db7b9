"""The console report: stack × tool summary table, ledger warnings, one line per unsuppressed failure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from stackcheck.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.runner import ScanResult, SummaryRow

__all__ = ["SLOWEST_RULES", "failure_line", "no_pass_legend", "render_console", "slowest_rules_lines"]

SLOWEST_RULES = 5
"""How many rules the "slowest rules" sections of the console and Markdown reports list."""

_COLUMNS = ("stack", "tool", "passed", "failed", "suppressed", "unknown")


def no_pass_legend(rows: Iterable[SummaryRow], name: Callable[[str], str] = str) -> str | None:
    """The line under a stack × tool table saying why its n/a passed counts are n/a, naming each tool
    whose rows show n/a (``passed`` None) once, in table order, through ``name`` (scan.md escapes them):
    ``n/a: cfn-lint reports only failures, so it has no pass count.`` None when no row shows n/a.
    The console and scan.md both use it."""
    names = [name(tool) for tool in dict.fromkeys(r.tool for r in rows if r.passed is None)]
    if not names:
        return None
    if len(names) == 1:
        return f"n/a: {names[0]} reports only failures, so it has no pass count."
    return f"n/a: {', '.join(names[:-1])} and {names[-1]} report only failures, so they have no pass count."


def failure_line(finding: Finding) -> str:
    """``rule_id  stack/logical_id (construct path)  file:line  message`` for one finding."""
    where = finding.target + (f" ({finding.construct_path})" if finding.construct_path else "")
    location = finding.template_file + (f":{finding.line}" if finding.line else "")
    return f"{finding.rule_id}  {where}  {location}  {finding.message}"


def slowest_rules_lines(result: ScanResult, limit: int = SLOWEST_RULES) -> list[str]:
    """``slowest rules`` heading and one ``tool  rule  seconds`` line per rule; ``[]`` when no rule was timed.

    Seconds are the CPU seconds of the rule's own code summed over the templates scanned this
    time (templates answered from the findings cache do not count).
    """
    rules = result.slowest_rules(limit)
    if not rules:
        return []
    tool_width = max(len(r.tool) for r in rules)
    rule_width = max(len(r.rule_id) for r in rules)
    ran = sum(not getattr(u, "cached", False) for u in result.units)
    lines = [f"slowest rules (CPU seconds over the {ran} scan{'s' if ran != 1 else ''} that ran):"]
    lines += [f"  {r.tool.ljust(tool_width)}  {r.rule_id.ljust(rule_width)}  {r.seconds:7.3f}" for r in rules]
    return lines


def render_console(result: ScanResult) -> str:
    """The whole console report as text (no trailing newline).

    A table of stack × tool with passed ("n/a" when the tool reports no passes), failed,
    suppressed and unknown counts, with ``no_pass_legend`` under it only when a row shows n/a;
    then the slowest rules (``slowest_rules_lines``); then ledger warnings; then every unsuppressed
    failure (FAILED, then UNKNOWN of severity ERROR) as ``failure_line``; then a one-line verdict.
    """
    summary = result.summary()
    rows = [
        (r.stack, r.tool, "n/a" if r.passed is None else str(r.passed), str(r.failed), str(r.suppressed), str(r.unknown))
        for r in summary
    ]
    widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(_COLUMNS)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    lines = [fmt(_COLUMNS), fmt(tuple("-" * w for w in widths))]
    lines += [fmt(row) for row in rows]
    legend = no_pass_legend(summary)
    if legend:
        lines += ["", legend]
    slowest = slowest_rules_lines(result)
    if slowest:
        lines += ["", *slowest]
    if result.ledger_warnings:
        lines.append("")
        lines += [f"ledger {w.kind}: {w.message}" for w in result.ledger_warnings]
    failures = result.failures()
    if failures:
        lines.append("")
        lines += [failure_line(f) for f in failures]
    suppressed = sum(r.suppressed for r in summary)
    lines.append("")
    if failures:
        lines.append(f"FAILED: {len(failures)} unsuppressed finding{'s' if len(failures) != 1 else ''} "
                     f"({suppressed} suppressed)")
    else:
        lines.append(f"PASSED: no unsuppressed finding ({suppressed} suppressed)")
    return "\n".join(lines)
