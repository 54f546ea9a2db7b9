"""Merging the report sets of many targets (fleet jobs, monorepo shards) into one: SARIF, JSON, Markdown.

Each part is one report folder, named after its target (``NAME=DIR``, or the folder's name). A
part's reports are the ones a stackcheck run writes there: ``scan.{json,sarif}``,
``drift.json``, ``compliance.{json,sarif}``. The merged SARIF holds every run of every part, each
with ``automationDetails.id`` ``<report>/<target>/`` (so GitHub code scanning keeps each target's
alerts apart: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#runautomationdetails-object)
and every result with ``properties.target``, ``account`` and ``region``. A part whose folder is
missing, holds no report, or holds an unreadable one is NOT RUN for its target, with the reason;
never dropped. The merged exit code is the worst of the parts' (the highest; NOT RUN counts as 3,
could not run).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackcheck.errors import BadInputError
from stackcheck.files import (
    COMPLIANCE_JSON,
    COMPLIANCE_SARIF,
    DRIFT_JSON,
    SCAN_JSON,
    SCAN_SARIF,
    atomic_write_json,
    atomic_write_text,
)
from stackcheck.report.table import markdown_table

__all__ = [
    "MERGED_JSON",
    "MERGED_MARKDOWN",
    "MERGED_SARIF",
    "SCHEMA",
    "MergedReport",
    "Part",
    "merge_reports",
    "parse_part",
]

SCHEMA = "stackcheck.merge/1"
MERGED_JSON = "merged.json"
MERGED_SARIF = "merged.sarif"
MERGED_MARKDOWN = "merged.md"
NOT_RUN_EXIT = 3
# report kind -> (JSON file, SARIF file or None)
KINDS: dict[str, tuple[str, str | None]] = {
    "scan": (SCAN_JSON, SCAN_SARIF),
    "drift": (DRIFT_JSON, None),
    "compliance": (COMPLIANCE_JSON, COMPLIANCE_SARIF),
}


@dataclass(frozen=True)
class Part:
    """One target's report folder: ``name`` (the target), ``directory``, and the target's ``account`` and
    ``region`` when known (from the fleet file; else the region the reports' own ``target`` names)."""

    name: str
    directory: Path
    account: str | None = None
    region: str | None = None


def parse_part(spec: str) -> Part:
    """``NAME=DIR`` or ``DIR`` (the target named after the folder). Raises BadInputError for an empty name or folder."""
    name, sep, directory = spec.partition("=")
    if not sep:
        name, directory = Path(spec).name, spec
    if not name or not directory:
        raise BadInputError(f"report part {spec!r}: give NAME=DIR or DIR (the target is named after DIR)")
    return Part(name=name, directory=Path(directory))


@dataclass
class MergedReport:
    """The merge: ``parts`` (one status row per target and report kind), ``findings`` (every finding of
    every scan and compliance JSON, each with its target), ``sarif`` (the merged SARIF log) and
    ``exit_code`` (the worst)."""

    parts: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    sarif: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """The highest exit code of any part (NOT RUN: 3); 0 when every part ran clean."""
        return max((row["exit_code"] for row in self.parts), default=0)

    def to_dict(self) -> dict[str, Any]:
        """``{"schema", "exit_code", "parts", "findings"}``."""
        return {"schema": SCHEMA, "exit_code": self.exit_code, "parts": self.parts, "findings": self.findings}


def merge_reports(parts: Sequence[Part]) -> MergedReport:
    """Merge the parts' reports (see the module docstring). Raises BadInputError when two parts share a name."""
    names = [p.name for p in parts]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BadInputError(f"report parts name the same target twice: {', '.join(repeated)}; give NAME=DIR for each")
    merged = MergedReport(
        sarif={"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}
    )
    for part in parts:
        if not part.directory.is_dir():
            merged.parts.append(_not_run(part, "*", f"report folder {part.directory} does not exist"))
            continue
        found = [kind for kind, (name, _) in KINDS.items() if (part.directory / name).exists()]
        if not found:
            merged.parts.append(
                _not_run(part, "*", f"no report in {part.directory} ({', '.join(n for n, _ in KINDS.values())})")
            )
            continue
        for kind in found:
            _merge_kind(merged, part, kind)
    return merged


def _merge_kind(merged: MergedReport, part: Part, kind: str) -> None:
    json_name, sarif_name = KINDS[kind]
    try:
        report = _read(part.directory / json_name)
        sarif = _read(part.directory / sarif_name) if sarif_name and (part.directory / sarif_name).exists() else None
    except BadInputError as exc:
        merged.parts.append(_not_run(part, kind, exc.message))
        return
    region = part.region or (report.get("target") or {}).get("region")
    where = {"target": part.name, "account": part.account, "region": region}
    code = report.get("exit_code")
    merged.parts.append(
        {
            **where,
            "report": kind,
            "status": "RAN",
            "exit_code": code if isinstance(code, int) else NOT_RUN_EXIT,
            "summary": _summary(kind, report),
            "reason": None,
        }
    )
    for finding in report.get("findings") or []:
        merged.findings.append({**finding, **where, "report": kind})
    for run in (sarif or {}).get("runs") or []:
        run = copy.deepcopy(run)
        run["automationDetails"] = {"id": f"{kind}/{part.name}/"}
        for result in run.get("results") or []:
            result.setdefault("properties", {}).update(where)
        merged.sarif["runs"].append(run)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path} is not a report (a JSON object), got {type(data).__name__}")
    return data


def _not_run(part: Part, kind: str, reason: str) -> dict[str, Any]:
    return {
        "target": part.name,
        "account": part.account,
        "region": part.region,
        "report": kind,
        "status": "NOT RUN",
        "exit_code": NOT_RUN_EXIT,
        "summary": None,
        "reason": reason,
    }


def _summary(kind: str, report: Mapping[str, Any]) -> str:
    if kind == "drift":
        return str(report.get("verdict") or report.get("summary") or "")
    totals = (report.get("summary") or {}).get("totals") or {}
    return ", ".join(f"{totals.get(k, 0)} {k}" for k in ("failed", "suppressed", "unknown", "passed"))


def render_markdown(merged: MergedReport) -> str:
    """One table: a row per target and report (status, exit code, summary or reason), the worst exit code above it."""
    lines = [
        f"# Merged reports: {'PASSED' if merged.exit_code == 0 else 'FAILED'} (exit {merged.exit_code})",
        "",
    ]
    rows = []
    for row in merged.parts:
        cells = [
            row["target"],
            row["account"] or "–",
            row["region"] or "–",
            row["report"],
            row["status"],
            str(row["exit_code"]),
            row["summary"] if row["status"] == "RAN" else row["reason"],
        ]
        rows.append([str(c).replace("|", "\\|") for c in cells])
    lines += markdown_table(("target", "account", "region", "report", "status", "exit", "summary"), rows)
    return "\n".join(lines) + "\n"


def write_merged(merged: MergedReport, output: str | os.PathLike[str]) -> dict[str, Path]:
    """Write merged.json, merged.sarif and merged.md into ``output`` (each atomically); returns ``{kind: path}``."""
    out = Path(output)
    return {
        "json": atomic_write_json(out / MERGED_JSON, merged.to_dict()),
        "sarif": atomic_write_json(out / MERGED_SARIF, merged.sarif),
        "markdown": atomic_write_text(out / MERGED_MARKDOWN, render_markdown(merged)),
    }
