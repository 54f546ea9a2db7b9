"""`stackcheck compliance`: the policy pack re-evaluated on the live state of the deployed stacks; reports/compliance.{json,sarif,md}."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from stackcheck.aws.target import add_target_arguments, resolve_target
from stackcheck.files import REPORTS_DIR

HELP = (
    "re-evaluate the policy pack on the live state of the deployed stacks of the cloud assembly, under the same "
    "rule ids as `stackcheck scan`; apply the suppression ledger; write reports/compliance.json, compliance.sarif "
    "and compliance.md"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --assembly, --stack (repeatable), --policies, --ledger, --report-dir, --aws-endpoint-url,
    --aws-region, --emulator-record, --no-emulator, --emulator-account."""
    parser.add_argument(
        "--assembly",
        default="cdk.out",
        metavar="DIR",
        help="cloud assembly whose deployed stacks are checked (default: cdk.out)",
    )
    parser.add_argument(
        "--stack",
        action="append",
        default=None,
        metavar="NAME",
        help="check only this stack (artifact id or stack name); repeatable",
    )
    parser.add_argument(
        "--policies",
        default=None,
        metavar="DIR",
        help="the organisation's policy pack; rules with live_resource_types have live forms, "
        "as do checkov's CKV_AWS_21 and CKV_AWS_7 (default: policies when this folder has one; without a pack, "
        "checkov's checks alone)",
    )
    parser.add_argument(
        "--ledger",
        default=None,
        metavar="FILE",
        help="suppression ledger; its entries for the live rule ids apply (default: policies/suppressions.yaml when there is one)",
    )
    parser.add_argument(
        "--report-dir",
        default=REPORTS_DIR,
        metavar="DIR",
        help="where compliance.json, compliance.sarif and compliance.md are written (default: reports)",
    )
    add_target_arguments(parser, api="every AWS API")


def make_factory(target: Any) -> Any:
    """A ClientFactory for ``target`` (THROTTLING retry profile; fake credentials for the emulator only).

    Raises DetectionUnavailableError (exit 3) when the emulator the record names does not answer
    or no region is configured.
    """
    from botocore.exceptions import NoRegionError

    from stackcheck.aws.clients import ClientFactory
    from stackcheck.emulator.process import is_answering
    from stackcheck.errors import DetectionUnavailableError, NextStep

    if target.emulator and not is_answering(target.endpoint_url):
        raise DetectionUnavailableError(
            f"the emulator at {target.endpoint_url} ({target.source}) does not answer (or pass --no-emulator to "
            "check AWS)",
            next_step=NextStep.REDEPLOY_LOCAL,
        )
    factory = ClientFactory(
        region=target.region, endpoint_url=target.endpoint_url, emulator=target.emulator, account=target.account
    )
    try:
        factory.raw("cloudformation")
    except NoRegionError:
        raise DetectionUnavailableError(
            "no AWS region configured; pass --aws-region or set AWS_REGION (or a region in the AWS profile)"
        ) from None
    return factory


def run(args: argparse.Namespace, *, pack: tuple[Any, Any] | None = None, reader: Any = None) -> int:
    """Check live compliance, print the console report, write the three reports.

    ``pack``: the ``(forms, template_only)`` that ``stackcheck.compliance.live_forms(args.policies)``
    returns, loaded already (``stackcheck fleet run`` loads the pack once for every target); None
    loads it here. ``reader``: a ``stackcheck.compliance.live.LiveReader`` over the same deployment
    whose kept answers are reused (a ``ComplianceSession.live_reader()``, as pytest's
    ``live_compliance`` holds one); None reads every live resource afresh.

    Returns 0 when compliant, 1 when any unsuppressed FAILED finding (or a live resource that
    could not be read, or a rule that crashed) is left. Raises AssemblyError/BadInputError/
    LedgerError (exit 2) for a missing assembly, an unknown --stack, a malformed ledger or
    emulator record, or stacks that are not deployed (next step: deploy);
    DetectionUnavailableError (exit 3) when the endpoint does not answer, there are no
    credentials or no region; ScannerError (exit 3) when the policy pack cannot be loaded.
    Whenever the run stops with an error after reading its arguments, the reports say so
    (NOT CHECKED) instead of keeping an earlier run's.
    """
    from stackcheck.assembly import read_assembly
    from stackcheck.compliance import check_compliance, live_forms, write_compliance_reports, write_error_reports
    from stackcheck.compliance.report import render_compliance_console
    from stackcheck.errors import BadInputError, StackcheckError
    from stackcheck.progress import Progress
    from stackcheck.report.pci import PCI_MAPPING, load_mapping
    from stackcheck.suppressions import ledger_path, load_ledger

    started = time.perf_counter()
    target = None
    progress = Progress()  # stderr: per stack judged, its API calls
    try:
        assembly = read_assembly(args.assembly)
        artifacts = [assembly.stack(name) for name in args.stack] if args.stack else assembly.dependency_order()
        args.ledger = ledger_path(args.ledger)
        ledger = load_ledger(args.ledger) if args.ledger else None
        if args.policies is None and os.path.isdir("policies"):
            args.policies = "policies"  # the default pack, as `stackcheck scan` takes it
        forms, template_only = pack if pack is not None else live_forms(args.policies)
        try:  # the pack's PCI DSS v4.0 mapping, when it has one (compliance.md then shows per-requirement status)
            pci = load_mapping(os.path.join(args.policies, PCI_MAPPING)) if args.policies else None
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc
        target = resolve_target(args)
        factory = make_factory(target)
        left_out = None
        if target.emulator:  # what its deploy left out, and why, so those are not reported as "deploy again"
            from stackcheck.emulator.capabilities import served_native_types
            from stackcheck.emulator.plan import left_out as emulator_left_out

            left_out = emulator_left_out(assembly, served_native_types(str(target.endpoint_url)))
        result = check_compliance(
            artifacts,
            factory,
            forms,
            ledger=ledger,
            target=target,
            template_only=template_only,
            progress=progress,
            reader=reader,
            left_out=left_out,
        )
    except StackcheckError as exc:
        progress.finish()
        paths = write_error_reports(args.report_dir, str(exc), exc.exit_code, target)
        print(f"reports: {paths['json']}, {paths['sarif']}, {paths['markdown']} (NOT CHECKED)")
        sys.stdout.flush()
        raise
    paths = write_compliance_reports(result, args.report_dir, ledger_path=args.ledger, pci=pci)
    print(render_compliance_console(result))
    print(
        f"reports: {paths['json']}, {paths['sarif']}, {paths['markdown']}  ({len(artifacts)} stack"
        f"{'s' if len(artifacts) != 1 else ''}, {time.perf_counter() - started:.1f}s)"
    )
    sys.stdout.flush()
    return result.exit_code


COMMANDS = {"compliance": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
