"""`stackcheck gate`: the main job, stage by stage, and reports/gate.md written whatever stage stopped it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stackcheck.files import REPORTS_DIR

HELP = (
    "the main job: synthesize, scan, deploy to a fresh embedded emulator, run the post-deploy checks (strict) and "
    "the out-of-band checks, tear down; reports/gate.md says how each stage ended"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --app-dir, --assembly, --report-dir, --outputs-dir, --checks, --synth-arg, --scan-arg, --pytest-arg."""
    parser.add_argument("--app-dir", default=".", help="folder holding cdk.json (default: .)")
    parser.add_argument("--assembly", default="cdk.out", help="cloud assembly folder (default: cdk.out)")
    parser.add_argument("--report-dir", default=REPORTS_DIR, help="where the reports and gate.md go (default: reports)")
    parser.add_argument("--outputs-dir", default="cfn-outputs", help="deployment outputs folder (default: cfn-outputs)")
    parser.add_argument(
        "--checks",
        default="tests/integration",
        help="pytest path of the post-deploy checks (default: tests/integration)",
    )
    parser.add_argument(
        "--synth-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for `stackcheck synth` (e.g. -c, environmentSuffix=qa); repeatable",
    )
    parser.add_argument(
        "--scan-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for `stackcheck scan`; repeatable",
    )
    parser.add_argument(
        "--pytest-arg", action="append", default=[], metavar="ARG", help="extra argument for pytest; repeatable"
    )


def exit_code(stages: list) -> int:  # list[Stage]
    """The first failed stage's exit code (at least 1), else 3 when a stage ended INCONCLUSIVE, else 0."""
    for stage in stages:
        if stage.status == "FAILED":
            return max(stage.exit_code or 1, 1)
    if any(stage.status == "INCONCLUSIVE" for stage in stages):
        from stackcheck.errors import InconclusiveError

        return InconclusiveError.exit_code
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the stages, printing one line as each ends; write gate.md (also when interrupted); return the exit code."""
    from stackcheck.files import SCAN_JSON, read_json
    from stackcheck.gate.junit import read_junit
    from stackcheck.gate.stages import NOT_RUN, GateOptions, Stage, run_gate
    from stackcheck.gate.summary import GATE_FILE, write_gate

    report_dir = Path(args.report_dir)
    (report_dir / GATE_FILE).unlink(missing_ok=True)  # never a stale verdict, whatever happens below
    options = GateOptions(
        app_dir=Path(args.app_dir),
        assembly=Path(args.assembly),
        report_dir=report_dir,
        outputs_dir=Path(args.outputs_dir),
        checks=Path(args.checks),
        scan_args=tuple(args.scan_arg),
        synth_args=tuple(args.synth_arg),
        pytest_args=tuple(args.pytest_arg),
        in_process=True,
    )
    done: list[Stage] = []

    def ended(stage: Stage) -> None:
        done.append(stage)
        seconds = "" if stage.status == NOT_RUN else f" ({stage.seconds:.1f}s)"
        print(f"gate: {stage.name} {stage.status}{seconds}", file=sys.stderr, flush=True)

    code = 130
    try:
        run_gate(options, on_stage=ended)
        code = exit_code(done)
    finally:
        names = [s.name for s in done]
        stages = done + [Stage(n, NOT_RUN) for n in ("synth", "scan", "deploy", "checks", "out-of-band", "teardown")
                         if n not in names]  # fmt: skip
        ran = {s.name for s in stages if s.status != NOT_RUN}
        scan_file = report_dir / SCAN_JSON
        scan = read_json(scan_file, what="scan report") if "scan" in ran and scan_file.is_file() else None
        junit = {"checks": "integration.xml", "out-of-band": "integration-outofband.xml"}
        suites = [read_junit(report_dir / f) for n, f in junit.items() if n in ran and (report_dir / f).is_file()]
        path = write_gate(report_dir, stages, scan, suites)
        print(path.read_text(encoding="utf-8"), end="")
    return code


COMMANDS = {"gate": (HELP, add_arguments, run)}
"""Sub-commands this stage adds to `stackcheck`: name -> (help, add_arguments, run)."""
