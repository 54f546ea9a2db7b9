"""`stackcheck emulator start|stop|status|capabilities`: the embedded AWS emulator's lifecycle and what it can create."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "run the embedded AWS emulator (moto server + the project's CloudFormation extension) in the background"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands start, stop, status, capabilities; --outputs-dir on each (where target.json lives)."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def with_outputs_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--outputs-dir", default="cfn-outputs",
                       help="folder of target.json and emulator.log (default: cfn-outputs)")
        return p

    start = with_outputs_dir(sub.add_parser(
        "start", help="start the server unless one is running; write target.json",
        description="Start the emulator as a detached background process on a loopback port and record it "
                    "in <outputs-dir>/target.json. A running emulator is reused; a stale record is replaced."))
    start.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    start.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    start.add_argument("--region", default="us-east-1", help="region emulator clients use (default: us-east-1)")
    start.add_argument("--timeout", type=float, default=30.0,
                       help="seconds to wait for the server to answer (default: 30)")
    with_outputs_dir(sub.add_parser("stop", help="stop the server and remove target.json"))
    with_outputs_dir(sub.add_parser(
        "status", help="running (exit 0), stale (exit 1) or absent (exit 3)",
        description="Exit codes follow the LSB status convention: 0 running, 1 stale record, 3 not running."))
    caps = sub.add_parser("capabilities", help="each resource type of the assembly: native, extended or unsupported")
    caps.add_argument("--assembly", default="cdk.out", help="cloud assembly folder (default: cdk.out)")
    caps.add_argument("--json", action="store_true", help="print the matrix as JSON")


def run(args: argparse.Namespace) -> int:
    """Dispatch to the action; errors are StackcheckError subclasses the CLI maps to exit codes."""
    from stackcheck.emulator import process

    if args.action == "start":
        record, started = process.start(args.outputs_dir, host=args.host, port=args.port, region=args.region,
                                        timeout=args.timeout)
        verb = "started" if started else "already running"
        print(f"emulator {verb} at {record.endpoint_url} (pid {record.pid}, region {record.region}); "
              f"record {args.outputs_dir}/{process.RECORD_FILE}, log {args.outputs_dir}/{process.LOG_FILE}")
        return 0
    if args.action == "stop":
        record = process.stop(args.outputs_dir)
        if record is None:
            print(f"emulator not running (no record in {args.outputs_dir})")
        else:
            print(f"emulator stopped (pid {record.pid}, {record.endpoint_url}); record removed")
        return 0
    if args.action == "status":
        current = process.status(args.outputs_dir)
        print(f"emulator {current.state}: {current.detail}")
        return current.exit_code
    return _capabilities(args)


def _capabilities(args: argparse.Namespace) -> int:
    from stackcheck.assembly import read_assembly
    from stackcheck.emulator.capabilities import UNSUPPORTED, capability_matrix, format_matrix

    matrix = capability_matrix(read_assembly(args.assembly))
    if args.json:
        json.dump([{"resource_type": c.resource_type, "support": c.support, "count": c.count,
                    "stacks": list(c.stacks), "detail": c.detail} for c in matrix], sys.stdout, indent=2)
        print()
    else:
        print(format_matrix(matrix))
    return 1 if any(c.support == UNSUPPORTED for c in matrix) else 0
