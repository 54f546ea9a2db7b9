"""Run every scanner on every template, one (tool, template) unit of work at a time, then apply the ledger.

Units whose findings the findings cache holds (``stackcheck.scan.cache``) are not run; the others
run in this process or, with ``jobs`` > 1, in a pool of forked worker processes. Workers inherit
the scanners this process loaded, or load DeferredScanners themselves (once per worker), so that
a scanning process that had nothing else to do meanwhile never holds cfn-lint and checkov.
Findings are the same either way, in the same order. Every unit that runs records the CPU seconds
of each cfn-lint rule and checkov check (``stackcheck.scan.timing``).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.findings import Finding, Status, deduplicate
from stackcheck.scan.base import Scanner, StackContext, load_template, scanner_error_finding, stack_id_for_file
from stackcheck.scan.loading import (
    ASSEMBLY_ONLY_TOOLS,
    DeferredScanner,
    describe_scanner,
    findings_cache,
    load_scanners,
    loaded,
    remember_scanners,
    scanner_tools,
)
from stackcheck.scan.result import RULE_TIMING_PREFIX, RuleTiming, ScanResult, SummaryRow, UnitResult
from stackcheck.scan.shard import Shard, shard_units
from stackcheck.scan.timing import RuleClock, instrument
from stackcheck.suppressions import Ledger, LedgerWarning, apply_ledger, scan_scope

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.progress import Progress
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
    "can_fork",
    "contexts_from_assembly",
    "contexts_from_files",
    "default_jobs",
    "describe_scanner",
    "findings_cache",
    "ledger_scope",
    "load_scanners",
    "remember_scanners",
    "run_unit",
    "scan",
    "scanner_tools",
    "stack_ids_for_files",
]


MAX_JOBS = 2
"""Most worker processes ``default_jobs`` picks: the gate's CPU budget is two cores."""


def contexts_from_assembly(directory: str | os.PathLike[str] = "cdk.out") -> list[StackContext]:
    """One StackContext per stack of the cloud assembly, manifest order.

    Raises AssemblyError (exit 2) for a missing or malformed assembly and BadInputError naming
    the file for a malformed template.
    """
    from stackcheck.assembly import read_assembly

    return [StackContext.from_artifact(a) for a in read_assembly(directory).stacks.values()]


def contexts_from_files(paths: Iterable[str | os.PathLike[str]]) -> list[StackContext]:
    """One StackContext per template file, in the order given; a file given twice is scanned once.

    The stack id is the file name less ``.template.json`` etc. (``stack_id_for_file``). Files
    whose names give the same id (``a/t.json`` and ``b/t.json``) are told apart by their path:
    each gets the shortest tail of its path that no other file of the set shares (``a/t`` and
    ``b/t``), so findings, cache keys and reports never conflate them.
    Raises BadInputError naming the file when one is missing or malformed.
    """
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.resolve() not in seen:
            seen.add(path.resolve())
            files.append(path)
    templates = [load_template(path) for path in files]
    ids = stack_ids_for_files(files)
    return [
        StackContext.from_template(path, template, stack=stack)
        for path, template, stack in zip(files, templates, ids, strict=True)
    ]


def stack_ids_for_files(files: Sequence[Path]) -> list[str]:
    """Stack ids for distinct template files, in their order: ``stack_id_for_file`` where that is unique in
    the set, else the shortest path tail that is (``a/t``, ``b/t``; ``t.json``, ``t.yaml`` for one folder)."""
    plain = [stack_id_for_file(path) for path in files]
    ids = list(plain)
    for stem in {s for s in plain if plain.count(s) > 1}:
        group = [i for i, s in enumerate(plain) if s == stem]
        ids_for = _distinct_tails([files[i].resolve() for i in group])
        for i, stack in zip(group, ids_for, strict=True):
            ids[i] = stack
    return ids


def _distinct_tails(paths: list[Path]) -> list[str]:
    # Resolved and distinct, so the full name with the whole folder path always tells them apart.
    depth = max(len(p.parent.parts) for p in paths)
    for name in (stack_id_for_file, lambda p: p.name):
        for k in range(depth + 1):
            tails = ["/".join([*p.parent.parts[len(p.parent.parts) - k :], name(p)]).lstrip("/") for p in paths]
            if len(set(tails)) == len(tails):
                return tails
    return [p.as_posix() for p in paths]  # pragma: no cover - distinct resolved paths never get here


