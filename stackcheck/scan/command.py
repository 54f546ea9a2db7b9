"""`stackcheck scan`: cfn-lint, checkov and cdk-nag on every template, the ledger applied, reports/scan.{json,sarif,md} written."""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from stackcheck.files import REPORTS_DIR

HELP = (
    "scan the cloud assembly's templates (or given templates) with cfn-lint, checkov and cdk-nag; apply the "
    "suppression ledger; optionally gate on new findings against a baseline"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: [TEMPLATE...], --assembly DIR (repeatable) | --template FILE..., --ledger FILE, --report-dir DIR,
    --region REGION, --baseline FILE, --write-baseline FILE, --jobs N, --cache-dir DIR | --no-cache, --shard K/N,
    --synth [--synth-arg ARG...], --sarif-suppressed."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--assembly",
        action="append",
        default=None,
        metavar="DIR",
        help="cloud assembly folder whose stacks are scanned (default: cdk.out); repeatable, for several apps "
        "in one scan (their stack ids must differ)",
    )
    source.add_argument(
        "--template", nargs="+", default=None, metavar="FILE", help="template files to scan instead of a cloud assembly"
    )
    parser.add_argument(
        "templates",
        nargs="*",
        default=[],
        metavar="TEMPLATE",
        help="template files to scan (as --template); files with the same name in different folders are told "
        "apart by their path",
    )
    parser.add_argument(
        "--policies",
        default=None,
        metavar="DIR",
        help="the organisation's policy pack (cfn_lint/, checkov/, assembly/; default: policies when this folder has one)",
    )
    parser.add_argument(
        "--no-policies", action="store_true", help="run the generic scanners only, without the policy pack"
    )
    parser.add_argument(
        "--ledger",
        default=None,
        metavar="FILE",
        help="suppression ledger (default: policies/suppressions.yaml when there is one; none: nothing suppressed)",
    )
    parser.add_argument(
        "--report-dir",
        default=REPORTS_DIR,
        metavar="DIR",
        help="where scan.json, scan.sarif and scan.md are written (default: reports)",
    )
    parser.add_argument(
        "--region",
        action="append",
        default=None,
        metavar="REGION",
        help="region cfn-lint validates against; repeatable (default: us-east-1)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="FILE",
        help="report and gate on only the failures not recorded in this baseline file",
    )
    parser.add_argument(
        "--write-baseline",
        default=None,
        metavar="FILE",
        help="record this scan's unsuppressed failures as a baseline file",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes scanning templates in parallel (default: the CPUs available, at most 2)",
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="findings cache: per template, tool versions and policy pack (default: .stackcheck/cache)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="run every scanner on every template; read and write no findings cache"
    )
    parser.add_argument(
        "--shard",
        default=None,
        metavar="K/N",
        help="run shard K of N (1 <= K <= N) of the scan's (tool, template) units, split deterministically, for "
        "N matrix jobs whose report folders `stackcheck report merge` joins",
    )
    parser.add_argument(
        "--synth",
        action="store_true",
        help="synthesize the app into the --assembly folder first, as `stackcheck synth` does (reusing a current "
        "assembly); the scanners load in this process meanwhile, and its workers inherit them",
    )
    parser.add_argument(
        "--synth-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an option for that synthesis, as `stackcheck synth` takes it (`--synth-arg=-c --synth-arg=key=value`, "
        "`--synth-arg=--app-dir --synth-arg=DIR`); repeatable; implies --synth; it synthesizes into --assembly",
    )
    parser.add_argument(
        "--sarif-suppressed",
        action="store_true",
        help="keep suppressed findings in scan.sarif, with SARIF suppressions (for consumers that honour them, such "
        "as the advanced-security/dismiss-alerts action); by default they are left out, since GitHub code scanning "
        "opens alerts for them",
    )


