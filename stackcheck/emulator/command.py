"""`stackcheck emulator start|stop|status|capabilities`, `stackcheck deploy` and `stackcheck destroy`: the embedded AWS emulator's lifecycle, what it can create, and deploying the cloud assembly to it (or to AWS through the cdk CLI)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackcheck.emulator.deploy import StackResult

EMULATOR_HELP = "run the embedded AWS emulator (moto server + the project's CloudFormation extension) in the background"


def add_emulator_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands start, stop, status, capabilities; --outputs-dir on each (where the emulator record lives)."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def with_outputs_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--outputs-dir", default="cfn-outputs", help="folder of the emulator record and log (default: cfn-outputs)"
        )
        return p

    start = with_outputs_dir(
        sub.add_parser(
            "start",
            help="start the server unless one is running; write the emulator record",
            description="Start the emulator as a detached background process on a loopback port and record it "
            "in <outputs-dir> (the emulator record). A running emulator is reused; a stale record is replaced.",
        )
    )
    start.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    start.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    start.add_argument("--region", default="us-east-1", help="region emulator clients use (default: us-east-1)")
    start.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the server to answer (default: 30)"
    )
    start.add_argument(
        "--latency",
        default=os.environ.get("STACKCHECK_EMULATOR_LATENCY") or None,
        metavar="LOW-HIGH[@SEED]",
        help="simulate AWS API latency: a seeded delay of LOW-HIGH ms before each answer, a simulation "
        "(default: none, or $STACKCHECK_EMULATOR_LATENCY)",
    )
    with_outputs_dir(sub.add_parser("stop", help="stop the server and remove the emulator record"))
    with_outputs_dir(
        sub.add_parser(
            "status",
            help="running (exit 0), stale (exit 1) or absent (exit 3)",
            description="Exit codes follow the LSB status convention: 0 running, 1 stale record, 3 not running.",
        )
    )
    caps = with_outputs_dir(
        sub.add_parser(
            "capabilities",
            help="each resource type of the assembly: native, extended or unsupported (as the running emulator "
            "recorded in <outputs-dir> serves its types, else as the moto installed here has them)",
        )
    )
    caps.add_argument("--assembly", default="cdk.out", help="cloud assembly folder (default: cdk.out)")
    caps.add_argument("--json", action="store_true", help="print the matrix as JSON")


def run_emulator(args: argparse.Namespace) -> int:
    """Dispatch to the action; errors are StackcheckError subclasses the CLI maps to exit codes."""
    from stackcheck.emulator import process

    if args.action == "start":
        record, started = process.start(
            args.outputs_dir,
            host=args.host,
            port=args.port,
            region=args.region,
            timeout=args.timeout,
            latency=args.latency,
        )
        verb = "started" if started else "already running"
        simulated = f"; simulated latency {args.latency} ms per call" if args.latency and started else ""
        print(
            f"emulator {verb} at {record.endpoint_url} (pid {record.pid}, region {record.region}){simulated}; "
            f"record {args.outputs_dir}/{process.RECORD_FILE}, log {args.outputs_dir}/{process.LOG_FILE}"
        )
        return 0
    if args.action == "stop":
        stopped = process.stop(args.outputs_dir)
        if stopped is None:
            print(f"emulator not running (no record in {args.outputs_dir})")
        else:
            print(f"emulator stopped (pid {stopped.pid}, {stopped.endpoint_url}); record removed")
        return 0
    if args.action == "status":
        current = process.status(args.outputs_dir)
        print(f"emulator {current.state}: {current.detail}")
        return current.exit_code
    return _capabilities(args)


def missing_context_line(keys: tuple[str, ...]) -> str:
    """What a cloud assembly synthesized with missing context means for a deploy, naming each key."""
    return (
        f"the assembly was synthesized without the context of {len(keys)} lookup(s) ({'; '.join(keys)}): "
        "CDK put placeholder values in their place (vpc-12345, subnets p-12345...), which exist in no "
        "emulator; resources using them fail. Give the values in cdk.json's or cdk.context.json's context"
    )


def _capabilities(args: argparse.Namespace) -> int:
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.capabilities import UNSUPPORTED, capability_matrix, format_matrix, served_native_types
    from stackcheck.emulator.process import read_record
    from stackcheck.errors import EmulatorRecordError

    assembly = read_assembly(args.assembly)
    try:  # the record only says where to ask; an unreadable one leaves the answer to the moto installed here
        record, unread = read_record(args.outputs_dir), None
    except EmulatorRecordError as exc:
        record, unread = None, str(exc)
    native = served_native_types(record.endpoint_url) if record is not None else None
    matrix = capability_matrix(assembly, native)
    if args.json:
        json.dump(
            [
                {
                    "resource_type": c.resource_type,
                    "support": c.support,
                    "count": c.count,
                    "stacks": list(c.stacks),
                    "detail": c.detail,
                }
                for c in matrix
            ],
            sys.stdout,
            indent=2,
        )
        print()
    else:
        from stackcheck.emulator.assets import asset_forecast
        from stackcheck.emulator.plan import forecast

        print(
            f"moto's types: as the emulator at {record.endpoint_url} serves them"
            if native is not None and record is not None
            else f"moto's types: as the moto installed here has them ({unread or f'no emulator answering from {args.outputs_dir}'})"
        )
        print(format_matrix(matrix))
        for line in forecast(assembly, native):
            print(f"stack {line}")
        print(f"assets: {asset_forecast(assembly.directory).line(verb='to publish') or 'none'}")
        if assembly.missing_context:
            print(f"warning: {missing_context_line(assembly.missing_context)}")
    return 1 if any(c.support == UNSUPPORTED for c in matrix) else 0


DEPLOY_HELP = (
    "deploy the cloud assembly to the embedded emulator (or real AWS via the cdk CLI) and write the outputs files"
)

CDK_DEPLOY = ["npx", "--no-install", "cdk", "deploy", "--all", "--require-approval", "never"]
"""The cdk CLI deploy; ``--app <cloud assembly folder>`` and ``--outputs-file`` are added: the CLI
deploys that assembly as it is and never synthesizes
(https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd.html#ref-cli-cmd-options: ``--app`` takes
a command or a cloud assembly directory)."""


def add_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --target, --assembly, --app-dir, --outputs-dir, --report-dir, --allow-unsupported, --allow-stale,
    --allow-unscanned, --sequential."""
    parser.add_argument(
        "--target",
        choices=("emulator", "aws"),
        default="emulator",
        help="emulator: the running embedded emulator (default); aws: `npx cdk deploy --all`",
    )
    parser.add_argument("--assembly", default="cdk.out", help="cloud assembly folder (default: cdk.out)")
    parser.add_argument("--app-dir", default=".", help="folder holding cdk.json, to check the assembly is current")
    parser.add_argument(
        "--outputs-dir",
        default="cfn-outputs",
        help="folder of the emulator record and the outputs files (default: cfn-outputs)",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        help="folder of the last scan's scan.json, whose assembly digest the deployed assembly must match (default: reports)",
    )
    parser.add_argument(
        "--allow-unsupported",
        action="store_true",
        help="emulator: skip resources of unsupported types (and what needs them) instead of failing",
    )
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="deploy an assembly older than the sources (warns instead of failing)",
    )
    parser.add_argument(
        "--allow-unscanned",
        action="store_true",
        help="deploy although the assembly is not the one the last scan scanned (warns instead of failing)",
    )
    parser.add_argument(
        "--sequential", action="store_true", help="emulator: one stack at a time, even within a dependency wave"
    )


