"""Run every scanner on every template, one (tool, template) unit of work at a time, then apply the ledger.

Units whose findings the findings cache holds (``stackcheck.scan.cache``) are not run; the others
run in this process or, with ``jobs`` > 1, in a pool of forked worker processes. Workers inherit
the scanners this process loaded, or load DeferredScanners themselves (once per worker), so that
the scanning process never holds cfn-lint and checkov and exits without tearing them down.
Findings are the same either way, in the same order. Every unit that runs records the CPU seconds
of each cfn-lint rule and checkov check (``stackcheck.scan.timing``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from stackcheck.errors import BadInputError, ScannerError
from stackcheck.findings import Finding, Status, deduplicate
from stackcheck.scan.base import Scanner, StackContext, load_template, scanner_error_finding
from stackcheck.scan.timing import RuleClock, instrument
from stackcheck.suppressions import Ledger, LedgerWarning, apply_ledger

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.cache import FindingsCache

__all__ = [
    "ASSEMBLY_ONLY_TOOLS",
    "MAX_JOBS",
    "RULE_TIMING_PREFIX",
    "DeferredScanner",
    "RuleTiming",
    "ScanResult",
    "SummaryRow",
    "UnitResult",
    "contexts_from_assembly",
    "contexts_from_files",
    "default_jobs",
    "describe_scanner",
    "findings_cache",
    "load_scanners",
    "remember_scanners",
    "run_unit",
    "scan",
    "scanner_tools",
]

RULE_TIMING_PREFIX = "rule."
"""``ScanResult.timings`` key prefix of per-rule CPU seconds: ``rule.<tool>.<rule id>``."""

MAX_JOBS = 2
"""Most worker processes ``default_jobs`` picks: the gate's CPU budget is two cores."""


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

    def with_ledger(self, ledger: Ledger, today: date | None = None) -> ScanResult:
        """This result with ``ledger`` applied (for a scan run without one); see ``apply_ledger``."""
        findings, warnings = apply_ledger(self.findings, ledger, today)
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
            rows.setdefault((unit.stack, unit.tool), {s: 0 for s in Status})
        for finding in self.findings:
            rows.setdefault((finding.stack, finding.tool), {s: 0 for s in Status})[finding.status] += 1
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


def scanner_tools(*, cdk_nag: bool = False, policies: str | os.PathLike[str] | None = "policies") -> tuple[str, ...]:
    """Tool names ``load_scanners`` gives for these arguments, in its order, without loading anything."""
    tools = ("cfn-lint", "checkov") + (("stackcheck-assembly",) if policies is not None else ())
    return tools + (("cdk-nag",) if cdk_nag else ())


def findings_cache(
    directory: str | os.PathLike[str] | None = None,
    regions: Sequence[str] | None = None,
    *,
    cdk_nag: bool = False,
    policies: str | os.PathLike[str] | None = "policies",
) -> FindingsCache:
    """The findings cache in ``directory`` (default ``.stackcheck/cache``) for the scanners ``load_scanners`` gives.

    Reads tool versions and hashes the policy pack; imports no scanner.
    """
    from stackcheck.scan.cache import DEFAULT_CACHE_DIR, FindingsCache, scan_setup

    setup = scan_setup(
        scanner_tools(cdk_nag=cdk_nag, policies=policies), regions=tuple(regions or ()), policies=policies
    )
    return FindingsCache(DEFAULT_CACHE_DIR if directory is None else directory, setup=setup)


ASSEMBLY_ONLY_TOOLS = frozenset({"cdk-nag"})
"""Tools with nothing to say about a template outside a cloud assembly (``--template`` scans leave them out)."""


