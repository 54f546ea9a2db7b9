"""Scan baselines: record the failures a scan found, then report only failures that are not in the record.

A baseline is a JSON file (``schema`` ``stackcheck.scan.baseline/1``) holding the date, the tool
versions and one entry per unsuppressed FAILED finding: its fingerprint (tool, rule id, stack,
construct path, property path; see ``Finding.fingerprint``) plus rule id, stack, construct path
and logical ID for the people reading it. Compared with a later scan, a failure is *new* when its
fingerprint is not in the baseline, *known* when it is, and a baseline entry is *fixed* when
nothing fails under its fingerprint any more (it passes, is gone, or the ledger suppresses it).
UNKNOWN findings of severity ERROR (a scanner or rule that crashed) are never recorded: a check
that did not run is not an accepted defect, so they are always new.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.errors import BadInputError
from stackcheck.files import atomic_write_json, read_json
from stackcheck.findings import Finding, Status

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.runner import ScanResult

__all__ = [
    "SCHEMA",
    "Baseline",
    "BaselineComparison",
    "BaselineEntry",
    "baseline_from_result",
    "compare",
    "load_baseline",
    "write_baseline",
]

SCHEMA = "stackcheck.scan.baseline/1"
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BaselineEntry:
    """One recorded failure: its fingerprint, and for humans its tool, rule id, stack, construct path, logical ID."""

    fingerprint: str
    tool: str
    rule_id: str
    stack: str
    construct_path: str | None = None
    logical_id: str | None = None

    @classmethod
    def from_finding(cls, finding: Finding) -> BaselineEntry:
        """The entry recording ``finding``."""
        return cls(
            finding.fingerprint,
            finding.tool,
            finding.rule_id,
            finding.stack,
            finding.construct_path,
            finding.logical_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Baseline:
    """A recorded baseline: when (``created``, ISO date), with which ``tools`` (name → version), and its entries."""

    created: str
    tools: dict[str, str]
    entries: tuple[BaselineEntry, ...]
    path: Path | None = None

    @property
    def fingerprints(self) -> frozenset[str]:
        """Fingerprints of every entry."""
        return frozenset(e.fingerprint for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON: ``schema``, ``created``, ``tools``, ``findings`` (sorted by stack, tool, rule, path)."""
        return {
            "schema": SCHEMA,
            "created": self.created,
            "tools": dict(self.tools),
            "findings": [e.to_dict() for e in self.entries],
        }


@dataclass(frozen=True)
class BaselineComparison:
    """A scan against a baseline.

    ``new``: failures (as ``ScanResult.failures``) not in the baseline; ``known``: failures in it;
    ``fixed``: baseline entries no scan failure matches any more; ``tool_changes``: tools whose
    version differs from the recorded one (name → (recorded, now)).
    """

    baseline: Baseline
    new: tuple[Finding, ...]
    known: tuple[Finding, ...]
    fixed: tuple[BaselineEntry, ...]
    tool_changes: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 when any new failure is left, else 0."""
        return 1 if self.new else 0


def _recordable(finding: Finding) -> bool:
    return finding.status is Status.FAILED


def baseline_from_result(result: ScanResult, today: date | None = None) -> Baseline:
    """The baseline recording every unsuppressed FAILED finding of ``result`` (one entry per fingerprint)."""
    entries = {f.fingerprint: BaselineEntry.from_finding(f) for f in result.findings if _recordable(f)}
    ordered = sorted(
        entries.values(),
        key=lambda e: (e.stack, e.tool, e.rule_id, e.construct_path or e.logical_id or "", e.fingerprint),
    )
    tools = {name: str(info.get("version", "")) for name, info in result.tools.items()}
    return Baseline((today or date.today()).isoformat(), tools, tuple(ordered))


def write_baseline(result: ScanResult, path: str | os.PathLike[str], today: date | None = None) -> Path:
    """Write ``baseline_from_result(result)`` to ``path`` atomically; returns the path."""
    return atomic_write_json(path, baseline_from_result(result, today).to_dict())


def load_baseline(path: str | os.PathLike[str]) -> Baseline:
    """Read the baseline file at ``path``.

    Raises BadInputError naming the file (and the entry) when it is missing, unreadable, not
    JSON, not a ``stackcheck.scan.baseline/1`` object, or an entry lacks a 64-hex-digit fingerprint,
    a tool, a rule id or a stack.
    """
    where = Path(path)
    hint = f"record one with `stackcheck scan --write-baseline {where}`"
    data = read_json(where, what="baseline file", missing=hint)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise BadInputError(f"baseline file {where} is not a {SCHEMA} baseline (schema: {got!r}); {hint}")
    findings, tools, created = data.get("findings"), data.get("tools") or {}, data.get("created")
    if not isinstance(findings, list) or not isinstance(tools, dict) or not isinstance(created, str):
        raise BadInputError(
            f'baseline file {where} needs "created" (date), "tools" (object) and "findings" (list); {hint}'
        )
    entries = []
    for index, raw in enumerate(findings, start=1):
        problem = _entry_problem(raw)
        if problem:
            raise BadInputError(f"baseline file {where}: finding {index} {problem}; {hint}")
        entries.append(
            BaselineEntry(
                raw["fingerprint"],
                raw["tool"],
                raw["rule_id"],
                raw["stack"],
                raw.get("construct_path"),
                raw.get("logical_id"),
            )
        )
    return Baseline(created, {str(k): str(v) for k, v in tools.items()}, tuple(entries), where)


def _entry_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"must be an object, got {type(raw).__name__}"
    if not isinstance(raw.get("fingerprint"), str) or not _FINGERPRINT.match(raw["fingerprint"]):
        return f"has fingerprint {raw.get('fingerprint')!r}, not 64 hex digits"
    for key in ("tool", "rule_id", "stack"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            return f"has no {key!r}"
    return None


def compare(result: ScanResult, baseline: Baseline) -> BaselineComparison:
    """Split ``result.failures()`` into new and known against ``baseline``; list the fixed entries."""
    recorded = baseline.fingerprints
    failures = result.failures()
    new = tuple(f for f in failures if not (_recordable(f) and f.fingerprint in recorded))
    known = tuple(f for f in failures if _recordable(f) and f.fingerprint in recorded)
    still_failing = {f.fingerprint for f in failures}
    fixed = tuple(e for e in baseline.entries if e.fingerprint not in still_failing)
    changes = {}
    for name, info in result.tools.items():
        now, then = str(info.get("version", "")), baseline.tools.get(name)
        if then is not None and then != now:
            changes[name] = (then, now)
    return BaselineComparison(baseline, new, known, fixed, changes)
