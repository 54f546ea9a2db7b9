"""`stackcheck drift`: DetectStackDrift and the live-template diff on the deployed stacks of the cloud assembly; reports/drift.{json,md,xml}."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from stackcheck.aws.target import add_target_arguments, resolve_target
from stackcheck.files import REPORTS_DIR

HELP = (
    "detect drift of the deployed stacks of the cloud assembly (CloudFormation DetectStackDrift, merged with a "
    "property diff of each stack's live template against its declared template); "
    "write reports/drift.json, drift.md and drift.xml"
)
METHODS = ("both", "cloudformation", "live-template")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --assembly, --stack (repeatable), --allowlist, --report-dir, --method, --aws-endpoint-url,
    --aws-region, --emulator-record, --no-emulator, --poll-interval, --max-polls, --timeout."""
    parser.add_argument(
        "--assembly",
        default="cdk.out",
        metavar="DIR",
        help="cloud assembly whose stacks are checked (default: cdk.out)",
    )
    parser.add_argument(
        "--stack",
        action="append",
        default=None,
        metavar="NAME",
        help="check only this stack (artifact id or stack name); repeatable",
    )
    parser.add_argument(
        "--allowlist",
        default=None,
        metavar="FILE",
        help="known false drift (default: policies/drift-allowlist.yaml when this folder has one, else none; "
        "a file given must exist)",
    )
    parser.add_argument(
        "--report-dir",
        default=REPORTS_DIR,
        metavar="DIR",
        help="where drift.json, drift.md and drift.xml are written (default: reports)",
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="both",
        help="cloudformation: DetectStackDrift only; live-template: the live-template diff only; both (default): "
        "both, merged per resource (where DetectStackDrift is not available, as on the emulator, the live-template "
        "diff alone)",
    )
    add_target_arguments(parser, api="CloudFormation")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between DescribeStackDriftDetectionStatus polls (default: 5)",
    )
    parser.add_argument(
        "--max-polls", type=int, default=360, metavar="N", help="most status polls per stack (default: 360)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="no poll starts this many seconds after DetectStackDrift (default: 900)",
    )


def make_client(target: Any) -> Any:
    """A plain boto3 CloudFormation client for ``target`` (fake credentials for the emulator only).
    Raises DetectionUnavailableError when no region is configured."""
    from botocore.exceptions import NoRegionError

    from stackcheck.aws.clients import ClientFactory
    from stackcheck.errors import DetectionUnavailableError

    factory = ClientFactory(
        region=target.region, endpoint_url=target.endpoint_url, emulator=target.emulator, account=target.account
    )
    try:
        return factory.raw("cloudformation")
    except NoRegionError:
        raise DetectionUnavailableError(
            "no AWS region configured; pass --aws-region or set AWS_REGION (or a region in the AWS profile)"
        ) from None


def poll_profile(args: argparse.Namespace) -> Any:
    """The PollProfile from --poll-interval, --max-polls and --timeout; BadInputError when out of range."""
    from stackcheck.drift import DEFAULT_POLL, PollProfile
    from stackcheck.errors import BadInputError

    if args.poll_interval < 0 or args.max_polls < 1 or args.timeout <= 0:
        raise BadInputError("--poll-interval must be >= 0, --max-polls >= 1 and --timeout > 0")
    return PollProfile(
        interval=args.poll_interval, max_polls=args.max_polls, deadline=args.timeout, throttling=DEFAULT_POLL.throttling
    )


def run(args: argparse.Namespace) -> int:
    """Detect drift, print the console summary, write the three reports.

    ``--method both`` (the default) runs DetectStackDrift and the live-template diff
    (``stackcheck.drift.live``) and merges them per resource (``stackcheck.drift.merge``); where
    DetectStackDrift is unavailable (the emulator) the live-template diff alone decides, and the reports
    say why. Returns 0 (in sync, or PARTIAL coverage without drift: said in words), 1 (drift found) or 3
    (could not detect: no method could run at the target, no credentials, every stack UNKNOWN, or a
    stack timed out or could not start). Raises AssemblyError/BadInputError (exit 2) for a missing
    assembly, an unknown --stack or a malformed allowlist or emulator record.
    """
    from stackcheck.assembly import read_assembly
    from stackcheck.drift import DriftDetector, DriftResult, load_allowlist
    from stackcheck.drift.allowlist import DEFAULT_ALLOWLIST, Allowlist
    from stackcheck.drift.report import render_console, write_drift_reports
    from stackcheck.errors import DetectionUnavailableError
    from stackcheck.progress import Progress

    started = time.perf_counter()
    assembly = read_assembly(args.assembly)
    artifacts = [assembly.stack(name) for name in args.stack] if args.stack else assembly.dependency_order()
    path = args.allowlist or (DEFAULT_ALLOWLIST if DEFAULT_ALLOWLIST.is_file() else None)
    allowlist = load_allowlist(path) if path else Allowlist()
    profile = poll_profile(args)
    target = resolve_target(args)
    method = getattr(args, "method", "both")
    detected: DriftResult | None = None
    reasons: list[str] = []
    if method in ("both", "cloudformation"):
        try:
            client = make_client(target)
            detected = DriftDetector(
                client, allowlist=allowlist, poll=profile, target=target, progress=Progress()
            ).detect(artifacts)
        except DetectionUnavailableError as exc:
            reasons.append(str(exc))
    live: Any = None
    if method in ("both", "live-template"):
        try:
            live = live_stacks(target, artifacts, assembly.dependency_order(), allowlist, Progress())
        except DetectionUnavailableError as exc:
            reasons.append(f"the live-template diff could not run either: {exc}" if reasons else str(exc))
    seconds = time.perf_counter() - started
    if detected is not None and live is not None:
        from stackcheck.drift.merge import merge_methods

        result = DriftResult(
            stacks=merge_methods(detected.stacks, live), target=target, allowlist=allowlist, seconds=seconds
        )
    elif detected is not None:
        result = detected
    elif live is not None:
        cloudformation = reasons[0] if reasons else "not asked for (--method live-template)"
        result = DriftResult(
            stacks=tuple(live),
            target=target,
            allowlist=allowlist,
            seconds=seconds,
            cloudformation_unavailable=cloudformation,
        )
    else:
        result = DriftResult.for_unavailable(
            artifacts, "; ".join(reasons), target=target, allowlist=allowlist, seconds=seconds
        )
    paths = write_drift_reports(result, args.report_dir)
    print(render_console(result))
    print(f"reports: {paths['json']}, {paths['markdown']}, {paths['junit']}  ({time.perf_counter() - started:.1f}s)")
    sys.stdout.flush()
    if result.unavailable is not None:
        print(f"stackcheck drift: error: {result.unavailable}", file=sys.stderr)
    elif detected is not None and live is None and len(reasons) == 1 and method == "both":
        print(f"stackcheck drift: warning: the live-template diff did not run: {reasons[0]}", file=sys.stderr)
    return result.exit_code


def live_stacks(target: Any, artifacts: Any, every: Any, allowlist: Any, progress: Any = None) -> Any:
    """The live-template method's StackDrifts for ``artifacts`` (``LiveDrift.detect``) through a ClientFactory for
    ``target``. Raises DetectionUnavailableError when the endpoint does not answer, there are no credentials or
    no region."""
    from stackcheck.compliance.command import make_factory
    from stackcheck.drift.live import LiveDrift

    return LiveDrift(make_factory(target), allowlist=allowlist, progress=progress).detect(artifacts, every)


COMMANDS = {"drift": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
