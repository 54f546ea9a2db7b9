"""The checks stage of the gate: a child pytest whose only non-passing checks are INCONCLUSIVE makes the stage INCONCLUSIVE, with what each saw."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stackcheck.gate.stages import FAILED, INCONCLUSIVE, GateOptions, _pytest_stage

ROOT = Path(__file__).resolve().parents[4]
CHECKS = """
from stackcheck.errors import InconclusiveError

def test_settled():
    assert True

def test_unsettled():
    raise InconclusiveError("Route 53 change C1 still not INSYNC when its wait budget ran out")
"""


def run(tmp_path: Path, extra: str = "") -> object:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_checks.py").write_text(CHECKS + extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "STACKCHECK_"))}
    env["PYTHONPATH"] = str(ROOT)  # the child imports this tree's stackcheck and its plugin
    # the child's rootdir is the checks folder wherever this checkout lives (pytest takes the common
    # ancestor of the invocation folder and the arguments otherwise: /tmp for a clone under /tmp)
    options = GateOptions(
        checks=checks,
        python=sys.executable,
        environ=env,
        pytest_args=("-p", "no:cacheprovider", "--rootdir", str(checks)),
    )
    return _pytest_stage("checks", options, "not outofband", tmp_path / "integration.xml")


def test_inconclusive_checks_make_the_stage_inconclusive(tmp_path):
    stage = run(tmp_path)
    assert (stage.status, stage.exit_code, stage.reasons) == (
        INCONCLUSIVE,
        3,
        ("test_checks::test_unsettled: Route 53 change C1 still not INSYNC when its wait budget ran out",),
    )


def test_a_failed_check_makes_it_failed(tmp_path):
    stage = run(tmp_path, "\ndef test_wrong():\n    assert 1 == 2\n")
    assert (stage.status, stage.exit_code) == (FAILED, 1)
    assert stage.reasons == ("test_checks::test_wrong: assert 1 == 2",)


GATE_LIKE = """
import sys
from pathlib import Path

from stackcheck.gate.stages import WARM_UP, GateOptions, _pytest_stage

import typeguard  # as a synthesis in this process imports it (through jsii): a pytest plugin too

for module in WARM_UP:  # as the gate imports them while the emulator boots
    __import__(module)
checks = Path(sys.argv[1])
options = GateOptions(checks=checks, in_process=True, pytest_args=("-p", "no:cacheprovider", "--rootdir", str(checks)))
stage = _pytest_stage("checks", options, "not outofband", checks.parent / "integration.xml")
print("stage", stage.status, stage.exit_code)
"""


def test_in_process_checks_warn_of_nothing_the_gate_imported_before_them(tmp_path):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_checks.py").write_text("def test_settled():\n    assert True\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "STACKCHECK_"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", GATE_LIKE, str(checks)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "stage PASSED 0"
    assert "1 passed" in done.stdout
    assert "warning" not in done.stdout.lower()
