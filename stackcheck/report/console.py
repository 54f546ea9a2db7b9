"""The console report: stack × tool summary table, ledger warnings, one line per unsuppressed failure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from stackcheck.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.runner import ScanResult, SummaryRow

__all__ = [
    "SLOWEST_RULES",
    "cache_line",
    "cache_use",
    "failure_line",
    "no_pass_legend",
    "render_console",
    "slowest_rules_caption",
    "slowest_rules_lines",
]

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


def _units(count: int) -> str:
    return f"{count} scan unit{'s' if count != 1 else ''}"


def cache_use(result: ScanResult) -> tuple[int, int]:
    """``(cached, total)``: how many of the result's scan units (one scanner on one template each) came from
    the findings cache, and how many units there were. The console's report line and the slowest-rules
    wording both count with it."""
    return sum(u.cached for u in result.units), len(result.units)


def cache_line(result: ScanResult) -> str | None:
    """``16 of 16 scan units from the findings cache`` (see ``cache_use``); None when no unit came from it."""
    cached, total = cache_use(result)
    return f"{cached} of {total} scan units from the findings cache" if cached else None


def slowest_rules_caption(result: ScanResult, name: Callable[[str], str] = str) -> str | None:
    """What the slowest-rules section says about which scan units its timings cover, as one sentence
    starting in lower case; the console and scan.md both use it (scan.md escapes tool names through
    ``name``). Per-rule timings exist only for units that ran: units from the findings cache have none.

    - rules timed, no unit from the cache: ``CPU seconds of each rule's own code, timings of the 16 scan
      units that ran (none came from the findings cache).``
    - rules timed, some units from the cache: ``..., timings of the 3 of 16 scan units that ran (13 came
      from the findings cache).``
    - every unit from the cache: ``none ran in this scan; all 16 scan units came from the findings cache
      (timings are recorded when the scanners run).``
    - some ran, some from the cache, but none of those that ran times its rules (cdk-nag, the assembly
      rules): ``none timed in this scan; the 2 of 16 scan units that ran (cdk-nag) record no per-rule
      timings and the other 14 came from the findings cache.``

    None when no rule was timed and no unit came from the cache: nothing to explain (a live compliance
    evaluation, for one, times no rules).
    """
    cached, total = cache_use(result)
    ran = total - cached
    if result.slowest_rules(1):
        came = f"{cached} came" if cached else "none came"
        scope = f"the {ran} of {total} scan units" if cached else f"the {_units(ran)}"
        return f"CPU seconds of each rule's own code, timings of {scope} that ran ({came} from the findings cache)."
    if not cached:
        return None
    if not ran:
        every = f"all {_units(total)}" if total != 1 else "the 1 scan unit"
        return (
            f"none ran in this scan; {every} came from the findings cache (timings are recorded when the scanners run)."
        )
    tools = ", ".join(name(tool) for tool in dict.fromkeys(u.tool for u in result.units if not u.cached))
    return (
        f"none timed in this scan; the {ran} of {total} scan units that ran ({tools}) record no per-rule timings "
        f"and the other {cached} came from the findings cache."
    )


def slowest_rules_lines(result: ScanResult, limit: int = SLOWEST_RULES) -> list[str]:
    """``slowest rules: <slowest_rules_caption>`` and one ``tool  rule  seconds`` line per timed rule (the
    ``limit`` slowest); the caption alone when no rule was timed because units came from the findings
    cache; ``[]`` when the caption is None.

    Seconds are the CPU seconds of the rule's own code summed over the templates scanned this time.
    """
    caption = slowest_rules_caption(result)
    if caption is None:
        return []
    rules = result.slowest_rules(limit)
    lines = [f"slowest rules: {caption}"]
    if rules:
        tool_width = max(len(r.tool) for r in rules)
        rule_width = max(len(r.rule_id) for r in rules)
        # not tabulate: it strips the fixed 7-wide seconds field's leading spaces, so the column would move
        lines += [f"  {r.tool.ljust(tool_width)}  {r.rule_id.ljust(rule_width)}  {r.seconds:7.3f}" for r in rules]
    return lines


def render_console(result: ScanResult) -> str:
    """The whole console report as text (no trailing newline).

    A table of stack × tool with passed ("n/a" when the tool reports no passes), failed,
    suppressed and unknown counts, with ``no_pass_legend`` under it only when a row shows n/a;
    then the slowest rules, or why none were timed (``slowest_rules_lines``); then ledger warnings; then
    every unsuppressed failure (FAILED, then UNKNOWN of severity ERROR) as ``failure_line``; then a
    one-line verdict.
    """
    summary = result.summary()
    rows = [
        (
            r.stack,
            r.tool,
            "n/a" if r.passed is None else str(r.passed),
            str(r.failed),
            str(r.suppressed),
            str(r.unknown),
        )
        for r in summary
    ]
    # the header as a row, not headers=: tabulate pads header columns by 2 more; [1:-1] drops the outer rules
    from tabulate import SEPARATING_LINE, tabulate  # here: importing the report package stays light

    table = tabulate(
        [_COLUMNS, SEPARATING_LINE, *rows],
        tablefmt="simple",
        colalign=("left", "left") + ("right",) * (len(_COLUMNS) - 2),
        disable_numparse=True,
    )
    lines = [line.rstrip() for line in table.splitlines()[1:-1]]
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
        lines.append(
            f"FAILED: {len(failures)} unsuppressed finding{'s' if len(failures) != 1 else ''} ({suppressed} suppressed)"
        )
    else:
        lines.append(f"PASSED: no unsuppressed finding ({suppressed} suppressed)")
    return "\n".join(lines)