def deployed_counts(result: StackResult) -> str:
    """``3/3 resources created``; ``7 of 8 resources created, 1 emulated`` and ``2 of 10 resources created, 8 skipped``
    when the deploy emulated (CDK framework custom resources) or left out (unsupported types) some: the
    progress line of one deployed stack."""
    if not result.emulated and not result.skipped:
        return f"{result.created}/{result.declared} resources created"
    parts = [f"{result.created} of {result.declared} resources created"]
    if result.emulated:
        parts.append(f"{len(result.emulated)} emulated")
    if result.skipped:
        parts.append(f"{len(result.skipped)} skipped")
    return ", ".join(parts)


def check_current(app_dir: str, assembly: str, allow_stale: bool) -> None:
    """AssemblyError when ``assembly`` was not synthesized from the current sources of ``app_dir``.

    Skipped when ``app_dir`` has no cdk.json (an assembly from elsewhere); a warning instead of
    the error with ``allow_stale``.
    """
    from stackcheck.assembly import is_current, stale_reasons
    from stackcheck.errors import AssemblyError, NextStep

    if not (Path(app_dir) / "cdk.json").is_file():
        return
    if not (Path(assembly) / "manifest.json").is_file():
        raise AssemblyError(f"cloud assembly {assembly} does not exist", next_step=NextStep.SYNTH)
    if is_current(app_dir, assembly):
        return
    message = (
        f"cloud assembly {assembly} is stale: since it was synthesized, {'; '.join(stale_reasons(app_dir, assembly))} "
        "(the sources are the files of cdk.json's watch; a folder of outputs belongs in its watch.exclude)"
    )
    if not allow_stale:
        raise AssemblyError(message, next_step=NextStep.RESYNTH)
    print(f"stackcheck deploy: warning: {message} (deploying it anyway: --allow-stale)", file=sys.stderr)


