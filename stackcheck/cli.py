"""`stackcheck` console script: thin argument parsing over the library; errors map to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from stackcheck.errors import StackcheckError

# name -> module; each module defines HELP, add_arguments(parser) and run(args) -> int.
# Modules are imported only when their command runs, so `stackcheck synth` never pays for checkov.
COMMANDS: dict[str, str] = {
    "synth": "stackcheck.assembly_command",
    "scan": "stackcheck.scan.command",
    "emulator": "stackcheck.emulator.command",
    "deploy": "stackcheck.emulator.deploy_command",
    "destroy": "stackcheck.emulator.destroy_command",
    "outputs": "stackcheck.outputs_command",
    "report": "stackcheck.report.command",
    "drift": "stackcheck.drift_command",
    "compliance": "stackcheck.compliance_command",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with one sub-parser per entry of ``COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="stackcheck",
        description="Synthesize, scan, deploy (embedded emulator or AWS) and check a CDK app's cloud assembly.",
        epilog="exit codes: 0 clean, 1 findings or failures, 2 bad input, 3 could not run "
               "(emulator or AWS API not answering)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # command not built yet
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings/failures, 2 bad input, 3 could not run)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except StackcheckError as exc:
        print(f"stackcheck {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