def ledger_scope(contexts: Iterable[StackContext]) -> frozenset[str]:
    """What a scan of ``contexts`` covers, for ``apply_ledger(scope=...)``: stack ids and construct path roots."""
    contexts = list(contexts)
    return scan_scope((c.stack for c in contexts), (p for c in contexts for p in c.construct_paths.values()))


_CLOCK = RuleClock()
# The units a pool of forked workers runs; set before the fork, so workers inherit loaded scanners.
_POOL_UNITS: list[tuple[Scanner, StackContext]] | None = None


def run_unit(scanner: Scanner, context: StackContext) -> UnitResult:
    """Run one scanner on one template; a crash becomes one ``stackcheck.scanner-error`` finding.

    Records each rule's CPU seconds on this template in ``rule_seconds`` (cfn-lint, checkov).
    """
    scanner = loaded(scanner)
    instrument(scanner, _CLOCK)
    _CLOCK.take()  # whatever ran outside a unit is nobody's
    started = time.perf_counter()
    try:
        # Plain values only (cfn-lint hands out str subclasses carrying parser marks): what a worker
        # process sends back and what the cache stores must equal what runs here.
        found = json.loads(json.dumps([f.to_dict() for f in scanner.scan_template(context.template_file, context)]))
        findings = tuple(Finding.from_dict(item) for item in found)
        crashed = False
    except Exception as exc:
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


def can_fork() -> bool:
    """True where scan workers can be forked processes sharing loaded scanners (Linux)."""
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
    return _unit_in_worker(*_POOL_UNITS[index])


def _unit_in_worker(scanner: Scanner, context: StackContext) -> tuple[UnitResult, dict[str, Any] | None]:
    result = run_unit(scanner, context)
    unknown = isinstance(scanner, DeferredScanner) and not scanner.known
    return result, (describe_scanner(loaded(scanner)) if unknown else None)


def _counts(findings: Sequence[Finding]) -> str:
    """A unit's findings for the progress line: ``"87 findings, 0 failed"`` (passes are findings too), and
    ``", 1 unknown"`` when a rule or the scanner gave no verdict. Counted before the ledger applies."""
    failed = sum(1 for f in findings if f.status is Status.FAILED)
    unknown = sum(1 for f in findings if f.status is Status.UNKNOWN)
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} {noun}, {failed} failed" + (f", {unknown} unknown" if unknown else "")


def _run_units(
    units: list[tuple[Scanner, StackContext]],
    jobs: int,
    on_unit: Callable[[UnitResult], None] | None = None,
) -> list[UnitResult]:
    """Results of ``units`` in their order: in a fork pool of ``jobs`` workers when that can help, else here.

    Loaded scanners are shared with the workers by the fork; DeferredScanners not loaded yet load
    in each worker that needs them (never here), and learn their registry from the workers.
    The heap is frozen (``gc.freeze``) for the life of the pool (and after it, when the caller had
    frozen it already), as the gc module's documentation
    advises before a fork: the workers' collections then never touch, and so never copy, the
    pages of the scanners they inherited (https://docs.python.org/3/library/gc.html#gc.freeze).
    A worker that dies (killed, out of memory) costs nothing but time: its units run again here.
    ``on_unit`` is called with each result as its unit finishes (completion order).
    """
    global _POOL_UNITS
    done = on_unit or (lambda _: None)
    if jobs <= 1 or len(units) <= 1 or not can_fork():
        serial = []
        for scanner, context in units:
            serial.append(run_unit(scanner, context))
            done(serial[-1])
        return serial
    results: list[UnitResult | None] = [None] * len(units)
    order = sorted(range(len(units)), key=lambda i: -_cost(units[i]))
    for scanner, _ in units:
        if not isinstance(scanner, DeferredScanner) or scanner._scanner is not None:
            instrument(loaded(scanner), _CLOCK)  # once, before forking: workers inherit the timed methods
    _POOL_UNITS = units
    frozen_before = gc.get_freeze_count()  # a caller's own freeze (the gate's) is left as it was
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(units)), mp_context=multiprocessing.get_context("fork")
        ) as executor:
            _collect(units, {executor.submit(_pool_unit, i): i for i in order}, results, done)
    finally:
        _POOL_UNITS = None
        if not frozen_before:
            gc.unfreeze()
    for i, result in enumerate(results):
        if result is None:  # its worker died: run it here
            results[i] = run_unit(*units[i])
            done(results[i])  # type: ignore[arg-type]  # just set
    return [r for r in results if r is not None]


