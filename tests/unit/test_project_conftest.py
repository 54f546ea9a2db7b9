"""The top-level conftest.py, copied into a fresh project as the README says: its paths are the
project's defaults, and the command line and the environment still win over them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"
PRINTS = """
    def test_settings(cdk_app_dir, cloud_assembly_dir, outputs_file):
        print(f"app={cdk_app_dir} assembly={cloud_assembly_dir} outputs={outputs_file}")
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A fresh project holding a copy of the conftest.py and one test printing what its fixtures say."""
    for name in ("STACKCHECK_OUTPUTS_FILE", "STACKCHECK_ASSEMBLY_DIR", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(PRINTS)
    return pytester


def printed(result: pytest.RunResult) -> str:
    result.assert_outcomes(passed=1)
    (line,) = re.findall(r"app=\S+ assembly=\S+ outputs=\S+", result.stdout.str())
    return line


def test_copied_conftest_points_at_the_project_it_sits_in(project: pytest.Pytester) -> None:
    root = project.path.resolve()
    assert printed(project.runpytest("-s", "-p", "no:xdist")) == (
        f"app={root} assembly={root}/cdk.out outputs={root}/cfn-outputs/flat-outputs.json"
    )


def test_command_line_and_environment_win_over_the_conftest(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKCHECK_OUTPUTS_FILE", "elsewhere/outputs.json")
    result = project.runpytest("-s", "-p", "no:xdist", "--assembly-dir", "build/assembly")
    root = project.path.resolve()
    assert printed(result) == (
        f"app={root} assembly={project.path}/build/assembly outputs={project.path}/elsewhere/outputs.json"
    )
