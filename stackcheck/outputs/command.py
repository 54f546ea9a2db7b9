"""`stackcheck outputs flatten FILE`: the cdk CLI's nested outputs file → flat-outputs.json beside it."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

HELP = "work with stack outputs files (flatten the cdk CLI's --outputs-file into flat-outputs.json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-command ``flatten FILE``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    flatten = sub.add_parser(
        "flatten",
        help="write flat-outputs.json beside FILE",
        description="Read FILE as written by `cdk deploy --outputs-file` ({stack: {output key: value}}) and "
        "write {output key: value} to flat-outputs.json in the same folder. Two stacks declaring "
        "the same output key is an error; nothing is written then.",
    )
    flatten.add_argument("file", help="the nested outputs file, e.g. cfn-outputs/all-outputs.json")


def flatten_file(path: str | os.PathLike[str]) -> Path:
    """Write ``flat-outputs.json`` beside the nested outputs file ``path``; returns the path written.

    Raises OutputsError naming the file when it is missing, empty, not JSON or not the nested
    ``{stack: {key: value}}`` shape, and OutputCollisionError naming both stacks when two declare
    the same output key; the flat file is left untouched then.
    """
    from stackcheck.errors import NextStep, OutputsError
    from stackcheck.files import FLAT_OUTPUTS_FILE, atomic_write_json
    from stackcheck.outputs import read_outputs

    source = Path(path)
    flat, nested = read_outputs(source, next_step=NextStep.DEPLOY_CDK)
    if nested is None:
        raise OutputsError(f"outputs file {source} is not the cdk CLI's nested shape {{stack: {{output key: value}}}}")
    return atomic_write_json(source.parent / FLAT_OUTPUTS_FILE, flat)


def run(args: argparse.Namespace) -> int:
    """Flatten FILE; prints the path written and the number of outputs."""
    written = flatten_file(args.file)
    count = len(json.loads(written.read_text(encoding="utf-8")))
    print(f"{written}: {count} outputs")
    return 0


COMMANDS = {"outputs": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
