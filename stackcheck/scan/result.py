"""A scan's results: one (tool, template) unit's findings and timings, the whole run's, and its summary rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from stackcheck.findings import Finding, Status
from stackcheck.suppressions import Ledger, LedgerWarning, apply_ledger

if TYPE_CHECKING:  # pragma: no cover
    pass


RULE_TIMING_PREFIX = "rule."
"""``ScanResult.timings`` key prefix of per-rule CPU seconds: ``rule.<tool>.<rule id>``."""


@dataclass(frozen=True)
class UnitResult:
    """What one scanner did on one template: findings, wall seconds, whether it crashed.

    ``cached`` is True when the findings came from the findings cache (then nothing ran and
    ``seconds`` is 0); ``rule_seconds`` maps rule id → CPU seconds of that rule on this template
    (cfn-lint and checkov only; empty for a cached unit).
    """

    tool: str
    stack: str
    template_file: str
    findings: tuple[Finding, ...]
    seconds: float
    crashed: bool = False
    cached: bool = False
    rule_seconds: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleTiming:
    """CPU seconds one rule took over the templates it ran on (see ``stackcheck.scan.timing``)."""

    tool: str
    rule_id: str
    seconds: float


@dataclass(frozen=True)
class SummaryRow:
    """Counts for one stack × tool; ``passed`` is None when the tool does not report passes."""

    stack: str
    tool: str
    passed: int | None
    failed: int
    suppressed: int
    unknown: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict of every field."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class ScanResult:
    """Findings (deduplicated, ledger applied), the units run, ledger warnings, tool versions, timings."""

    findings: tuple[Finding, ...]
    units: tuple[UnitResult, ...]
    ledger_warnings: tuple[LedgerWarning, ...] = ()
    tools: dict[str, dict[str, object]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def failures(self) -> list[Finding]:
        """Unsuppressed FAILED findings, then UNKNOWN findings of severity ERROR (scanner or rule crashes)."""
        failed = [f for f in self.findings if f.status is Status.FAILED]
        unknown = [f for f in self.findings if f.status is Status.UNKNOWN and f.severity.value == "ERROR"]
        return failed + unknown

    @property
    def exit_code(self) -> int:
        """1 when any failure (see ``failures``) is left, else 0.

        A crashed scanner counts: a gate whose check did not run must not pass.
        """
        return 1 if self.failures() else 0

    def with_ledger(
        self, ledger: Ledger, today: date | None = None, *, scope: Collection[str] | None = None
    ) -> ScanResult:
        """This result with ``ledger`` applied (for a scan run without one); see ``apply_ledger`` (``scope`` as there)."""
        findings, warnings = apply_ledger(self.findings, ledger, today, scope=scope)
        return dataclasses.replace(self, findings=tuple(findings), ledger_warnings=tuple(warnings))

    def slowest_rules(self, limit: int = 5) -> list[RuleTiming]:
        """The ``limit`` rules with the most CPU seconds (``rule.<tool>.<id>`` timings), slowest first.

        Only units that ran count: with every unit from the cache the list is empty.
        """
        rules = []
        for key, seconds in self.timings.items():
            if key.startswith(RULE_TIMING_PREFIX):
                tool, _, rule_id = key[len(RULE_TIMING_PREFIX) :].partition(".")
                rules.append(RuleTiming(tool, rule_id, seconds))
        return sorted(rules, key=lambda r: (-r.seconds, r.tool, r.rule_id))[:limit]

    def summary(self) -> list[SummaryRow]:
        """One row per stack × tool that was run, in scan order."""
        reports_passes = {name: bool(info.get("reports_passes")) for name, info in self.tools.items()}
        rows: dict[tuple[str, str], dict[Status, int]] = {}
        for unit in self.units:
            rows.setdefault((unit.stack, unit.tool), dict.fromkeys(Status, 0))
        for finding in self.findings:
            rows.setdefault((finding.stack, finding.tool), dict.fromkeys(Status, 0))[finding.status] += 1
        return [
            SummaryRow(
                stack=stack,
                tool=tool,
                passed=counts[Status.PASSED] if reports_passes.get(tool, True) else None,
                failed=counts[Status.FAILED],
                suppressed=counts[Status.SUPPRESSED],
                unknown=counts[Status.UNKNOWN],
            )
            for (stack, tool), counts in rows.items()
        ]
