"""Parallel scanning: forked workers give exactly the serial findings, in order, with crashes and dead workers handled."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from stackcheck.scan.cache import FindingsCache
from stackcheck.scan.runner import (
    MAX_JOBS,
    contexts_from_assembly,
    contexts_from_files,
    default_jobs,
    load_scanners,
    scan,
)

REPO = Path(__file__).resolve().parents[4]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker pool forks (Linux only)")


def view(result):
    """Every field of every finding in scan order, and the units in order: what parallelism must not change."""
    return [f.to_dict() for f in result.findings], [(u.tool, u.stack, u.template_file, u.crashed) for u in result.units]


@pytest.fixture(scope="module")
def contexts(templates):
    return contexts_from_files(
        [templates / "s3_public_unencrypted.yaml", templates / "s3_private_encrypted.yaml"]
    ) + contexts_from_assembly(templates / "assembly")


def test_two_workers_give_the_serial_findings_in_the_serial_order(scanners, contexts):
    serial, parallel = scan(contexts, scanners, jobs=1), scan(contexts, scanners, jobs=2)
    assert view(parallel) == view(serial)
    assert [(f.fingerprint, f.status) for f in parallel.findings] == [
        (f.fingerprint, f.status) for f in serial.findings
    ]
    assert len(serial.units) == 8


def test_with_the_policy_pack_and_cdk_nag_parallel_equals_serial(contexts):
    pack = load_scanners(cdk_nag=True, policies=REPO / "policies")
    serial, parallel = scan(contexts, pack, jobs=1), scan(contexts, pack, jobs=2)
    assert view(parallel) == view(serial)
    assert {u.tool for u in parallel.units} == {"cfn-lint", "checkov", "stackcheck-assembly", "cdk-nag"}


def test_rule_seconds_come_back_from_the_workers(scanners, contexts):
    result = scan(contexts, scanners, jobs=2)
    tools = {key.split(".")[1] for key in result.timings if key.startswith("rule.")}
    assert tools == {"cfn-lint", "checkov"}
    slowest = result.slowest_rules(5)
    assert len(slowest) == 5
    assert [r.seconds for r in slowest] == sorted((r.seconds for r in slowest), reverse=True)
    assert all(result.timings[f"rule.{r.tool}.{r.rule_id}"] == r.seconds for r in slowest)


class Crashing:
    tool = "crashy"
    reports_passes = False
    version = "0"

    def rule_ids(self):
        return frozenset()

    def scan_template(self, template_path, stack_context):
        raise RuntimeError(f"boom on {Path(template_path).name}")


class DiesInWorkers:
    """Kills the worker process it runs in (as the OOM killer would); in the parent process it finds nothing."""

    tool = "fragile"
    reports_passes = False
    version = "0"

    def __init__(self):
        self.parent = os.getpid()

    def rule_ids(self):
        return frozenset()

    def scan_template(self, template_path, stack_context):
        if os.getpid() != self.parent:
            os._exit(9)
        return []


def test_a_crash_in_a_worker_is_the_serial_crash_finding(scanners, contexts):
    chosen = [Crashing(), *scanners]
    serial, parallel = scan(contexts, chosen, jobs=1), scan(contexts, chosen, jobs=2)
    assert view(parallel) == view(serial)
    assert [u.crashed for u in parallel.units if u.tool == "crashy"] == [True] * len(contexts)


def test_the_progress_line_counts_a_units_findings_its_failures_and_a_crash_as_unknown(scanners, templates):
    import io
    import re

    from stackcheck.progress import Progress

    out = io.StringIO()
    contexts = contexts_from_files([templates / "s3_public_unencrypted.yaml"])
    scan(contexts, [Crashing(), *scanners], jobs=1, progress=Progress(file=out))
    assert [re.sub(r", \d+\.\d s\)$", ")", line) for line in out.getvalue().splitlines()] == [
        "scan: 1/3 crashy s3_public_unencrypted (1 finding, 0 failed, 1 unknown)",
        "scan: 2/3 cfn-lint s3_public_unencrypted (2 findings, 2 failed)",
        "scan: 3/3 checkov s3_public_unencrypted (9 findings, 7 failed)",
    ]


def test_units_of_a_dead_worker_run_again_here(scanners, contexts):
    chosen = [*scanners, DiesInWorkers()]
    serial, parallel = scan(contexts, chosen, jobs=1), scan(contexts, chosen, jobs=2)
    assert view(parallel) == view(serial)
    assert not any(u.crashed for u in parallel.units)


def test_parallel_misses_fill_the_cache_with_what_a_serial_scan_finds(scanners, contexts, tmp_path):
    setup = {"format": 1, "tools": {"cfn-lint": "x", "checkov": "y"}}
    parallel = scan(contexts, scanners, cache=FindingsCache(tmp_path, setup=setup), jobs=2)
    hit = scan(contexts, scanners, cache=FindingsCache(tmp_path, setup=setup), jobs=2)
    assert all(u.cached for u in hit.units)
    assert view(hit) == view(parallel) == view(scan(contexts, scanners, jobs=1))


def test_default_jobs_stays_within_the_two_core_budget():
    assert 1 <= default_jobs() <= MAX_JOBS == 2


def test_deferred_scanners_load_in_the_workers_and_learn_their_registry_from_them(scanners, contexts, tmp_path):
    from stackcheck.scan.runner import DeferredScanner, findings_cache, remember_scanners

    deferred = load_scanners(policies=None, defer=True)
    assert all(isinstance(d, DeferredScanner) and not d.known for d in deferred)
    result = scan(contexts, deferred, jobs=2)
    assert view(result) == view(scan(contexts, scanners, jobs=1))
    assert all(d.known and d._scanner is None for d in deferred)  # learned from the workers, never loaded here
    assert [(d.tool, d.version, d.reports_passes, d.rule_ids()) for d in deferred] == [
        (s.tool, s.version, s.reports_passes, s.rule_ids()) for s in scanners
    ]
    cache = findings_cache(tmp_path, policies=None)
    remember_scanners(cache, deferred)
    again = load_scanners(policies=None, cache=findings_cache(tmp_path, policies=None), defer=True)
    assert all(d.remembered and d.known for d in again)


class SeesTheFreeze:
    """Answers, as a finding's message, how many objects the process it scans in holds frozen (gc.freeze)."""

    tool = "freeze-probe"
    reports_passes = False
    version = "0"

    def rule_ids(self):
        return frozenset({"FREEZE"})

    def scan_template(self, template_path, stack_context):
        import gc

        from stackcheck.findings import Finding

        return [
            Finding(
                tool=self.tool,
                rule_id="FREEZE",
                severity="WARNING",
                status="FAILED",
                message=str(gc.get_freeze_count()),
                stack=stack_context.stack,
                logical_id=None,
                resource_type=None,
                construct_path=None,
                template_file=str(template_path),
            )
        ]


def test_workers_inherit_a_frozen_heap_and_this_process_gets_it_back_unfrozen(contexts):
    import gc

    gc.unfreeze()  # whatever an earlier test in this worker froze (the gate freezes its heap)
    result = scan(contexts, [SeesTheFreeze()], jobs=2)
    counts = [int(f.message) for f in result.findings]
    assert len(counts) == len(contexts)
    assert min(counts) > 1000  # the workers' collections skip what they inherited (the modules, at least)
    assert gc.get_freeze_count() == 0
    serial = scan(contexts, [SeesTheFreeze()], jobs=1)
    assert [f.message for f in serial.findings] == ["0"] * len(contexts)


def test_a_heap_the_caller_froze_stays_frozen_after_a_parallel_scan(contexts):
    import gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        scan(contexts, [SeesTheFreeze()], jobs=2)
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()
