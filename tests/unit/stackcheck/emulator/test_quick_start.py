"""The README's quick start, run as written on a copy of tests/data/apps/rest_api in a fresh folder."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
README = ROOT / "README.md"


def quick_start_block(first_line: str) -> str:
    """The fenced block of the README's quick start whose first line is ``first_line`` (that line included)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start: another CDK project") : text.index("## Post-deploy checks")]
    match = re.search(r"```[a-z]*\n(" + re.escape(first_line) + r"\n.*?)```", section, re.S)
    assert match, f"README.md quick start: no block starting {first_line!r}"
    return match.group(1)


@pytest.mark.emulator
@pytest.mark.slow
def test_the_readme_quick_start_deploys_an_app_and_its_first_check_passes(tmp_path):
    project = tmp_path / "my-api"
    shutil.copytree(ROOT / "tests" / "data" / "apps" / "rest_api", project)
    shutil.copy(ROOT / "conftest.py", project / "conftest.py")
    (project / "pyproject.toml").write_text(quick_start_block("# ~/my-api/pyproject.toml"))
    (project / "tests").mkdir()
    (project / "tests" / "test_deployed.py").write_text(quick_start_block("# ~/my-api/tests/test_deployed.py"))
    elsewhere = tmp_path / "elsewhere"  # every command runs from another folder
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "HOME": str(tmp_path),  # ~/my-api is the project
    }
    for name in ("STACKCHECK_OUTPUTS_FILE", "STACKCHECK_ASSEMBLY_DIR", "PYTEST_ADDOPTS"):
        env.pop(name, None)

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)

    commands = [
        shlex.split(line.replace("~", str(tmp_path)))
        for line in quick_start_block("stackcheck synth --app-dir ~/my-api").splitlines()
    ]
    try:
        for command in commands:
            assert command[0] == "stackcheck"
            done = run(sys.executable, "-m", "stackcheck", *command[1:])
            assert done.returncode == 0, done.stdout + done.stderr
        assert "RestApiApp  CREATE_COMPLETE  declared 11 / created 11 / emulated 0 / skipped 0" in done.stdout
        checks = run(sys.executable, "-m", "pytest", str(project), "-p", "no:cacheprovider", "-p", "no:xdist")
        assert checks.returncode == 0, checks.stdout + checks.stderr
        assert "1 passed" in checks.stdout
        assert "stackcheck: outputs file cfn-outputs/flat-outputs.json (ini stackcheck_outputs_file)" in checks.stdout
    finally:
        run(sys.executable, "-m", "stackcheck", "destroy", "--outputs-dir", str(project / "cfn-outputs"))
