"""The main job as stages (synth, scan, deploy, checks, out-of-band, teardown), each ending PASSED, FAILED or NOT RUN with its reasons."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import importlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stackcheck.emulator.process import Starting
from stackcheck.errors import InconclusiveError
from stackcheck.files import REPORTS_DIR, SCAN_JSON, read_json
from stackcheck.gate.junit import read_junit

__all__ = ["FAILED", "INCONCLUSIVE", "NOT_RUN", "PASSED", "GateOptions", "Stage", "run_gate"]

PASSED, FAILED, NOT_RUN, INCONCLUSIVE = "PASSED", "FAILED", "NOT RUN", "INCONCLUSIVE"
INCONCLUSIVE_EXIT = InconclusiveError.exit_code
"""pytest's exit status when checks ended INCONCLUSIVE and none failed (stackcheck.plugin.outcome)."""
MAX_REASONS = 5
"""First failures kept per stage (the stage's own report holds the rest)."""


@dataclass(frozen=True)
class Stage:
    """One stage of a gate run: ``status`` PASSED / FAILED / NOT RUN / INCONCLUSIVE (checks only: some
    ran out of their retry or wait budget and none failed), its exit code (None when not
    run), wall ``seconds``, and ``reasons``: the first failures, each one line ("`E9001`
    /Stack/Service: port 8080 differs ...", "tests/integration/test_x.py::test_y: assert ...")."""

    name: str
    status: str
    exit_code: int | None = None
    seconds: float = 0.0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class GateOptions:
    """Where the gate reads and writes: the app (folder of cdk.json), the cloud assembly, reports and
    deployment outputs folders, the post-deploy checks (a pytest path), and the synthesis's, the scan's and
    pytest's extra arguments."""

    app_dir: Path = Path(".")
    assembly: Path = Path("cdk.out")
    report_dir: Path = Path(REPORTS_DIR)
    outputs_dir: Path = Path("cfn-outputs")
    checks: Path = Path("tests/integration")
    scan_args: tuple[str, ...] = ()
    synth_args: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    python: str = sys.executable
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    in_process: bool = False
    """Run the checks with ``pytest.main`` in this process (``python`` and ``environ`` then unused, but
    STACKCHECK_STRICT=1 set while they run): no interpreter start-up and no second import of boto3 and the
    scanners, which the two pytest stages and the scan stage all need."""


