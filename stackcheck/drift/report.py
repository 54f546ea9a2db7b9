"""Drift reports: ``reports/drift.json``, ``reports/drift.md`` (for a nightly issue), ``reports/drift.xml`` (JUnit), the console summary."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from stackcheck.drift.model import (
    DetectionOutcome,
    DifferenceStatus,
    DriftResult,
    ResourceDrift,
    ResourceStatus,
    Verdict,
)
from stackcheck.files import DRIFT_JSON, DRIFT_JUNIT, DRIFT_MARKDOWN, REPORTS_DIR, json_text, publish_reports
from stackcheck.report.provenance import Commit, report_fields, resolve, stamp
from stackcheck.report.table import markdown_table

__all__ = [
    "JSON_FILE",
    "JUNIT_FILE",
    "MARKDOWN_FILE",
    "SCHEMA",
    "build_json",
    "build_junit",
    "junit_text",
    "overall",
    "render_console",
    "render_markdown",
    "write_drift_reports",
]

JSON_FILE = DRIFT_JSON
MARKDOWN_FILE = DRIFT_MARKDOWN
JUNIT_FILE = DRIFT_JUNIT
SCHEMA = "stackcheck.drift/1"
_MD_VALUE_LIMIT = 120
_VERDICT_WORDS = {Verdict.DRIFTED: "drift found", Verdict.UNKNOWN: "could not detect drift"}


def overall(result: DriftResult) -> str:
    """One sentence for the whole run, e.g. ``drift found: 1 DRIFTED, 2 PARTIAL, 1 IN_SYNC of 4 stacks``;
    it spells out ``result.verdict`` (the word drift.md's heading, drift.json's ``verdict`` and the
    console's last line lead with).

    A run whose stacks are only IN_SYNC says "in sync"; any other run without drift says how many
    resources were checked and that coverage is PARTIAL
    (``no drift found in the 5 of 8 resources checked; coverage is PARTIAL (...): 3 not checked``).
    """
    if result.unavailable is not None:
        return f"could not detect drift: {result.unavailable}"
    if not result.stacks:
        return "could not detect drift: no stacks to check"
    order = (Verdict.DRIFTED, Verdict.UNKNOWN, Verdict.PARTIAL, Verdict.IN_SYNC)
    counts = {v: sum(1 for s in result.stacks if s.verdict is v) for v in order}
    listed = ", ".join(f"{n} {v.value}" for v, n in counts.items() if n)
    stacks = f"{len(result.stacks)} stack{'s' if len(result.stacks) != 1 else ''}"
    verdict = result.verdict
    if verdict is Verdict.IN_SYNC:
        return f"in sync: {stacks}, every resource checked, none drifted"
    if verdict is Verdict.PARTIAL:
        checked, total = _coverage(result)
        return (
            f"no drift found in the {checked} of {total} resources checked; coverage is PARTIAL "
            f"({listed} of {stacks}): {total - checked} not checked"
        )
    return f"{_VERDICT_WORDS[verdict]}: {listed} of {stacks}"


def _coverage(result: DriftResult) -> tuple[int, int]:
    """``(checked, total)``: resources CloudFormation checked (IN_SYNC, MODIFIED or DELETED) and
    resources of every stack in ``result``."""
    return (sum(s.checked for s in result.stacks), sum(len(s.resources) for s in result.stacks))


def _differences_lead(checked: int, total: int, found: bool) -> str:
    """The sentence that opens the Differences section of drift.md: how many of the ``total``
    resources were ``checked``, and, when nothing was ``found``, that no difference was found in
    those only. Never reads as "no drift" unless every resource was checked.

    ``checked`` 0: ``No property differences could be compared: 0 of 4 resources were checked.``
    """
    if checked == 0:
        return f"No property differences could be compared: 0 of {total} resources were checked."
    unchecked = total - checked
    rest = f"the other {unchecked} {'was' if unchecked == 1 else 'were'} not checked and may differ"
    if not found:
        if unchecked == 0:
            return f"None: all {total} resources were checked and none differs from its template."
        return f"None in the {checked} of {total} resources checked; {rest}."
    if unchecked == 0:
        return f"All {total} resources were checked."
    return f"{checked} of {total} resources were checked; {rest}."


# -- JSON ---------------------------------------------------------------------------------------


def build_json(result: DriftResult, *, now: datetime | None = None, commit: Commit | None = None) -> dict[str, Any]:
    """The JSON report: ``schema``, ``exit_code``, ``generated`` (UTC, ISO 8601 to the second:
    ``2026-03-04T05:06:07Z``), ``commit`` (``sha``, ``dirty``, ``reason``: ``Commit.to_dict``), ``verdict``
    (the run's: DRIFTED, IN_SYNC, PARTIAL or UNKNOWN, as drift.md's heading), ``summary`` (``overall``'s
    sentence), ``unavailable``, ``cloudformation_unavailable`` (why DetectStackDrift did not run when the
    live-template diff did), ``target``, ``allowlist`` (path, entries, unused), ``totals`` (stacks per
    verdict, resources per status, allowed differences), ``stacks`` (``StackDrift.to_dict`` each: every
    resource, every difference, allowed or not), ``seconds``.

    ``now`` (timezone-aware; default: the current time) and ``commit`` (default: ``read_commit()`` of
    the working directory) are parameters so tests can fix them. Raises ValueError for a naive ``now``.
    """
    moment, commit = resolve(now, commit)
    resources = [r for s in result.stacks for r in s.resources]
    differences = [d for r in resources for d in r.differences]
    return {
        "schema": SCHEMA,
        "exit_code": result.exit_code,
        **report_fields(moment, commit),
        "verdict": result.verdict.value,
        "summary": overall(result),
        "unavailable": result.unavailable,
        "cloudformation_unavailable": result.cloudformation_unavailable,
        "target": result.target.to_dict(),
        "allowlist": {
            "path": str(result.allowlist.path) if result.allowlist.path else None,
            "entries": len(result.allowlist.entries),
            "unused": [
                {"entry": e.index, "line": e.line, "resource_type": e.resource_type, "property_path": e.property_path}
                for e in result.unused_allowlist_entries()
            ],
        },
        "totals": {
            "stacks": {v.value: sum(1 for s in result.stacks if s.verdict is v) for v in Verdict},
            "resources": {st.value: sum(1 for r in resources if r.status is st) for st in ResourceStatus},
            "differences": {ds.value: sum(1 for d in differences if d.status is ds) for ds in DifferenceStatus},
        },
        "stacks": [s.to_dict() for s in result.stacks],
        "seconds": round(result.seconds, 3),
    }


# -- Markdown -----------------------------------------------------------------------------------


def _md(value: Any, limit: int = _MD_VALUE_LIMIT) -> str:
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def _resource_label(resource: ResourceDrift) -> str:
    return f"`{_md(resource.logical_id)}`"


def _paragraph(sentence: str) -> str:
    """``sentence`` as a Markdown paragraph: capitalized, ending in a full stop, whitespace collapsed,
    cut at 1000 characters (drift.json has it whole)."""
    text = _md(sentence, 1000)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "…")) else text + "."


def render_markdown(result: DriftResult, *, now: datetime | None = None, commit: Commit | None = None) -> str:
    """Markdown for a nightly issue or comment: a heading with the run's verdict
    (``## Drift detection: DRIFTED``; IN_SYNC, PARTIAL or UNKNOWN, as drift.json's ``verdict``), when and
    from which commit (``Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).``; ``now`` and
    ``commit`` as for ``build_json``), the overall sentence (``overall``) as a paragraph, the target
    and allowlist, a table
    stack | verdict | checked/total | modified | deleted | not checked, each stack's summary in
    words, then how many resources were checked (``_differences_lead``) and every difference
    (DRIFTED and ALLOWED, with the allowlist reason) and every DELETED resource, then the allowlist
    entries that matched nothing (only when some resource was checked), and the declared properties no
    method compared (``_unchecked_properties``); values longer than 120
    characters are cut (drift.json has them whole). Raises ValueError for a naive ``now``."""
    moment, commit = resolve(now, commit)
    lines = [
        f"## Drift detection: {result.verdict.value}",
        "",
        stamp(moment, commit),
        "",
        _paragraph(overall(result)),
        "",
    ]
    target = result.target
    where = target.endpoint_url or "AWS"
    count = len(result.allowlist.entries)
    lines += [
        f"Target: {where} (region {target.region or 'default'}, from {target.source}). "
        f"Allowlist: {result.allowlist.path or 'none'} ({count} {'entry' if count == 1 else 'entries'}).",
        "",
    ]
    if result.cloudformation_unavailable is not None and result.unavailable is None:
        lines += [
            _paragraph(
                "DetectStackDrift did not run, so every resource checked was checked by the live-template diff "
                f"alone: {result.cloudformation_unavailable}"
            ),
            "",
        ]
    lines += markdown_table(
        ("stack", "verdict", "checked/total", "modified", "deleted", "not checked"),
        [
            (
                _md(stack.artifact_id),
                stack.verdict.value,
                f"{stack.checked}/{len(stack.resources)}",
                *(
                    stack.counts()[s]
                    for s in (ResourceStatus.MODIFIED, ResourceStatus.DELETED, ResourceStatus.NOT_CHECKED)
                ),
            )
            for stack in result.stacks
        ],
    )
    lines.append("")
    for stack in result.stacks:
        methods = ", ".join(f"{n} by {m}" for m, n in stack.by_method().items())
        checked_by = f" (checked: {_md(methods, 200)})" if methods else ""
        lines.append(f"- **{_md(stack.artifact_id)}**: {_md(stack.summary(), 1000)}{checked_by}")
    lines.append("")
    rows: list[tuple[str, ...]] = []
    for stack in result.stacks:
        for resource in stack.resources:
            cells = (_md(stack.artifact_id), _resource_label(resource), _md(resource.resource_type))
            if resource.reported_status == "DELETED":
                rows.append((*cells, "DELETED", "", "", "", "", ""))
            for diff in resource.differences:
                reason = _md(diff.allowed_by.reason, 200) if diff.allowed_by else ""
                rows.append(
                    (
                        *cells,
                        diff.status.value,
                        f"`{_md(diff.property_path)}`",
                        _md(diff.difference_type),
                        _md(diff.expected),
                        _md(diff.actual),
                        reason,
                    )
                )
    checked, total = _coverage(result)
    lines += ["### Differences", "", _differences_lead(checked, total, bool(rows))]
    if rows:
        header = ("stack", "logical ID", "type", "status", "property path", "difference", "expected", "actual")
        lines += ["", *markdown_table((*header, "allowed because"), rows)]
    lines += _unchecked_properties(result)
    unused = result.unused_allowlist_entries()
    if unused and result.unavailable is None and checked:
        # With nothing checked no entry could have matched: listing them all would say nothing.
        lines += [
            "",
            f"Allowlist entries that matched no difference in the {checked} of {total} resources checked: "
            + ", ".join(f"{_md(e.resource_type)} `{_md(e.property_path)}`" for e in unused),
        ]
    return "\n".join(lines) + "\n"


def _unchecked_properties(result: DriftResult, limit: int = 200) -> list[str]:
    """The "Properties not compared" section: each declared property of a checked resource that no method
    compared, with why (at most ``limit`` rows; drift.json has them all); nothing when there are none."""
    rows = [
        (
            _md(stack.artifact_id),
            _resource_label(resource),
            _md(resource.method or ""),
            f"`{_md(prop.property_path)}`",
            _md(prop.reason, 200),
        )
        for stack in result.stacks
        for resource in stack.resources
        for prop in resource.unchecked_properties
    ]
    if not rows:
        return []
    lead = f"{len(rows)} declared propert{'y' if len(rows) == 1 else 'ies'} of checked resources no method compared"
    if len(rows) > limit:
        lead += f" (the first {limit}; drift.json lists all)"
    return [
        "",
        "### Properties not compared",
        "",
        lead + ":",
        "",
        *markdown_table(("stack", "logical ID", "method", "property path", "why"), rows[:limit]),
    ]


# -- JUnit --------------------------------------------------------------------------------------


def _difference_lines(resource: ResourceDrift) -> str:
    return "\n".join(
        f"{d.status.value} {d.property_path} {d.difference_type}: expected {d.expected!r}, actual {d.actual!r}"
        + (f" (allowed: {d.allowed_by.reason})" if d.allowed_by else "")
        for d in resource.differences
    )


def build_junit(result: DriftResult) -> JUnitXml:
    """JUnit XML (a junitparser ``JUnitXml``): one ``testsuite`` per stack, one ``testcase`` per
    resource (classname ``drift.<stack>``, name ``<logical ID> (<type>)``); ``failure`` for MODIFIED
    and DELETED (type = the status, text = the differences), ``skipped`` with the reason for
    NOT_CHECKED; a stack whose detection did not COMPLETE gets a ``drift detection`` testcase with an
    ``error``. Counts come from junitparser's ``update_statistics``; ``time`` is each stack's
    detection seconds (the root: the whole run's)."""
    root = JUnitXml("stackcheck drift")
    for stack in result.stacks:
        suite = TestSuite(stack.artifact_id)
        for name, value in (
            ("stack_name", stack.stack_name),
            ("verdict", stack.verdict.value),
            ("outcome", stack.outcome.value),
            ("detection_id", stack.detection_id or ""),
            ("summary", stack.summary()),
        ):
            suite.add_property(name, value)
        cases: list[TestCase] = []
        if stack.outcome is not DetectionOutcome.COMPLETE:
            case = TestCase("drift detection", f"drift.{stack.artifact_id}")
            case.result = [Error(stack.status_reason or "", stack.outcome.value)]
            cases.append(case)
        for resource in stack.resources:
            case = TestCase(f"{resource.logical_id} ({resource.resource_type})", f"drift.{stack.artifact_id}")
            if resource.drifted:
                drifted = [d for d in resource.differences if d.status is DifferenceStatus.DRIFTED]
                message = (
                    f"{resource.status.value}: " + ", ".join(d.property_path for d in drifted)
                    if drifted
                    else resource.status.value
                )
                failure = Failure(message, resource.status.value)
                failure.text = _difference_lines(resource) or f"{resource.logical_id} was {resource.status.value}"
                case.result = [failure]
            elif resource.status is ResourceStatus.NOT_CHECKED:
                case.result = [Skipped(resource.reason or "not checked")]
            elif resource.differences:
                case.system_out = _difference_lines(resource)
            cases.append(case)
        suite.add_testcases(cases)
        root.add_testsuite(suite)
    root.update_statistics()
    for suite, stack in zip(root, result.stacks, strict=True):
        suite.time = round(stack.seconds, 3)
    root.time = round(result.seconds, 3)
    return root


def junit_text(result: DriftResult) -> str:
    """``build_junit`` as indented XML text with its declaration (what ``drift.xml`` holds)."""
    buffer = io.BytesIO()
    build_junit(result).write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")


# -- console ------------------------------------------------------------------------------------


def render_console(result: DriftResult) -> str:
    """Console summary: one line per stack (verdict, checked/total, modified, deleted, the summary
    in words), one line per drifted difference or deleted resource, then the run's verdict and the
    overall sentence (``DRIFTED: drift found: 1 DRIFTED, 1 IN_SYNC of 2 stacks``; when drift
    detection was unavailable, ``UNKNOWN: could not detect drift: nothing was checked (the reason
    follows)``: the caller prints the reason, it is not repeated here)."""
    lines = []
    width = max((len(s.artifact_id) for s in result.stacks), default=10)
    for stack in result.stacks:
        counts = stack.counts()
        lines.append(
            f"{stack.artifact_id:<{width}}  {stack.verdict.value:<8} {stack.checked:>3}/{len(stack.resources):<3} checked  "
            f"{counts[ResourceStatus.MODIFIED]} modified  {counts[ResourceStatus.DELETED]} deleted  — {stack.summary()}"
        )
        for resource in stack.resources:
            where = f"{stack.artifact_id}/{resource.logical_id} ({resource.resource_type})"
            if resource.status is ResourceStatus.DELETED:
                lines.append(f"    DELETED   {where}")
            for diff in resource.differences:
                if diff.status is DifferenceStatus.DRIFTED:
                    lines.append(
                        f"    MODIFIED  {where} {diff.property_path}: expected {diff.expected!r}, "
                        f"actual {diff.actual!r} ({diff.difference_type})"
                    )
    if result.cloudformation_unavailable is not None and result.unavailable is None:
        lines.append(f"(DetectStackDrift did not run: {result.cloudformation_unavailable}; live-template diff only)")
    if result.unavailable is not None:
        sentence = "could not detect drift: nothing was checked (the reason follows)"
    else:
        sentence = overall(result)
    lines.append(f"{result.verdict.value}: {sentence}")
    return "\n".join(lines)


# -- writing ------------------------------------------------------------------------------------


def write_drift_reports(
    result: DriftResult,
    report_dir: str | os.PathLike[str] = REPORTS_DIR,
    *,
    now: datetime | None = None,
    commit: Commit | None = None,
) -> dict[str, Path]:
    """Write drift.json, drift.md and drift.xml into ``report_dir`` as one set (``publish_reports``:
    written aside, then moved in under the report folder's lock); drift.json and drift.md name the same moment and commit (``now`` and ``commit``
    as for ``build_json``, resolved once). Returns ``{"json": path, "markdown": path, "junit": path}``."""
    now, commit = resolve(now, commit)
    out = Path(report_dir)
    junit = junit_text(result)
    paths = publish_reports(
        out,
        {
            JSON_FILE: json_text(build_json(result, now=now, commit=commit)),
            MARKDOWN_FILE: render_markdown(result, now=now, commit=commit),
            JUNIT_FILE: junit,
        },
    )
    return {"json": paths[JSON_FILE], "markdown": paths[MARKDOWN_FILE], "junit": paths[JUNIT_FILE]}