def run(args: argparse.Namespace) -> int:
    """Scan, print the console report, write ``<report-dir>/scan.json``, ``scan.sarif`` and ``scan.md``
    as one set (``publish_reports``; scan.json and scan.md say when and from which commit of the
    working directory's checkout). Ledger entries naming stacks outside the scanned set are left
    out (listed under ``ledger.out_of_scope`` in scan.json and on one console line).

    cdk-nag findings come from the reports cdk-nag wrote into the cloud assembly at synthesis,
    so ``--template`` scans leave cdk-nag out (its rule ids still count for the ledger).
    Returns 0 when clean, 1 when any unsuppressed FAILED (or crashed-scanner) finding is left;
    with ``--baseline``, 1 only when such a finding is not in the baseline.
    Raises BadInputError/AssemblyError/LedgerError (exit 2) naming the file for a missing or
    malformed template, assembly, ledger or baseline; ScannerError (exit 3) when a scanner cannot load.
    """

    import dataclasses

    from stackcheck.assembly import is_current
    from stackcheck.assembly.digest import assembly_digest
    from stackcheck.cli import process_ends
    from stackcheck.errors import BadInputError
    from stackcheck.files import json_text, publish_reports
    from stackcheck.progress import Progress
    from stackcheck.report import (
        MARKDOWN_FILE,
        REPORT_FILE,
        SARIF_FILE,
        build_report,
        build_sarif,
        render_console,
        render_markdown,
    )
    from stackcheck.report.console import cache_line, failure_line
    from stackcheck.report.pci import PCI_MAPPING, load_mapping
    from stackcheck.report.provenance import resolve
    from stackcheck.scan.baseline import baseline_from_result, compare, load_baseline, write_baseline
    from stackcheck.scan.runner import (
        DeferredScanner,
        contexts_from_assembly,
        contexts_from_files,
        default_jobs,
        findings_cache,
        ledger_scope,
        load_scanners,
        loaded,
        remember_scanners,
        scan,
    )
    from stackcheck.scan.shard import judged_stale, parse_shard
    from stackcheck.suppressions import DEFAULT_LEDGER, Ledger, ledger_path, load_ledger

    started = time.perf_counter()
    templates = [*(args.template or ()), *args.templates]
    if args.templates and args.assembly:
        raise BadInputError(
            f"give templates ({' '.join(args.templates)}) or --assembly {' '.join(args.assembly)}, not both"
        )
    shard = parse_shard(args.shard) if args.shard is not None else None
    synth = args.synth or bool(args.synth_arg)
    if synth and (templates or len(set(args.assembly or ["cdk.out"])) > 1):
        raise BadInputError("--synth synthesizes one cloud assembly: give at most one --assembly and no templates")
    synth_args, synth_extra = None, {}
    if synth:  # what the synthesis would refuse fails here, before it starts
        from stackcheck.assembly.command import parse_synth_args, synth_context

        synth_args = parse_synth_args(args.synth_arg)
        if synth_args.output is not None:
            raise BadInputError(
                f"--synth-arg --output {synth_args.output}: the scan names the cloud assembly it synthesizes "
                "and reads; give it as --assembly DIR"
            )
        synth_extra = synth_context(synth_args)
    baseline = load_baseline(args.baseline) if args.baseline else None
    if args.jobs is not None and args.jobs < 1:
        raise BadInputError(f"--jobs {args.jobs}: give 1 or more worker processes")
    jobs = default_jobs() if args.jobs is None else args.jobs
    args.ledger = ledger_path(args.ledger)
    if args.ledger:
        load_ledger(args.ledger)  # the ledger's own mistakes fail before any scanning; rule ids are checked below
    # the default pack is this folder's policies/ when there is one; a pack given must exist
    policies = None if args.no_policies else args.policies or ("policies" if os.path.isdir("policies") else None)
    try:  # the pack's PCI DSS v4.0 mapping, when it has one (scan.md then shows per-requirement status)
        pci = load_mapping(os.path.join(policies, PCI_MAPPING)) if policies else None
    except ValueError as exc:
        raise BadInputError(str(exc)) from exc
    cache = None if args.no_cache else findings_cache(args.cache_dir, args.region, cdk_nag=True, policies=policies)
    loading = time.perf_counter()
    # Deferred: with a synthesis they load here while it runs (below); else, with worker processes,
    # in the workers only, so this process stays small.
    every = load_scanners(args.region, cdk_nag=True, policies=policies, cache=cache, defer=jobs > 1 or synth)
    ready = time.perf_counter()
    if synth_args is not None:
        # The synthesis writes where this scan reads, and is judged stale for the app and context it is given.
        directory = os.path.abspath((args.assembly or ["cdk.out"])[0])
        try:  # asked first: the synthesis is about to replace it
            stale = not is_current(synth_args.app_dir, directory, synth_extra)
        except BadInputError:  # no readable cdk.json there: the synthesis says which
            stale = True
        synthesis = subprocess.Popen(
            [sys.executable, "-m", "stackcheck", "synth", "--output", directory, *args.synth_arg]
        )
        try:
            # While the app synthesizes (another process), the tools load here when the templates will
            # have to be scanned: a stale assembly, or no findings cache (or one that never saw these
            # scanners). Forked scan workers inherit them, so they load once, not once per worker.
            if stale or not all(isinstance(s, DeferredScanner) and s.known for s in every):
                for scanner in every:
                    loaded(scanner)
            if process_ends() and synthesis.poll() is None:
                # Only waiting now: collect, and freeze what lives to the exit (the loaded tools). The
                # workers' collections, and the one console_main makes at the exit (0.2 s on this
                # heap), then walk only what the scan itself makes.
                gc.collect()
                gc.freeze()
            status = synthesis.wait()
        except Exception:
            synthesis.wait()  # a scanner that cannot load: the synthesis finishes whole, nothing half-written
            raise
        except BaseException:  # interrupted: Ctrl-C reaches the app too, which removes its staging folder and exits
            try:
                synthesis.wait(timeout=60)
            except BaseException:  # interrupted again, or an app that does not stop
                synthesis.kill()
                synthesis.wait()
            raise
        if status != 0:
            print(f"scan: not run, synthesis exited {status}", file=sys.stderr)
            return status
    reading = time.perf_counter()
    scanned_assemblies: list[dict[str, str]] = []
    if templates:
        contexts = contexts_from_files(templates)
    else:
        contexts = []
        for directory in dict.fromkeys(args.assembly or ["cdk.out"]):
            contexts += contexts_from_assembly(directory)
            # what was scanned, as deploy will compare it (before scanning: a later change is not "scanned")
            scanned_assemblies.append({"directory": directory, "digest": assembly_digest(directory)})
        _check_distinct_stacks(contexts)
    read = time.perf_counter()
    scanners = tuple(s for s in every if not (templates and getattr(s, "assembly_only", False)))
    result = scan(contexts, scanners, cache=cache, jobs=jobs, shard=shard, progress=Progress())
    ledger = (
        load_ledger(args.ledger, frozenset().union(*(s.rule_ids() for s in every)))
        if args.ledger
        else Ledger(DEFAULT_LEDGER)
    )
    # Entries for stacks outside the scanned set are neither applied nor reported stale.
    scope = ledger_scope(contexts)
    result = result.with_ledger(ledger, scope=scope)
    unjudged: list[int] = []
    if shard is not None:
        # A shard cannot call an entry stale whose findings may come from another shard's units.
        kept, unjudged = judged_stale(
            result.ledger_warnings,
            ledger,
            ran={(u.tool, u.stack) for u in result.units},
            every=[(s.tool, c) for c in contexts for s in scanners],
            rule_tools={
                rule: [s.tool for s in scanners if rule in s.rule_ids()] for rule in {e.rule for e in ledger.entries}
            },
        )
        result = dataclasses.replace(result, ledger_warnings=tuple(kept))
    left_out = [e for e in ledger.entries if not e.in_scope(scope)]
    if cache is not None:
        remember_scanners(cache, every)
        if any(not u.cached for u in result.units):
            cache.prune()
    comparison = compare(result, baseline) if baseline else None
    result.timings.update({"templates": read - reading, "load_scanners": ready - loading})
    if synth:
        result.timings["synth"] = reading - ready

    # One moment and one commit for scan.json and scan.md; neither reaches the findings, so the
    # findings cache, the fingerprints (baseline) and scan.sarif stay as they were.
    now, commit = resolve()
    report = build_report(result, ledger_path=args.ledger, now=now, commit=commit)
    if len(scanned_assemblies) == 1:
        report["assembly"] = scanned_assemblies[0]
    elif scanned_assemblies:
        report["assemblies"] = scanned_assemblies
    if shard is not None:
        report["shard"] = {**shard.to_dict(), "units": len(result.units), "of": len(contexts) * len(scanners)}
        report["ledger"]["stale_not_judged"] = unjudged
    if comparison:
        report["exit_code"] = comparison.exit_code
        report["baseline"] = {
            "path": str(args.baseline),
            "created": comparison.baseline.created,
            "new": [f.fingerprint for f in comparison.new],
            "known": [f.fingerprint for f in comparison.known],
            "fixed": [e.to_dict() for e in comparison.fixed],
        }
    result.timings["total"] = time.perf_counter() - started
    report["timings"]["total"] = round(result.timings["total"], 3)
    if left_out:
        report["ledger"]["out_of_scope"] = [{"entry": e.index, "rule": e.rule, "target": e.target} for e in left_out]
    # One run's set, whole: written aside, then moved in under the report folder's lock, so two
    # scans at once never leave (or show a reader) files from both.
    paths = publish_reports(
        args.report_dir,
        {
            REPORT_FILE: json_text(report),
            SARIF_FILE: json_text(
                build_sarif(result, scanners=scanners, comparison=comparison, include_suppressed=args.sarif_suppressed)
            ),
            MARKDOWN_FILE: render_markdown(
                result, comparison=comparison, now=now, commit=commit, ledger=args.ledger, pci=pci
            ),
        },
    )
    path, sarif, markdown = paths[REPORT_FILE], paths[SARIF_FILE], paths[MARKDOWN_FILE]
    if args.write_baseline:
        written = write_baseline(result, args.write_baseline)
        print(f"baseline written: {written} ({len(baseline_from_result(result).entries)} failures recorded)")
    print(render_console(result))
    if left_out:
        stacks = sorted({e.stack for e in left_out if e.stack})
        print(
            f"\nledger: {len(left_out)} entr{'ies' if len(left_out) != 1 else 'y'} of {args.ledger} name stacks "
            f"not scanned ({', '.join(stacks)}), so they were neither applied nor checked for staleness"
        )
    if comparison:
        print(
            f"\nbaseline {args.baseline} of {comparison.baseline.created}: {len(comparison.new)} new, "
            f"{len(comparison.known)} known, {len(comparison.fixed)} fixed"
        )
        for finding in comparison.new:
            print(f"new: {failure_line(finding)}")
        verdict = "FAILED" if comparison.exit_code else "PASSED"
        print(
            f"{verdict} against the baseline: {len(comparison.new)} new unsuppressed "
            f"finding{'s' if len(comparison.new) != 1 else ''}"
        )
    reused = cache_line(result)
    print(
        f"report: {path}, {sarif}, {markdown}  ({len(contexts)} template{'s' if len(contexts) != 1 else ''}, "
        f"{result.timings['total']:.1f}s{f', {reused}' if reused else ''})"
    )
    sys.stdout.flush()
    return comparison.exit_code if comparison else result.exit_code


def _check_distinct_stacks(contexts: list[Any]) -> None:
    """BadInputError (exit 2) when two scanned assemblies hold stacks of the same id: their findings would merge."""
    from stackcheck.errors import BadInputError

    seen: dict[str, str] = {}
    for context in contexts:
        folder = str(Path(context.template_file).resolve().parent)
        if seen.setdefault(context.stack, folder) != folder:
            raise BadInputError(
                f"stack {context.stack} is in two of the scanned assemblies ({seen[context.stack]} and {folder}); "
                "scan them in separate runs (one --report-dir each) and join them with `stackcheck report merge`"
            )


COMMANDS = {"scan": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