def _collect(
    units: list[tuple[Scanner, StackContext]],
    futures: dict[Future[tuple[UnitResult, dict[str, Any] | None]], int],
    results: list[UnitResult | None],
    done: Callable[[UnitResult], None],
) -> None:
    """Fill ``results`` from the workers as each unit finishes; a unit whose worker died stays None."""
    for future in as_completed(futures):
        i = futures[future]
        try:
            results[i], info = future.result()
        except Exception:
            continue
        done(results[i])  # type: ignore[arg-type]  # just set from the worker's answer
        scanner = units[i][0]
        if info is not None and isinstance(scanner, DeferredScanner) and not scanner.known:
            scanner.learn(info)


def scan(
    contexts: Sequence[StackContext],
    scanners: Sequence[Scanner],
    ledger: Ledger | None = None,
    *,
    today: date | None = None,
    cache: FindingsCache | None = None,
    jobs: int = 1,
    shard: Shard | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Run each scanner on each template (each pair a unit of work), deduplicate, apply ``ledger``.

    With ``cache``, a unit whose key the cache holds is not run (``UnitResult.cached``) and every
    unit that ran without crashing is stored; with ``jobs`` > 1 the units to run are spread over
    that many forked worker processes (Linux; elsewhere they run here). The findings are the same
    in every case, in context × scanner order. With ``shard`` only that shard's units run
    (``stackcheck.scan.shard``: the N shards together are the unsharded scan, each unit once).
    ``timings``: ``scan`` (wall seconds), ``scan.<tool>`` (seconds of that tool's units that ran),
    ``scan.cache`` (keys and lookups), ``rule.<tool>.<rule id>`` (CPU seconds, see ``slowest_rules``).
    Returns a ScanResult; never raises for a scanner crash (see ``run_unit``); ScannerError when a
    DeferredScanner has to load its tool and cannot. ``progress`` (``stackcheck.progress``) hears of
    each unit as it finishes: ``<tool> <stack>`` with ``cached`` or its findings count and seconds.
    """
    started = time.perf_counter()
    units = [(scanner, context) for context in contexts for scanner in scanners]
    if shard is not None:
        units = [units[i] for i in shard_units(units, shard, {i: s.tool for i, (s, _) in enumerate(units)})]
    results: list[UnitResult | None] = [None] * len(units)
    keys: list[str | None] = [None] * len(units)
    if cache is not None:
        for i, (scanner, context) in enumerate(units):
            try:
                key = keys[i] = cache.unit_key(scanner.tool, context)
            except OSError:
                continue  # an unreadable template: the scanner reports it
            hit = cache.get(key)
            if hit is not None:
                results[i] = UnitResult(
                    scanner.tool, context.stack, str(context.template_file), hit.findings, 0.0, cached=True
                )
    looked_up = time.perf_counter()

    def finished(unit: UnitResult) -> None:
        if progress is not None:
            detail = "cached" if unit.cached else f"{_counts(unit.findings)}, {unit.seconds:.1f} s"
            progress.advance(f"{unit.tool} {unit.stack}", detail)

    if progress is not None:
        progress.start(len(units), "scan")
    for cached in results:
        if cached is not None:
            finished(cached)
    todo = [i for i, result in enumerate(results) if result is None]
    ran = _run_units([units[i] for i in todo], jobs, finished)
    if progress is not None:
        progress.finish()
    for i, result in zip(todo, ran, strict=False):
        results[i] = result
        unit_key = keys[i]
        if cache is not None and unit_key is not None and not result.crashed:
            cache.put(unit_key, result.findings, result.rule_seconds, result.seconds)
    done: list[UnitResult] = [r for r in results if r is not None]
    scanned = time.perf_counter()
    findings = deduplicate(f for unit in done for f in unit.findings)
    warnings: list[LedgerWarning] = []
    if ledger is not None:
        findings, warnings = apply_ledger(findings, ledger, today, scope=ledger_scope(contexts))
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
