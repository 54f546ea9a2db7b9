"""`stackcheck deploy --target emulator|aws`: deploy the cloud assembly and write cfn-outputs/all-outputs.json and flat-outputs.json."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HELP = "deploy the cloud assembly to the embedded emulator (or real AWS via the cdk CLI) and write the outputs files"

CDK_DEPLOY = ["npx", "--no-install", "cdk", "deploy", "--all", "--require-approval", "never", "--outputs-file"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --target, --assembly, --app-dir, --outputs-dir, --allow-unsupported, --allow-stale, --sequential."""
    parser.add_argument("--target", choices=("emulator", "aws"), default="emulator",
                        help="emulator: the running embedded emulator (default); aws: `npx cdk deploy --all`")
    parser.add_argument("--assembly", default="cdk.out", help="cloud assembly folder (default: cdk.out)")
    parser.add_argument("--app-dir", default=".", help="folder holding cdk.json, to check the assembly is current")
    parser.add_argument("--outputs-dir", default="cfn-outputs",
                        help="folder of target.json and the outputs files (default: cfn-outputs)")
    parser.add_argument("--allow-unsupported", action="store_true",
                        help="emulator: skip resources of unsupported types (and what needs them) instead of failing")
    parser.add_argument("--allow-stale", action="store_true",
                        help="deploy an assembly older than the sources (warns instead of failing)")
    parser.add_argument("--sequential", action="store_true",
                        help="emulator: one stack at a time, even within a dependency wave")


def check_current(app_dir: str, assembly: str, allow_stale: bool) -> None:
    """AssemblyError when ``assembly`` was not synthesized from the current sources of ``app_dir``.

    Skipped when ``app_dir`` has no cdk.json (an assembly from elsewhere); a warning instead of
    the error with ``allow_stale``.
    """
    from stackcheck.assembly import is_current
    from stackcheck.errors import AssemblyError

    if not (Path(app_dir) / "cdk.json").is_file():
        return
    if not (Path(assembly) / "manifest.json").is_file():
        raise AssemblyError(f"cloud assembly {assembly} does not exist; synthesize first with `make synth`")
    if is_current(app_dir, assembly):
        return
    message = (f"cloud assembly {assembly} is stale: the app's sources or context changed since it was "
               "synthesized; synthesize first with `make synth`")
    if not allow_stale:
        raise AssemblyError(message)
    print(f"stackcheck deploy: warning: {message} (deploying it anyway: --allow-stale)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Deploy; prints one line per stack (``TapStackdevSource  CREATE_COMPLETE  created 74/74``)."""
    check_current(args.app_dir, args.assembly, args.allow_stale)
    if args.target == "aws":
        return deploy_aws(args.outputs_dir, args.app_dir)
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.deploy import deploy_assembly
    from stackcheck.emulator.process import require_running
    from stackcheck.errors import DeployError

    record = require_running(args.outputs_dir)
    assembly = read_assembly(args.assembly)
    print(f"deploying {len(assembly.stacks)} stacks ({assembly.resource_count()} resources) "
          f"to the emulator at {record.endpoint_url}", flush=True)

    def report(result) -> None:  # type: ignore[no-untyped-def]
        print(f"  {result.line()}  ({result.seconds:.1f}s)", flush=True)
        for logical_id, why in sorted(result.skipped.items()):
            print(f"      skipped {logical_id}: {why}", flush=True)

    try:
        result = deploy_assembly(assembly, record, outputs_dir=args.outputs_dir,
                                 allow_unsupported=args.allow_unsupported,
                                 max_parallel=1 if args.sequential else 4, on_stack=report)
    except DeployError as exc:
        raise DeployError(
            f"{exc}. The emulator keeps what was created (log: {args.outputs_dir}/emulator.log); tear it down "
            "with `stackcheck destroy --target emulator` (`make destroy-local`) before deploying again"
        ) from None
    created = sum(s.created for s in result.stacks)
    declared = sum(s.declared for s in result.stacks)
    print(f"deployed {len(result.stacks)} stacks, created {created}/{declared} resources in {result.seconds:.1f}s; "
          f"outputs: {result.outputs_files[0]}, {result.outputs_files[1]}")
    return 0


def deploy_aws(outputs_dir: str, app_dir: str = ".") -> int:
    """`npm install`, then `npx cdk deploy --all --require-approval never --outputs-file <outputs_dir>/all-outputs.json`
    (the aws-cdk CLI pinned in package.json), then flat-outputs.json beside it.

    Raises DeployError when npm/npx is missing or either command fails.
    """
    from stackcheck.errors import DeployError
    from stackcheck.outputs import ALL_OUTPUTS_FILE
    from stackcheck.outputs_command import flatten_file

    if shutil.which("npm") is None or shutil.which("npx") is None:
        raise DeployError("npm/npx not found; install Node.js to deploy to AWS with the pinned aws-cdk CLI")
    outputs = Path(outputs_dir)
    outputs.mkdir(parents=True, exist_ok=True)
    all_outputs = (outputs / ALL_OUTPUTS_FILE).resolve()
    for argv in (["npm", "install", "--no-audit", "--no-fund"], [*CDK_DEPLOY, str(all_outputs)]):
        print(f"$ {' '.join(argv)}", flush=True)
        completed = subprocess.run(argv, cwd=app_dir, check=False)
        if completed.returncode != 0:
            raise DeployError(f"`{' '.join(argv)}` exited with {completed.returncode}")
    flat = flatten_file(all_outputs)
    print(f"outputs: {all_outputs}, {flat}")
    return 0
