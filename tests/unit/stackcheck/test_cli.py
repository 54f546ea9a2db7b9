"""The CLI's entry points: ``main`` for in-process callers, ``console_main`` for the command, which exits after."""

from __future__ import annotations

import gc
import subprocess
import sys

from stackcheck.cli import console_main, main


def test_main_answers_bad_input_with_2_and_leaves_the_collector_alone(capsys):
    gc.unfreeze()  # whatever an earlier test in this worker froze (the gate freezes its heap)
    assert main(["scan", "--jobs", "0"]) == 2
    assert "stackcheck scan: error: --jobs 0: give 1 or more worker processes" in capsys.readouterr().err
    assert gc.get_freeze_count() == 0


def test_console_main_gives_mains_exit_code_and_freezes_the_heap_for_the_exit(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["stackcheck", "scan", "--jobs", "0"])
    try:
        assert console_main() == 2
        assert gc.get_freeze_count() > 1000  # the modules' objects at least: teardown never walks them
    finally:
        gc.unfreeze()
    assert "--jobs 0: give 1 or more worker processes" in capsys.readouterr().err


def test_python_dash_m_stackcheck_is_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "stackcheck", "scan", "--jobs", "0"], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == "stackcheck scan: error: --jobs 0: give 1 or more worker processes"


def test_command_stages_names_every_command_of_every_stage_and_nothing_else():
    import importlib

    from stackcheck.cli import COMMAND_STAGES, STAGES

    declared = {
        name: stage for stage in STAGES for name in importlib.import_module(f"stackcheck.{stage}.command").COMMANDS
    }
    assert declared == COMMAND_STAGES


def test_a_command_imports_its_own_stage_only_and_help_lists_every_command():
    probe = (
        "import sys; from stackcheck.cli import main; code = main(sys.argv[1:]); "
        "print(code, sorted(m.split('.')[1] for m in sys.modules if m.startswith('stackcheck.') and m.endswith('.command')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "scan", "--jobs", "0"], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.splitlines()[-1] == "2 ['scan']"
    listed = subprocess.run(
        [sys.executable, "-m", "stackcheck", "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    from stackcheck.cli import COMMAND_STAGES

    shown = {line.split()[0] for line in listed.stdout.splitlines() if line.startswith("    ") and line.strip()}
    assert set(COMMAND_STAGES) <= shown


INTERRUPTED_APP = """
import os
import threading
from pathlib import Path

import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "First")  # the jsii kernel (a node process) is running
Path(os.environ["STACKCHECK_TEST_FIFO"]).write_text("running")  # blocks until the test reads it
threading.Event().wait(120)  # until Ctrl-C
app.synth()
"""


def test_ctrl_c_during_a_synthesis_exits_130_without_a_traceback(tmp_path):
    # Ctrl-C reaches the whole process group: this process, and jsii's node process, which dies first
    import os
    import signal

    from tests.unit.stackcheck.test_assembly import write_app

    fifo = tmp_path / "running"
    os.mkfifo(fifo)
    app = write_app(tmp_path / "app", app=INTERRUPTED_APP)
    synth = subprocess.Popen(
        [sys.executable, "-m", "stackcheck", "synth"],
        cwd=app,
        env={**os.environ, "STACKCHECK_TEST_FIFO": str(fifo)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # as from a terminal: a run started in the background (`make test &`, some CI runners) ignores SIGINT,
        # and every process it starts inherits that, Python and node alike
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert fifo.read_text() == "running"
        os.killpg(synth.pid, signal.SIGINT)
        out, err = synth.communicate(timeout=120)
    finally:
        if synth.poll() is None:
            os.killpg(synth.pid, signal.SIGKILL)
    assert (synth.returncode, out) == (130, "")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert sorted(p.name for p in app.iterdir()) == [".cdk.out.lock", "cdk.json", "tinyapp"]  # no staging folder
