"""Run every scanner on every template, one (tool, template) unit of work at a time, then apply the ledger."""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from stackcheck.errors import BadInputError, ScannerError
from stackcheck.findings import Finding, Status, deduplicate
from stackcheck.scan.base import Scanner, StackContext, load_template, scanner_error_finding
from stackcheck.suppressions import Ledger, LedgerWarning, apply_ledger

__all__ = [
    "ScanResult",
    "SummaryRow",
    "UnitResult",
    "contexts_from_assembly",
    "contexts_from_files",
    "load_scanners",
    "run_unit",
    "scan",
]


@dataclass(frozen=True)
class UnitResult:
    """What one scanner did on one template: findings, wall seconds, whether it crashed."""

    tool: str
    stack: str
    template_file: str
    findings: tuple[Finding, ...]
    seconds: float
    crashed: bool = False


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

    def summary(self) -> list[SummaryRow]:
        """One row per stack × tool that was run, in scan order."""
        reports_passes = {name: bool(info.get("reports_passes")) for name, info in self.tools.items()}
        rows: dict[tuple[str, str], dict[Status, int]] = {}
        for unit in self.units:
            rows.setdefault((unit.stack, unit.tool), {s: 0 for s in Status})
        for finding in self.findings:
            rows.setdefault((finding.stack, finding.tool), {s: 0 for s in Status})[finding.status] += 1
        return [
            SummaryRow(
                stack=stack, tool=tool,
                passed=counts[Status.PASSED] if reports_passes.get(tool, True) else None,
                failed=counts[Status.FAILED], suppressed=counts[Status.SUPPRESSED], unknown=counts[Status.UNKNOWN],
            )
            for (stack, tool), counts in rows.items()
        ]


def load_scanners(regions: Sequence[str] | None = None, *, cdk_nag: bool = False,
                  policies: str | os.PathLike[str] | None = "policies") -> tuple[Scanner, ...]:
    """cfn-lint and checkov adapters, each loading its tool and registry once (the slow part).

    ``cdk_nag=True`` appends the cdk-nag adapter, which reads the reports cdk-nag wrote into a
    cloud assembly at synthesis (it has nothing to say about a lone template).
    ``policies`` is the policy pack folder (relative to the working directory): its
    ``cfn_lint/`` rules are appended to cfn-lint, its ``checkov/`` checks loaded into checkov
    (for the rest of the process: checkov's registry is global), and its ``assembly/`` rules
    run as one more scanner (see stackcheck.scan.custom and stackcheck.scan.assembly_rules);
    None leaves the pack out.
    Adapters are reusable, so the result is cached per arguments for the life of the process.
    Raises ScannerError (exit code 3) when a scanner cannot be imported or loaded at all.
    """
    pack = str(Path(policies).resolve()) if policies is not None else None
    return _load_scanners(tuple(regions or ()), cdk_nag, pack)


@functools.lru_cache(maxsize=4)
def _load_scanners(regions: tuple[str, ...], cdk_nag: bool = False, policies: str | None = None) -> tuple[Scanner, ...]:
    try:
        if cdk_nag:  # the cfn-lint and checkov adapters loaded once, then cdk-nag's
            from stackcheck.scan.cdk_nag import CdkNagScanner

            return (*_load_scanners(regions, False, policies), CdkNagScanner())
        from stackcheck.scan.cfn_lint import DEFAULT_REGIONS, CfnLintScanner
        from stackcheck.scan.checkov import CheckovScanner

        if policies is not None:
            from stackcheck.scan.assembly_rules import AssemblyRuleScanner
            from stackcheck.scan.custom import PolicyCfnLintScanner, PolicyCheckovScanner

            return (PolicyCfnLintScanner(regions or DEFAULT_REGIONS, policies), PolicyCheckovScanner(policies),
                    AssemblyRuleScanner(Path(policies) / "assembly"))
        return (CfnLintScanner(regions or DEFAULT_REGIONS), CheckovScanner())
    except ScannerError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means the gate cannot run
        raise ScannerError(f"cannot load the scanners: {type(exc).__name__}: {exc}") from exc


def contexts_from_assembly(directory: str | os.PathLike[str] = "cdk.out") -> list[StackContext]:
    """One StackContext per stack of the cloud assembly, manifest order.

    Raises AssemblyError (exit 2) for a missing or malformed assembly and BadInputError naming
    the file for a malformed template.
    """
    from stackcheck.assembly import read_assembly

    return [StackContext.from_artifact(a) for a in read_assembly(directory).stacks.values()]


def contexts_from_files(paths: Iterable[str | os.PathLike[str]]) -> list[StackContext]:
    """One StackContext per template file; the stack id is the file name less ``.template.json`` etc.

    Raises BadInputError naming the file when one is missing or malformed, and when two files
    would get the same stack id.
    """
    contexts: list[StackContext] = []
    owners: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        context = StackContext.from_template(path, load_template(path))
        if context.stack in owners:
            raise BadInputError(
                f"templates {owners[context.stack]} and {path} both give stack id {context.stack!r}; "
                "scan them separately"
            )
        owners[context.stack] = path
        contexts.append(context)
    return contexts


def run_unit(scanner: Scanner, context: StackContext) -> UnitResult:
    """Run one scanner on one template; a crash becomes one ``stackcheck.scanner-error`` finding."""
    started = time.perf_counter()
    try:
        findings = tuple(scanner.scan_template(context.template_file, context))
        crashed = False
    except Exception as exc:  # noqa: BLE001 - reported as a finding, the scan goes on
        findings = (scanner_error_finding(scanner.tool, context, exc),)
        crashed = True
    return UnitResult(scanner.tool, context.stack, str(context.template_file), findings,
                      time.perf_counter() - started, crashed)


def scan(
    contexts: Sequence[StackContext],
    scanners: Sequence[Scanner],
    ledger: Ledger | None = None,
    *,
    today: date | None = None,
) -> ScanResult:
    """Run each scanner on each template (each pair a unit of work), deduplicate, apply ``ledger``.

    Returns a ScanResult; never raises for a scanner crash (see ``run_unit``).
    """
    started = time.perf_counter()
    units = [run_unit(scanner, context) for context in contexts for scanner in scanners]
    scanned = time.perf_counter()
    findings = deduplicate(f for unit in units for f in unit.findings)
    warnings: list[LedgerWarning] = []
    if ledger is not None:
        findings, warnings = apply_ledger(findings, ledger, today)
    tools = {s.tool: {"version": s.version, "reports_passes": s.reports_passes} for s in scanners}
    timings = {f"scan.{s.tool}": sum(u.seconds for u in units if u.tool == s.tool) for s in scanners}
    timings["scan"] = scanned - started
    return ScanResult(tuple(findings), tuple(units), tuple(warnings), tools, timings)
