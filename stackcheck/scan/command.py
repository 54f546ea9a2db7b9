"""`stackcheck scan`: cfn-lint and checkov on every template, the ledger applied, reports/scan.json written."""

from __future__ import annotations

import argparse
import sys
import time

HELP = "scan the cloud assembly's templates (or given templates) with cfn-lint and checkov; apply the suppression ledger"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --assembly DIR | --template FILE..., --ledger FILE, --report-dir DIR, --region REGION."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--assembly", default=None, metavar="DIR",
                        help="cloud assembly folder whose stacks are scanned (default: cdk.out)")
    source.add_argument("--template", nargs="+", default=None, metavar="FILE",
                        help="template files to scan instead of a cloud assembly")
    parser.add_argument("--ledger", default="policies/suppressions.yaml", metavar="FILE",
                        help="suppression ledger (default: policies/suppressions.yaml)")
    parser.add_argument("--report-dir", default="reports", metavar="DIR",
                        help="where scan.json is written (default: reports)")
    parser.add_argument("--region", action="append", default=None, metavar="REGION",
                        help="region cfn-lint validates against; repeatable (default: us-east-1)")


def run(args: argparse.Namespace) -> int:
    """Scan, print the console report, write ``<report-dir>/scan.json``.

    Returns 0 when clean, 1 when any unsuppressed FAILED (or crashed-scanner) finding is left.
    Raises BadInputError/AssemblyError/LedgerError (exit 2) naming the file for a missing or
    malformed template, assembly or ledger; ScannerError (exit 3) when a scanner cannot load.
    """
    from stackcheck.report import render_console, write_report
    from stackcheck.scan.runner import contexts_from_assembly, contexts_from_files, load_scanners, scan
    from stackcheck.suppressions import load_ledger

    started = time.perf_counter()
    if args.template:
        contexts = contexts_from_files(args.template)
    else:
        contexts = contexts_from_assembly(args.assembly or "cdk.out")
    loading = time.perf_counter()
    scanners = load_scanners(args.region)
    loaded = time.perf_counter()
    known = frozenset().union(*(s.rule_ids() for s in scanners))
    ledger = load_ledger(args.ledger, known)
    result = scan(contexts, scanners, ledger)
    result.timings.update({"templates": loading - started, "load_scanners": loaded - loading})
    result.timings["total"] = time.perf_counter() - started
    path = write_report(result, args.report_dir, ledger_path=args.ledger)
    print(render_console(result))
    print(f"report: {path}  ({len(contexts)} template{'s' if len(contexts) != 1 else ''}, "
          f"{result.timings['total']:.1f}s)")
    sys.stdout.flush()
    return result.exit_code
