"""`stackcheck destroy --target emulator`: reset and stop the emulator, remove the cfn-outputs records."""

from __future__ import annotations

import argparse

HELP = "tear down the emulator deployment: reset the server, stop it, remove target.json and the outputs files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --target (emulator only), --outputs-dir."""
    parser.add_argument("--target", choices=("emulator",), default="emulator",
                        help="only the emulator; tear real AWS stacks down with `npx cdk destroy --all`")
    parser.add_argument("--outputs-dir", default="cfn-outputs",
                        help="folder of target.json and the outputs files (default: cfn-outputs)")


def run(args: argparse.Namespace) -> int:
    """Destroy; idempotent (a stopped or absent emulator only has its files removed)."""
    from stackcheck.emulator.deploy import destroy

    result = destroy(args.outputs_dir)
    state = "reset and stopped" if result.reset else "was not running"
    removed = ", ".join(str(p) for p in result.removed) or "no outputs files"
    print(f"emulator {state}; removed {removed}")
    return 0