def load_scanners(
    regions: Sequence[str] | None = None,
    *,
    cdk_nag: bool = False,
    policies: str | os.PathLike[str] | None = "policies",
    cache: FindingsCache | None = None,
    defer: bool = False,
) -> tuple[Scanner, ...]:
    """cfn-lint and checkov adapters, each loading its tool and registry once (the slow part).

    ``cdk_nag=True`` appends the cdk-nag adapter, which reads the reports cdk-nag wrote into a
    cloud assembly at synthesis (it has nothing to say about a lone template).
    ``policies`` is the policy pack folder (relative to the working directory): its
    ``cfn_lint/`` rules are appended to cfn-lint, its ``checkov/`` checks loaded into checkov
    (for the rest of the process: checkov's registry is global), and its ``assembly/`` rules
    run as one more scanner (see stackcheck.scan.custom and stackcheck.scan.assembly_rules);
    None leaves the pack out.
    Adapters are reusable, so each is cached per arguments for the life of the process.
    With ``cache`` (made by ``findings_cache`` for the same arguments) holding what the
    scanners told about themselves last time (tool, version, rule ids), the result is
    DeferredScanners, which load a tool only when a template has to be scanned; with
    ``defer=True`` they are DeferredScanners even without it (they learn it from the worker
    processes that load them, or load here when asked first). Otherwise the tools load here,
    and ``cache`` gets their registry.
    Raises ScannerError (exit code 3) when a scanner cannot be imported or loaded at all.
    """
    pack = str(Path(policies).resolve()) if policies is not None else None
    tools = scanner_tools(cdk_nag=cdk_nag, policies=policies)
    loaders = [functools.partial(_load_tool, tool, tuple(regions or ()), pack) for tool in tools]
    if cache is not None:
        registry = cache.get_registry()
        if registry is not None and tuple(info.get("tool") for info in registry) == tools:
            try:
                return tuple(
                    DeferredScanner(tool, load, info, remembered=True)
                    for tool, load, info in zip(tools, loaders, registry)
                )
            except (KeyError, TypeError, ValueError):
                pass  # a registry that does not fit: as if there were none
    if defer:
        return tuple(DeferredScanner(tool, load) for tool, load in zip(tools, loaders))
    scanners = tuple(load() for load in loaders)
    if cache is not None:
        cache.put_registry([describe_scanner(s) for s in scanners])
    return scanners


def remember_scanners(cache: FindingsCache, scanners: Sequence[Scanner]) -> None:
    """Store what ``scanners`` told about themselves in ``cache``, unless it came from there.

    Call after a scan with DeferredScanners made with ``defer=True``: by then they know.
    """
    if not all(isinstance(s, DeferredScanner) and s.remembered for s in scanners):
        cache.put_registry([describe_scanner(s) for s in scanners])


def describe_scanner(scanner: Scanner) -> dict[str, Any]:
    """What a DeferredScanner needs to stand in for ``scanner``: tool, version, reports_passes, rule_ids, ... (JSON-ready)."""
    if isinstance(scanner, DeferredScanner):
        return scanner.info()
    info: dict[str, Any] = {
        "tool": scanner.tool,
        "version": str(scanner.version),
        "reports_passes": bool(scanner.reports_passes),
        "rule_ids": sorted(scanner.rule_ids()),
        "assembly_only": bool(getattr(scanner, "assembly_only", False)),
    }
    describe = getattr(scanner, "rule_description", None)
    if describe is not None:
        info["descriptions"] = {rule_id: describe(rule_id) for rule_id in info["rule_ids"]}
    return info


