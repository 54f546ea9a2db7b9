"""`stackcheck report merge`: many targets' report folders as one SARIF, one JSON and one Markdown table."""

from __future__ import annotations

import argparse

HELP = (
    "merge the report folders of many targets (fleet jobs, shards) into merged.{json,sarif,md}; exit: the worst part's"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the action (merge), PART... (NAME=DIR or DIR), --output DIR, --fleet FILE."""
    parser.add_argument("action", choices=("merge",), help="merge: the parts into one report set")
    parser.add_argument("parts", nargs="+", metavar="PART", help="a report folder: NAME=DIR, or DIR (named after it)")
    parser.add_argument("--output", required=True, metavar="DIR", help="where merged.json, merged.sarif, merged.md go")
    parser.add_argument(
        "--fleet", default=None, metavar="FILE", help="fleet file giving each target's account and region (by name)"
    )


def run(args: argparse.Namespace) -> int:
    """Merge, write, print one line per part; returns the merged exit code (the worst part's; NOT RUN is 3)."""
    import dataclasses

    from stackcheck.report.merge import merge_reports, parse_part, write_merged

    parts = [parse_part(spec) for spec in args.parts]
    if args.fleet:
        from stackcheck.fleet import load_fleet

        targets = {t.name: t for t in load_fleet(args.fleet)}
        parts = [
            dataclasses.replace(p, account=targets[p.name].account, region=targets[p.name].region)
            if p.name in targets
            else p
            for p in parts
        ]
    merged = merge_reports(parts)
    paths = write_merged(merged, args.output)
    for row in merged.parts:
        detail = row["summary"] if row["status"] == "RAN" else row["reason"]
        print(f"{row['target']}  {row['report']}  {row['status']}  exit {row['exit_code']}  {detail}")
    print(f"merged: {paths['json']}, {paths['sarif']}, {paths['markdown']} (exit {merged.exit_code})")
    return merged.exit_code


COMMANDS = {"report": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
