"""`stackcheck fleet matrix`: the fleet file as a GitHub Actions matrix, one job per target."""

from __future__ import annotations

import argparse
import json

HELP = 'print the fleet file\'s targets as a GitHub Actions matrix ({"include": [...]}), one job per target'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the action (matrix), --fleet FILE."""
    parser.add_argument("action", choices=("matrix",), help="matrix: the targets as one JSON line")
    parser.add_argument("--fleet", default="policies/fleet.yaml", help="the fleet file (default: policies/fleet.yaml)")


def run(args: argparse.Namespace) -> int:
    """Print ``{"include": [target, ...]}`` on one line (for ``$GITHUB_OUTPUT``); FleetError (exit 2) on a bad file."""
    from stackcheck.fleet import load_fleet

    targets = load_fleet(args.fleet)
    print(json.dumps({"include": [t.to_dict() for t in targets]}, separators=(",", ":")))
    return 0


COMMANDS = {"fleet": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