class DeferredScanner:
    """A scanner whose tool loads only when a template has to be scanned (or its registry is asked for and unknown).

    ``info`` is what ``describe_scanner`` said about the real one (from the findings cache, or
    learned from a worker process with ``learn``); while it is unknown, ``version``,
    ``reports_passes`` and ``rule_ids()`` load the tool here. ``load()`` returns the real adapter
    (once per process); ``rule_description`` answers from ``info``, so reports never need the tool.
    Raises ValueError from the constructor or ``learn`` when ``info`` is malformed.
    """

    def __init__(
        self, tool: str, load: Callable[[], Scanner], info: Mapping[str, Any] | None = None, *, remembered: bool = False
    ):
        self.tool = tool
        self.assembly_only = tool in ASSEMBLY_ONLY_TOOLS
        self.remembered = remembered
        self._load = load
        self._scanner: Scanner | None = None
        self._info: dict[str, Any] | None = None
        if info is not None:
            self.learn(info)

    def learn(self, info: Mapping[str, Any]) -> None:
        """Take ``info`` (``describe_scanner`` of the real scanner) as this scanner's registry."""
        ids, descriptions = info["rule_ids"], info.get("descriptions") or {}
        if (
            info["tool"] != self.tool
            or not isinstance(info["version"], str)
            or not isinstance(info["reports_passes"], bool)
            or not isinstance(ids, list)
            or not all(isinstance(i, str) for i in ids)
            or not isinstance(descriptions, dict)
        ):
            raise ValueError(f"malformed registry entry for {self.tool}")
        self._info = {**info, "rule_ids": sorted(ids), "descriptions": dict(descriptions)}
        self._rule_ids = frozenset(ids)

    @property
    def known(self) -> bool:
        """True once the registry is known (stored, learned, or loaded here)."""
        return self._info is not None

    def info(self) -> dict[str, Any]:
        """``describe_scanner`` of the real scanner (loading it here if nothing told it yet)."""
        if self._info is None:
            self.learn(describe_scanner(self.load()))
        assert self._info is not None
        return dict(self._info)

    @property
    def version(self) -> str:
        """The tool's version."""
        return self.info()["version"]

    @property
    def reports_passes(self) -> bool:
        """Whether the tool reports passed checks."""
        return self.info()["reports_passes"]

    def rule_ids(self) -> frozenset[str]:
        """Every rule id the tool can report."""
        self.info()
        return self._rule_ids

    def rule_description(self, rule_id: str) -> str | None:
        """The tool's own description of ``rule_id`` when it gives one (cdk-nag does), else None."""
        return self.info().get("descriptions", {}).get(rule_id)

    def load(self) -> Scanner:
        """The real adapter; ScannerError when it cannot load."""
        if self._scanner is None:
            self._scanner = self._load()
        return self._scanner

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Load the tool if needed, then scan as the real adapter does."""
        return self.load().scan_template(template_path, stack_context)


def _real(scanner: Scanner) -> Scanner:
    return scanner.load() if isinstance(scanner, DeferredScanner) else scanner


def _load_scanners(regions: tuple[str, ...], cdk_nag: bool = False, policies: str | None = None) -> tuple[Scanner, ...]:
    """Every scanner of ``scanner_tools(cdk_nag, policies)``, loaded (each once per process)."""
    return tuple(_load_tool(tool, regions, policies) for tool in scanner_tools(cdk_nag=cdk_nag, policies=policies))


def _load_tool(tool: str, regions: tuple[str, ...], policies: str | None) -> Scanner:
    # cfn-lint's registry depends on the regions; the other tools' do not (and checkov's is global).
    return _load_tool_cached(tool, regions if tool == "cfn-lint" else (), policies)


@functools.lru_cache(maxsize=16)
def _load_tool_cached(tool: str, regions: tuple[str, ...], policies: str | None) -> Scanner:
    try:
        if tool == "cdk-nag":
            from stackcheck.scan.cdk_nag import CdkNagScanner

            return CdkNagScanner()
        if tool == "stackcheck-assembly" and policies is not None:
            from stackcheck.scan.assembly_rules import AssemblyRuleScanner

            return AssemblyRuleScanner(Path(policies) / "assembly")
        if tool == "cfn-lint":
            from stackcheck.scan.cfn_lint import DEFAULT_REGIONS, CfnLintScanner

            if policies is None:
                return CfnLintScanner(regions or DEFAULT_REGIONS)
            from stackcheck.scan.custom import PolicyCfnLintScanner

            return PolicyCfnLintScanner(regions or DEFAULT_REGIONS, policies)
        if tool == "checkov":
            from stackcheck.scan.checkov import CheckovScanner

            _sequential_checkov_parsing()
            if policies is None:
                return CheckovScanner()
            from stackcheck.scan.custom import PolicyCheckovScanner

            return PolicyCheckovScanner(policies)
    except ScannerError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means the gate cannot run
        raise ScannerError(f"cannot load the scanners: {type(exc).__name__}: {exc}") from exc
    raise ScannerError(f"no scanner {tool!r} (policies {policies!r})")


def _sequential_checkov_parsing() -> None:
    """Have checkov parse in this process: the adapter hands it one template per run.

    By default checkov forks worker processes to parse the files of a run; for one file the
    fork and the pickling of the parsed template back cost more than parsing (about a third
    of checkov's time per template here). Parallelism across templates is the runner's job.
    """
    from checkov.common.models.enums import ParallelizationType
    from checkov.common.parallelizer.parallel_runner import parallel_runner

    parallel_runner.type = ParallelizationType.NONE


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


_CLOCK = RuleClock()
# The units a pool of forked workers runs; set before the fork, so workers inherit loaded scanners.
_POOL_UNITS: list[tuple[Scanner, StackContext]] | None = None


def run_unit(scanner: Scanner, context: StackContext) -> UnitResult:
    """Run one scanner on one template; a crash becomes one ``stackcheck.scanner-error`` finding.

    Records each rule's CPU seconds on this template in ``rule_seconds`` (cfn-lint, checkov).
    """
    scanner = _real(scanner)
    instrument(scanner, _CLOCK)
    _CLOCK.take()  # whatever ran outside a unit is nobody's
    started = time.perf_counter()
    try:
        # Plain values only (cfn-lint hands out str subclasses carrying parser marks): what a worker
        # process sends back and what the cache stores must equal what runs here.
        found = json.loads(json.dumps([f.to_dict() for f in scanner.scan_template(context.template_file, context)]))
        findings = tuple(Finding.from_dict(item) for item in found)
        crashed = False
    except Exception as exc:  # noqa: BLE001 - reported as a finding, the scan goes on
        findings = (scanner_error_finding(scanner.tool, context, exc),)
        crashed = True
    seconds = time.perf_counter() - started
    return UnitResult(
        scanner.tool, context.stack, str(context.template_file), findings, seconds, crashed, rule_seconds=_CLOCK.take()
    )


def default_jobs() -> int:
    """Worker processes for a scan: the CPUs this process may use, at most ``MAX_JOBS``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cpus))