def check_scanned(assembly: str, report_dir: str, *, required: bool, allow_unscanned: bool) -> None:
    """AssemblyError (exit 2) when ``assembly`` is not the cloud assembly the last scan scanned.

    The last scan is ``<report_dir>/scan.json``: its ``assembly`` record (folder and digest, see
    ``stackcheck.assembly.digest``; for a scan of several, the one of ``assemblies`` naming this folder) must name the same folder and the digest ``assembly`` has now.
    Without a scan record (no scan.json, or a scan of loose templates) the check passes unless
    ``required`` (a deploy to AWS). With ``allow_unscanned`` a warning replaces the error.
    Raises BadInputError when scan.json exists but cannot be read.
    """
    from stackcheck.assembly.digest import assembly_digest
    from stackcheck.errors import AssemblyError, NextStep
    from stackcheck.files import read_json

    report = Path(report_dir) / "scan.json"
    data = read_json(report, what="scan report") if report.is_file() else None
    scanned = data.get("assembly") if isinstance(data, dict) else None
    if scanned is None and isinstance(data, dict) and isinstance(data.get("assemblies"), list):
        # a scan of several assemblies: the record of this one, if it was among them
        scanned = next(
            (
                a
                for a in data["assemblies"]
                if isinstance(a, dict) and Path(str(a.get("directory"))).resolve() == Path(assembly).resolve()
            ),
            None,
        )
    problem = None
    if not isinstance(scanned, dict) or not scanned.get("digest"):
        if required:
            problem = f"cloud assembly {assembly} was never scanned ({report} records no scanned assembly)"
    elif Path(str(scanned.get("directory"))).resolve() != Path(assembly).resolve():
        problem = f"the last scan ({report}) scanned {scanned.get('directory')}, not {assembly}"
    else:
        current = assembly_digest(assembly)
        if current != scanned["digest"]:
            problem = (
                f"cloud assembly {assembly} changed after the last scan: {report} scanned "
                f"{scanned['digest'][:19]}…, it is {current[:19]}… now; what would be deployed was never scanned"
            )
    if problem is None:
        return
    if not allow_unscanned:
        raise AssemblyError(problem, next_step=NextStep.SCAN)
    print(f"stackcheck deploy: warning: {problem} (deploying it anyway: --allow-unscanned)", file=sys.stderr)


