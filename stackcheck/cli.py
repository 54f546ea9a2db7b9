"""`stackcheck` console script: thin argument parsing over the library; errors map to exit codes."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys

from stackcheck.errors import StackcheckError

# Each stage of the data flow is a package whose CLI face is its `command.py`, holding
# COMMANDS = {name: (help, add_arguments(parser), run(args) -> exit code)}. Command modules import
# their stage's library inside `run`, so `stackcheck synth` never pays for checkov.
STAGES = ("assembly", "scan", "report", "emulator", "outputs", "drift", "compliance", "fleet", "gate")
COMMAND_STAGES = {
    "synth": "assembly",
    "scan": "scan",
    "report": "report",
    "emulator": "emulator",
    "deploy": "emulator",
    "destroy": "emulator",
    "outputs": "outputs",
    "drift": "drift",
    "compliance": "compliance",
    "fleet": "fleet",
    "gate": "gate",
}
"""Command name → the stage whose ``command.COMMANDS`` defines it (a unit test holds the two equal): running one
command imports that stage's command module only (the nine together take 0.2 s to import)."""


def build_parser(stages: tuple[str, ...] = STAGES) -> argparse.ArgumentParser:
    """Return the top-level parser with one sub-parser per command of each of ``stages``' ``command.COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="stackcheck",
        description="Synthesize, scan, deploy (embedded emulator or AWS) and check a CDK app's cloud assembly.",
        epilog="exit codes: 0 clean, 1 findings or failures, 2 bad input, 3 could not run "
        "(emulator or AWS API not answering)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for stage in stages:
        module = importlib.import_module(f"stackcheck.{stage}.command")
        for name, (help_text, add_arguments, run) in module.COMMANDS.items():
            cmd = sub.add_parser(name, help=help_text, description=help_text)
            add_arguments(cmd)
            cmd.set_defaults(_run=run)
    return parser


def _parser_for(argv: list[str]) -> argparse.ArgumentParser:
    """The parser for ``argv``: its command's stage alone when the first argument names a command, else every
    stage (``--help``, no command, an unknown one: argparse then lists them all)."""
    stage = COMMAND_STAGES.get(argv[0]) if argv else None
    return build_parser((stage,) if stage else STAGES)


_PROCESS_ENDS = False


def process_ends() -> bool:
    """True inside ``console_main`` (the ``stackcheck`` command), whose process ends when the command returns.

    A command may then freeze the heap at a moment it would only wait (``gc.freeze``): what is loaded
    by then lives to the exit anyway. In-process callers of ``main`` (tests, a gate stage) get False,
    and their collector is left alone.
    """
    return _PROCESS_ENDS


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings/failures, 2 bad input, 3 could not run)."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser_for(argv).parse_args(argv)
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


def console_main() -> int:
    """The ``stackcheck`` command and ``python -m stackcheck``: ``main``'s exit code, the heap frozen for the exit.

    The process ends right after, so what is garbage now is collected (its finalizers run, its
    files close) and the rest is frozen (``gc.freeze``): the interpreter's teardown then leaves
    the loaded tools' objects (cfn-lint's and checkov's registries, botocore's models) to the
    operating system instead of walking them once more. In-process callers use ``main``, which
    leaves the collector alone. See https://docs.python.org/3/library/gc.html#gc.freeze.

    An interrupted command (exit 130, Ctrl-C) ends at once, its output flushed, once its own cleanup
    has run (a synthesis's staging folder, a scan's worker pool): the libraries' exit hooks would
    talk to children the same Ctrl-C stopped (jsii's to its node process, printing a BrokenPipeError
    traceback).
    """
    global _PROCESS_ENDS
    _PROCESS_ENDS = True
    code = main()
    if code == 130:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    gc.collect()
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console_main())
