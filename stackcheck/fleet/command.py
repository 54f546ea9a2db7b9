"""`stackcheck fleet matrix | run`: the fleet file as a GitHub Actions matrix, or run locally against the emulator."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stackcheck.files import EMULATOR_RECORD, REPORTS_DIR

HELP = (
    'print the fleet file\'s targets as a GitHub Actions matrix ({"include": [...]}), one job per target; or run '
    "every target's live compliance against the embedded emulator in parallel processes and merge the reports"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the action (matrix, run), --fleet FILE; for run: --emulator, --emulator-record, --reports,
    --output, --jobs, --policies, --ledger."""
    parser.add_argument(
        "action",
        choices=("matrix", "run"),
        help="matrix: the targets as one JSON line; run: compliance for each target on the emulator, then merge",
    )
    parser.add_argument("--fleet", default="policies/fleet.yaml", help="the fleet file (default: policies/fleet.yaml)")
    parser.add_argument(
        "--role-arn",
        default=None,
        metavar="ARN",
        help="matrix: when the fleet file does not exist, one target `default` assuming this role "
        "(with --region, --environment-suffix): the repository's single deployment",
    )
    parser.add_argument("--region", default=None, help="matrix: the single target's region (with --role-arn)")
    parser.add_argument(
        "--environment-suffix", default=None, help="matrix: the single target's environment suffix (default: dev)"
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="run: check the targets on the embedded emulator (each target's account and region on one server)",
    )
    parser.add_argument(
        "--emulator-record",
        default=EMULATOR_RECORD,
        metavar="FILE",
        help=f"run: the running emulator's record (default: {EMULATOR_RECORD})",
    )
    parser.add_argument(
        "--reports",
        default=REPORTS_DIR,
        metavar="DIR",
        help="run: each target's reports go to DIR/<target>/ (default: reports)",
    )
    parser.add_argument(
        "--output", default=None, metavar="DIR", help="run: where the merged reports go (default: <reports>/merged)"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=2, metavar="N", help="run: targets checked at once (default: 2)"
    )
    parser.add_argument(
        "--policies", default="policies", metavar="DIR", help="run: the policy pack (default: policies)"
    )
    parser.add_argument(
        "--ledger",
        default="policies/suppressions.yaml",
        metavar="FILE",
        help="run: the suppression ledger (default: policies/suppressions.yaml)",
    )


def run(args: argparse.Namespace) -> int:
    """matrix: print ``{"include": [target, ...]}`` on one line (for ``$GITHUB_OUTPUT``); returns 0.

    run: ``stackcheck.fleet.run.run_fleet``; prints one line per target and the merged files;
    returns the merged exit code (the worst target's; NOT RUN is 3). Raises FleetError (exit 2)
    on a bad fleet file, BadInputError (exit 2) for run without --emulator or bad --jobs, and
    EmulatorError (exit 3) when the emulator is not running.
    """
    from stackcheck.fleet import FleetTarget, load_fleet, single_target

    if args.action == "matrix" and args.role_arn is not None and not Path(args.fleet).exists():
        targets: tuple[FleetTarget, ...] = (single_target(args.role_arn, args.region, args.environment_suffix),)
    else:
        targets = load_fleet(args.fleet)
    if args.action == "matrix":
        print(json.dumps({"include": [t.to_dict() for t in targets]}, separators=(",", ":")))
        return 0
    from stackcheck.emulator.process import is_answering
    from stackcheck.emulator.record import read_emulator_record
    from stackcheck.errors import BadInputError, EmulatorError, NextStep
    from stackcheck.fleet.run import run_fleet

    if not args.emulator:
        raise BadInputError(
            "fleet run checks the targets on the embedded emulator only: pass --emulator; on AWS each target is "
            "one job of the nightly matrix (`stackcheck fleet matrix`), merged by `stackcheck report merge`"
        )
    record = read_emulator_record(Path(args.emulator_record))
    if record is None or not is_answering(record.endpoint_url):
        state = "absent" if record is None else f"not answering at {record.endpoint_url}"
        raise EmulatorError(f"the emulator of {args.emulator_record} is {state}", next_step=NextStep.START_EMULATOR)
    fleet = run_fleet(
        targets,
        emulator_record=args.emulator_record,
        reports=args.reports,
        output=args.output,
        jobs=args.jobs,
        policies=args.policies,
        ledger=args.ledger,
    )
    for target_run in fleet.runs:
        t = target_run.target
        print(f"{t.name}  {t.account}  {t.region}  exit {target_run.exit_code}  {target_run.seconds:.1f}s")
    paths = fleet.paths
    print(
        f"merged: {paths['json']}, {paths['sarif']}, {paths['markdown']} (exit {fleet.merged.exit_code}; "
        f"{len(fleet.runs)} targets, {fleet.seconds:.1f}s)"
    )
    return fleet.merged.exit_code


COMMANDS = {"fleet": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