def run_deploy(args: argparse.Namespace) -> int:
    """Deploy; prints one line per stack (``TapStackdevSource  CREATE_COMPLETE  declared 74 / created 74 / emulated 0 / skipped 0``)."""
    check_current(args.app_dir, args.assembly, args.allow_stale)
    check_scanned(args.assembly, args.report_dir, required=args.target == "aws", allow_unscanned=args.allow_unscanned)
    if args.target == "aws":
        return deploy_aws(args.outputs_dir, args.app_dir, args.assembly)
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.emulator.process import require_running
    from stackcheck.errors import DeployError, NextStep
    from stackcheck.files import EMULATOR_LOG_FILE
    from stackcheck.progress import Progress

    record = require_running(args.outputs_dir)
    assembly = read_assembly(args.assembly)
    if assembly.missing_context:
        print(f"stackcheck deploy: warning: {missing_context_line(assembly.missing_context)}", file=sys.stderr)
    print(
        f"deploying {len(assembly.stacks)} stack{'s' if len(assembly.stacks) != 1 else ''} "
        f"({assembly.resource_count()} resources) "
        f"to the emulator at {record.endpoint_url}",
        flush=True,
    )

    progress = Progress()  # stderr: a rich bar on a terminal, "deploy: n/N <stack> (counts)" lines otherwise

    def report(result) -> None:
        print(f"  {result.line()}  ({result.seconds:.1f}s)", flush=True)
        for logical_id, why in sorted(result.emulated.items()):
            print(f"      emulated {logical_id}: {why}", flush=True)
        progress.advance(result.artifact_id, deployed_counts(result))

    progress.start(len(assembly.stacks), "deploy")
    try:
        result = deploy_assembly(
            assembly,
            record,
            outputs_dir=args.outputs_dir,
            allow_unsupported=args.allow_unsupported,
            max_parallel=1 if args.sequential else 4,
            on_stack=report,
            on_assets=lambda assets: print(f"  {assets.line()}", flush=True) if assets.line() else None,
        )
    except DeployError as exc:
        raise DeployError(
            f"{exc.message}. The emulator keeps what was created (log: {Path(args.outputs_dir) / EMULATOR_LOG_FILE})",
            next_step=NextStep.DESTROY_LOCAL,
        ) from None
    finally:
        progress.finish()
    declared = sum(s.declared for s in result.stacks)
    created = sum(s.created for s in result.stacks)
    emulated = sum(len(s.emulated) for s in result.stacks)
    skipped = sum(len(s.skipped) for s in result.stacks)
    print(
        f"deployed {len(result.stacks)} stack{'s' if len(result.stacks) != 1 else ''}: declared {declared} / "
        f"created {created} / emulated {emulated} / skipped {skipped} resources in {result.seconds:.1f}s; "
        f"outputs: {', '.join(str(f) for f in result.outputs_files if f is not None)}"
    )
    if result.flat_skipped:
        print(
            f"stackcheck deploy: warning: {result.flat_skipped} Point the checks at it: "
            f"--outputs-file={result.outputs_files[0]} (or STACKCHECK_OUTPUTS_FILE).",
            file=sys.stderr,
        )
    return 0


def deploy_aws(outputs_dir: str, app_dir: str = ".", assembly: str = "cdk.out") -> int:
    """`npm install`, then `npx cdk deploy --all --require-approval never --app <assembly> --outputs-file
    <outputs_dir>/all-outputs.json` (the aws-cdk CLI pinned in package.json, deploying the cloud
    assembly as it is, without synthesizing), then flat-outputs.json beside it.

    Raises DeployError when npm/npx is missing or either command fails.
    """
    from stackcheck.errors import DeployError
    from stackcheck.files import ALL_OUTPUTS_FILE
    from stackcheck.outputs.command import flatten_file

    if shutil.which("npm") is None or shutil.which("npx") is None:
        raise DeployError("npm/npx not found; install Node.js to deploy to AWS with the pinned aws-cdk CLI")
    outputs = Path(outputs_dir)
    outputs.mkdir(parents=True, exist_ok=True)
    all_outputs = (outputs / ALL_OUTPUTS_FILE).resolve()
    deploy = [*CDK_DEPLOY, "--app", str(Path(assembly).resolve()), "--outputs-file", str(all_outputs)]
    for argv in (["npm", "install", "--no-audit", "--no-fund"], deploy):
        print(f"$ {' '.join(argv)}", flush=True)
        completed = subprocess.run(argv, cwd=app_dir, check=False)
        if completed.returncode != 0:
            raise DeployError(f"`{' '.join(argv)}` exited with {completed.returncode}")
    flat = flatten_file(all_outputs)
    print(f"outputs: {all_outputs}, {flat}")
    return 0


DESTROY_HELP = (
    "tear down the emulator deployment: reset the server, stop it, remove the emulator record and the outputs files"
)


def add_destroy_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --target (emulator only), --outputs-dir."""
    parser.add_argument(
        "--target",
        choices=("emulator",),
        default="emulator",
        help="only the emulator; tear real AWS stacks down with `npx cdk destroy --all`",
    )
    parser.add_argument(
        "--outputs-dir",
        default="cfn-outputs",
        help="folder of the emulator record and the outputs files (default: cfn-outputs)",
    )


def run_destroy(args: argparse.Namespace) -> int:
    """Destroy; idempotent (a stopped or absent emulator only has its files removed)."""
    from stackcheck.emulator.deploy import destroy

    result = destroy(args.outputs_dir)
    state = "reset and stopped" if result.reset else "was not running"
    removed = ", ".join(str(p) for p in result.removed) or "no outputs files"
    print(f"emulator {state}; removed {removed}")
    return 0


COMMANDS = {
    "emulator": (EMULATOR_HELP, add_emulator_arguments, run_emulator),
    "deploy": (DEPLOY_HELP, add_deploy_arguments, run_deploy),
    "destroy": (DESTROY_HELP, add_destroy_arguments, run_destroy),
}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