def _can_fork() -> bool:
    # Forking keeps each scanner loaded once; macOS system libraries are not fork-safe, Windows has no fork.
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _cost(unit: tuple[Scanner, StackContext]) -> float:
    """Rough relative cost of a unit, to hand out the long ones first (cfn-lint is the slowest per byte)."""
    scanner, context = unit
    try:
        size = Path(context.template_file).stat().st_size
    except OSError:
        size = 0
    return size * {"cfn-lint": 3.0, "checkov": 1.0}.get(scanner.tool, 0.1)


def _pool_unit(index: int) -> tuple[UnitResult, dict[str, Any] | None]:
    """Run unit ``index`` in a worker; with it, the scanner's registry when the parent does not know it yet."""
    assert _POOL_UNITS is not None, "worker started without units"
    scanner, context = _POOL_UNITS[index]
    result = run_unit(scanner, context)
    unknown = isinstance(scanner, DeferredScanner) and not scanner.known
    return result, (describe_scanner(_real(scanner)) if unknown else None)


def _run_units(units: list[tuple[Scanner, StackContext]], jobs: int) -> list[UnitResult]:
    """Results of ``units`` in their order: in a fork pool of ``jobs`` workers when that can help, else here.

    Loaded scanners are shared with the workers by the fork; DeferredScanners not loaded yet load
    in each worker that needs them (never here), and learn their registry from the workers.
    A worker that dies (killed, out of memory) costs nothing but time: its units run again here.
    """
    global _POOL_UNITS
    if jobs <= 1 or len(units) <= 1 or not _can_fork():
        return [run_unit(scanner, context) for scanner, context in units]
    for scanner, _ in units:
        if not isinstance(scanner, DeferredScanner) or scanner._scanner is not None:
            instrument(_real(scanner), _CLOCK)  # once, before forking: workers inherit the timed methods
    results: list[UnitResult | None] = [None] * len(units)
    _POOL_UNITS = units
    try:
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(units)), mp_context=multiprocessing.get_context("fork")
        ) as pool:
            order = sorted(range(len(units)), key=lambda i: -_cost(units[i]))
            futures = {i: pool.submit(_pool_unit, i) for i in order}
            for i, future in futures.items():
                try:
                    results[i], info = future.result()
                except Exception:  # noqa: BLE001 - a broken pool; the unit runs again below
                    continue
                scanner = units[i][0]
                if info is not None and isinstance(scanner, DeferredScanner) and not scanner.known:
                    scanner.learn(info)
    finally:
        _POOL_UNITS = None
    return [result if result is not None else run_unit(*units[i]) for i, result in enumerate(results)]


