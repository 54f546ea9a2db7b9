"""`stackcheck synth`: synthesize the app into the cloud assembly, reusing it when current."""

from __future__ import annotations

import argparse
import json

HELP = "synthesize the CDK app in-process into the cloud assembly (cached by source hash)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --app-dir, --output, --context KEY=VALUE..., --force, --no-nag, --cdk-validation."""
    parser.add_argument("--app-dir", default=".", help="folder holding cdk.json (default: .)")
    parser.add_argument(
        "--output",
        "-o",
        default=None,
        help="cloud assembly folder (default: <app-dir>/cdk.out; a relative one is under the current directory)",
    )
    parser.add_argument(
        "--context",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="context value; VALUE is parsed as JSON when it is valid JSON",
    )
    parser.add_argument("--force", action="store_true", help="synthesize even if the cache is current")
    parser.add_argument(
        "--no-nag",
        action="store_true",
        help="synthesize without cdk-nag's AwsSolutions checks (scans then report them as not run)",
    )
    parser.add_argument(
        "--cdk-validation",
        action="store_true",
        help="keep aws-cdk-lib's built-in CloudFormation validation (off by default: it repeats "
        "cfn-lint, which every scan runs, and doubles synthesis time); its report lands in "
        "<output>/validation-report.json",
    )


def parse_context(pairs: list[str]) -> dict:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}``; BadInputError on an item without '='."""
    from stackcheck.errors import BadInputError

    context = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInputError(f"--context {pair!r} is not KEY=VALUE")
        try:
            context[key] = json.loads(value)
        except ValueError:
            context[key] = value
    return context


def synth_context(args: argparse.Namespace) -> dict:
    """The extra context a parsed ``stackcheck synth`` command line synthesizes with: its ``--context`` pairs
    (``parse_context``), ``--no-nag`` and ``--cdk-validation`` as their context keys; BadInputError as
    ``parse_context``."""
    from stackcheck.assembly import NAG_CONTEXT_KEY, VALIDATION_CONTEXT_KEY

    context = parse_context(args.context)
    if args.no_nag:
        context[NAG_CONTEXT_KEY] = False
    if args.cdk_validation:
        context[VALIDATION_CONTEXT_KEY] = True
    return context


def parse_synth_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` (``stackcheck synth``'s options, as ``scan --synth-arg`` passes them) parsed as that
    command parses them; BadInputError naming the argument argparse rejects."""
    from stackcheck.errors import BadInputError

    parser = argparse.ArgumentParser(prog="stackcheck synth", add_help=False, exit_on_error=False)
    add_arguments(parser)
    try:
        args, unknown = parser.parse_known_args(argv)
    except argparse.ArgumentError as exc:
        raise BadInputError(f"--synth-arg: {exc}") from None
    if unknown:
        raise BadInputError(f"--synth-arg {' '.join(unknown)}: not an option of `stackcheck synth` (see its --help)")
    return args


def run(args: argparse.Namespace) -> int:
    """Synthesize and print one line per stack: artifact id, resource count, dependencies."""
    from stackcheck.assembly import synthesize

    result = synthesize(args.app_dir, args.output, context=synth_context(args), force=args.force)
    state = "reused (sources unchanged)" if result.cached else "synthesized"
    print(f"cloud assembly {result.assembly.directory}: {state} in {result.seconds:.1f}s")
    for artifact in result.assembly.dependency_order():
        deps = ", ".join(artifact.dependencies) or "-"
        print(f"  {artifact.artifact_id:<32} {len(artifact.resources):>4} resources  depends on: {deps}")
    print(f"  total: {result.assembly.resource_count()} resources")
    return 0


COMMANDS = {"synth": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