class _Tee(io.TextIOBase):
    """Writes go to the real stream (the user watches the run) and are kept (the stage's reasons)."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.stream.flush()
        return self.kept.write(text)


def _cli_stage(name: str, argv_list: Sequence[Sequence[str]]) -> Stage:
    """Run ``stackcheck`` commands in this process, one after the other, stopping at the first non-zero exit."""
    from stackcheck.cli import main

    started = time.monotonic()
    tee = _Tee(sys.stderr)  # type: ignore[arg-type]
    code = 0
    with contextlib.redirect_stderr(tee):
        for argv in argv_list:
            code = main(list(argv))
            if code != 0:
                break
    errors = tuple(line for line in tee.kept.getvalue().splitlines() if ": error: " in line)
    return Stage(name, PASSED if code == 0 else FAILED, code, time.monotonic() - started, errors[:MAX_REASONS])


def _scan_reasons(report_dir: Path) -> tuple[str, ...]:
    path = report_dir / SCAN_JSON
    if not path.is_file():
        return ()
    report = read_json(path, what="scan report")
    failed = [f for f in report.get("findings", []) if f.get("status") == "FAILED"]
    return tuple(
        f"`{f.get('rule_id')}` {f.get('construct_path') or f.get('logical_id') or f.get('stack')}: {f.get('message')}"
        for f in failed[:MAX_REASONS]
    )


def _pytest_stage(name: str, options: GateOptions, marker: str, junit: Path) -> Stage:
    """The post-deploy checks selected by ``marker``, strict, in a child pytest writing ``junit``."""
    started = time.monotonic()
    args = [str(options.checks), "-m", marker, "-p", "no:xdist", f"--junitxml={junit}", *options.pytest_args]
    if options.in_process:
        code = _pytest_main([*args, *IN_PROCESS_WARNINGS])
    else:
        env = {**options.environ, "STACKCHECK_STRICT": "1"}
        code = subprocess.run([options.python, "-m", "pytest", *args], env=env, check=False).returncode
    reasons: tuple[str, ...] = ()
    suite = read_junit(junit) if junit.is_file() else None
    if suite is not None:
        reasons = suite.reasons[:MAX_REASONS]
    if code == 5:  # pytest: no test collected
        return Stage(name, PASSED, 0, time.monotonic() - started, ("no test selected",))
    if code == INCONCLUSIVE_EXIT and suite is not None and suite.inconclusive and not suite.failed:
        return Stage(name, INCONCLUSIVE, code, time.monotonic() - started, suite.unsettled[:MAX_REASONS])
    return Stage(name, PASSED if code == 0 else FAILED, code, time.monotonic() - started, reasons)


def _pytest_main(args: list[str]) -> int:
    """``pytest.main(args)`` with STACKCHECK_STRICT=1 (restored after), its exit code as an int.

    What this process holds already (the scanners, boto3, moto's models) lives to the end: ``gc.freeze``
    takes it out of every later collection, the several full ones pytest makes at the end of a session
    included (they cost 0.6 s each session on a heap this size).
    """
    import pytest

    gc.freeze()

    before = os.environ.get("STACKCHECK_STRICT")
    os.environ["STACKCHECK_STRICT"] = "1"
    try:
        return int(pytest.main(args))
    finally:
        if before is None:
            os.environ.pop("STACKCHECK_STRICT", None)
        else:
            os.environ["STACKCHECK_STRICT"] = before


def run_gate(options: GateOptions, *, on_stage: Callable[[Stage], None] | None = None) -> list[Stage]:
    """Run every stage in order and return them all: a stage after a failed one is NOT RUN, except
    teardown, which runs whenever deploy started, so the emulator never outlives the gate.

    Stages: ``synth`` (``stackcheck synth``), ``scan`` (``stackcheck scan``), ``deploy`` (a fresh
    emulator, then ``stackcheck deploy --target emulator``), ``checks`` (pytest on ``checks``, not
    out-of-band, strict), ``out-of-band`` (the ``outofband`` marker), ``teardown`` (``stackcheck
    destroy``). ``on_stage`` is called as each stage ends. Never raises for a stage's failure.
    """
    report = options.report_dir
    outputs = str(options.outputs_dir)
    report.mkdir(parents=True, exist_ok=True)
    for stale in report.glob("integration*.xml"):
        stale.unlink()
    booting = _boot_emulator(options) if options.in_process else None
    plan: list[tuple[str, Callable[[], Stage]]] = [
        (
            "synth",
            lambda: _cli_stage(
                "synth",
                [["synth", "--app-dir", str(options.app_dir), "-o", str(options.assembly), *options.synth_args]],
            ),
        ),
        ("scan", lambda: _scan_stage(options)),
        ("deploy", lambda: _deploy_stage(options, booting)),
        ("checks", lambda: _pytest_stage("checks", options, "not outofband", report / "integration.xml")),
        (
            "out-of-band",
            lambda: _pytest_stage("out-of-band", options, "outofband", report / "integration-outofband.xml"),
        ),
    ]
    stages: list[Stage] = []
    failed = False
    for name, run in plan:
        if failed and name == "deploy" and booting is not None:
            booting.cancel()  # started ahead for a deploy that is not run
        stage = Stage(name, NOT_RUN) if failed else run()
        failed = failed or stage.status == FAILED
        stages.append(stage)
        if on_stage:
            on_stage(stage)
    deployed = any(s.name == "deploy" and s.status != NOT_RUN for s in stages)
    teardown = (
        _cli_stage("teardown", [["destroy", "--outputs-dir", outputs]]) if deployed else Stage("teardown", NOT_RUN)
    )
    stages.append(teardown)
    if on_stage:
        on_stage(teardown)
    return stages


def _deploy_argv(options: GateOptions) -> list[str]:
    return ["deploy", "--target", "emulator", "--assembly", str(options.assembly), "--app-dir", str(options.app_dir),
            "--outputs-dir", str(options.outputs_dir), "--report-dir", str(options.report_dir)]  # fmt: skip


def _boot_emulator(options: GateOptions) -> Starting | None:
    """Tear down what the outputs folder records, then start a fresh emulator server without waiting for it
    (it imports moto while synth and scan run); None when that fails (the deploy stage then says why)."""
    from stackcheck.emulator.deploy import destroy
    from stackcheck.emulator.process import begin_start
    from stackcheck.errors import StackcheckError

    try:
        destroy(options.outputs_dir)
        starting = begin_start(options.outputs_dir)
    except StackcheckError:
        return None
    return starting if isinstance(starting, Starting) else None


IN_PROCESS_WARNINGS = (
    "-W",
    "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning",
)
"""pytest's warning that a plugin module this process imported before the checks cannot have its asserts
rewritten: stackcheck's own (the package, and the plugin through ``WARM_UP``) and those the app's synthesis
pulls in (jsii imports typeguard, itself a pytest plugin). That is the in-process design, not the checks'
concern: such modules hold no test, so nothing is lost, and the warning would otherwise end every
in-process checks stage (a cold gate's with typeguard too). A subprocess run (``in_process=False``) warns as
pytest does."""

WARM_UP = ("pytest", "stackcheck.plugin", "stackcheck.plugin.live", "stackcheck.compliance", "stackcheck.scan.custom")
"""What the in-process checks import (pytest, the plugin, the live compliance stage and the scanners' rule
bases: cfn-lint, checkov): imported while the emulator server is still starting."""


def _deploy_stage(options: GateOptions, booting: Starting | None) -> Stage:
    """A fresh emulator (the one ``_boot_emulator`` started, else destroy and start now), then ``stackcheck deploy``."""
    from stackcheck.errors import EmulatorError

    if booting is None:
        outputs = str(options.outputs_dir)
        commands = [["destroy", "--outputs-dir", outputs], ["emulator", "start", "--outputs-dir", outputs]]
        return _cli_stage("deploy", [*commands, _deploy_argv(options)])
    started = time.monotonic()
    for module in WARM_UP:
        importlib.import_module(module)
    gc.freeze()  # the modules just imported live to the end: no collection need walk them again
    try:
        record = booting.wait()
    except EmulatorError as exc:
        reason = f"stackcheck emulator start: error: {exc}".splitlines()[0]
        return Stage("deploy", FAILED, exc.exit_code, time.monotonic() - started, (reason,))
    from stackcheck.emulator.process import LOG_FILE, RECORD_FILE

    print(
        f"emulator started at {record.endpoint_url} (pid {record.pid}, region {record.region}); "
        f"record {options.outputs_dir}/{RECORD_FILE}, log {options.outputs_dir}/{LOG_FILE}",
        file=sys.stderr,
    )
    stage = _cli_stage("deploy", [_deploy_argv(options)])
    return dataclasses.replace(stage, seconds=time.monotonic() - started)


def _scan_stage(options: GateOptions) -> Stage:
    stage = _cli_stage(
        "scan",
        [["scan", "--assembly", str(options.assembly), "--report-dir", str(options.report_dir), *options.scan_args]],
    )
    if stage.status == FAILED and stage.exit_code == 1:  # findings: the first ones are the reasons
        return Stage(stage.name, FAILED, 1, stage.seconds, _scan_reasons(options.report_dir))
    return stage