def scan(
    contexts: Sequence[StackContext],
    scanners: Sequence[Scanner],
    ledger: Ledger | None = None,
    *,
    today: date | None = None,
    cache: FindingsCache | None = None,
    jobs: int = 1,
) -> ScanResult:
    """Run each scanner on each template (each pair a unit of work), deduplicate, apply ``ledger``.

    With ``cache``, a unit whose key the cache holds is not run (``UnitResult.cached``) and every
    unit that ran without crashing is stored; with ``jobs`` > 1 the units to run are spread over
    that many forked worker processes (Linux; elsewhere they run here). The findings are the same
    in every case, in context × scanner order.
    ``timings``: ``scan`` (wall seconds), ``scan.<tool>`` (seconds of that tool's units that ran),
    ``scan.cache`` (keys and lookups), ``rule.<tool>.<rule id>`` (CPU seconds, see ``slowest_rules``).
    Returns a ScanResult; never raises for a scanner crash (see ``run_unit``); ScannerError when a
    DeferredScanner has to load its tool and cannot.
    """
    started = time.perf_counter()
    units = [(scanner, context) for context in contexts for scanner in scanners]
    results: list[UnitResult | None] = [None] * len(units)
    keys: list[str | None] = [None] * len(units)
    if cache is not None:
        for i, (scanner, context) in enumerate(units):
            try:
                keys[i] = cache.unit_key(scanner.tool, context)
            except OSError:
                continue  # an unreadable template: the scanner reports it
            hit = cache.get(keys[i])
            if hit is not None:
                results[i] = UnitResult(
                    scanner.tool, context.stack, str(context.template_file), hit.findings, 0.0, cached=True
                )
    looked_up = time.perf_counter()
    todo = [i for i, result in enumerate(results) if result is None]
    for i, result in zip(todo, _run_units([units[i] for i in todo], jobs)):
        results[i] = result
        if cache is not None and keys[i] is not None and not result.crashed:
            cache.put(keys[i], result.findings, result.rule_seconds, result.seconds)
    done: list[UnitResult] = [r for r in results if r is not None]
    scanned = time.perf_counter()
    findings = deduplicate(f for unit in done for f in unit.findings)
    warnings: list[LedgerWarning] = []
    if ledger is not None:
        findings, warnings = apply_ledger(findings, ledger, today)
    tools = {s.tool: {"version": s.version, "reports_passes": s.reports_passes} for s in scanners}
    timings = {f"scan.{s.tool}": sum(u.seconds for u in done if u.tool == s.tool) for s in scanners}
    timings["scan"] = scanned - started
    if cache is not None:
        timings["scan.cache"] = looked_up - started
    for unit in done:
        for rule_id, seconds in unit.rule_seconds.items():
            key = f"{RULE_TIMING_PREFIX}{unit.tool}.{rule_id}"
            timings[key] = timings.get(key, 0.0) + seconds
    return ScanResult(tuple(findings), tuple(done), tuple(warnings), tools, timings)
