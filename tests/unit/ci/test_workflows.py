"""The CI workflows a user adopts as they are: they parse, and every `make` target they call exists."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def make_targets(run: str) -> set[str]:
    """Targets of every `make` command in a step's script (variables and options left out)."""
    targets: set[str] = set()
    for line in run.splitlines():
        words = shlex.split(line, comments=True)
        for i, word in enumerate(words):
            if word != "make":
                continue
            for arg in words[i + 1 :]:
                if arg in SHELL_OPERATORS:
                    break
                if "=" not in arg and not arg.startswith("-"):
                    targets.add(arg)
    return targets


def test_the_three_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "nightly.yml", "pre-merge.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_parses_with_jobs_and_steps(path):
    data = load(path)
    assert {"name", "on", "jobs"} <= set(data)
    for job in data["jobs"].values():
        assert job["runs-on"] and job["steps"]
        assert all("uses" in step or "run" in step for step in job["steps"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_make_target_called_exists(path):
    runs = [step["run"] for job in load(path)["jobs"].values() for step in job["steps"] if "run" in step]
    targets = set().union(*(make_targets(run) for run in runs))
    assert targets, f"{path.name} calls no make target"
    for target in sorted(targets):
        done = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True)
        assert done.returncode == 0, f"{path.name}: `make {target}`: {done.stderr.strip()}"


def test_workflows_call_the_gates_they_promise():
    calls = {
        p.name: set().union(*(make_targets(s.get("run", "")) for j in load(p)["jobs"].values() for s in j["steps"]))
        for p in WORKFLOWS
    }
    assert calls == {"ci.yml": {"test"}, "pre-merge.yml": {"scan"}, "nightly.yml": {"drift", "compliance"}}


def test_nightly_assumes_an_aws_role_through_oidc():
    data = load(ROOT / ".github" / "workflows" / "nightly.yml")
    assert data["permissions"]["id-token"] == "write"
    (configure,) = [
        s
        for s in data["jobs"]["drift-and-compliance"]["steps"]
        if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")
    ]
    assert "role-to-assume" in configure["with"]
    assert "schedule" in data["on"]


def test_pre_merge_uploads_sarif_and_comments_the_markdown_summary():
    steps = load(ROOT / ".github" / "workflows" / "pre-merge.yml")["jobs"]["scan"]["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == "reports/scan.sarif"
    assert any("reports/scan.md" in s.get("run", "") for s in steps)
    assert any("--baseline" in s.get("run", "") for s in steps)


def test_ci_entry_point_lints_then_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip().startswith("make ")]
    assert commands == ["make lint", "make test"]
    assert "set -euo pipefail" in script  # a failing lint stops the run before the tests


def test_make_lint_runs_ruff_lint_ruff_format_and_mypy():
    dry = subprocess.run(["make", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [line.split("/")[-1] for line in dry.splitlines() if "/bin/ruff" in line or "/bin/mypy" in line] == [
        "ruff check .",
        "ruff format --check .",
        "mypy",
    ]


def make_synth_command(*assignments: str) -> list[str]:
    """The `stackcheck synth` command `make -n synth` prints, split as the shell would."""
    done = subprocess.run(["make", "-n", "-C", str(ROOT), "synth", *assignments], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.split(" ", 1)[0].endswith("/stackcheck")]
    return shlex.split(line)


@pytest.mark.parametrize(
    ("assignments", "context"),
    [
        ((), {}),
        (("ENVIRONMENT_SUFFIX=",), {}),
        (("ENVIRONMENT_SUFFIX=qa",), {"environmentSuffix": "qa"}),
        (("ENVIRONMENT_SUFFIX=2024",), {"environmentSuffix": "2024"}),
    ],
    ids=["unset", "empty", "qa", "numeric"],
)
def test_make_synth_passes_environment_suffix_as_cdk_context(assignments: tuple, context: dict):
    from stackcheck.assembly.command import parse_context

    words = make_synth_command(*assignments)
    assert words[1] == "synth"
    pairs = [words[i + 1] for i, word in enumerate(words) if word == "-c"]
    assert parse_context(pairs) == context
    assert len(words) == 2 + 2 * len(context)


@pytest.mark.parametrize("target", ["scan", "deploy", "drift", "compliance", "unit"])
def test_targets_that_synthesize_carry_the_suffix(target: str):
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, "ENVIRONMENT_SUFFIX=qa"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    commands = [shlex.split(line) for line in done.stdout.splitlines() if "/stackcheck " in line]
    synth = [words[1:] for words in commands if words[1] == "synth"]
    assert synth == [["synth", "-c", 'environmentSuffix="qa"']]


def test_the_gate_hands_the_suffix_to_its_synth_stage():
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "gate", "ENVIRONMENT_SUFFIX=qa"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (gate,) = [shlex.split(line) for line in done.stdout.splitlines() if "/stackcheck gate" in line]
    assert gate[1:] == ["gate", "--synth-arg=-c", '--synth-arg=environmentSuffix="qa"']


def test_nightly_hands_the_environment_suffix_variable_to_make():
    job = load(ROOT / ".github" / "workflows" / "nightly.yml")["jobs"]["drift-and-compliance"]
    assert job["env"] == {"ENVIRONMENT_SUFFIX": "${{ vars.ENVIRONMENT_SUFFIX }}"}
    runs = [step["run"] for step in job["steps"] if "make" in step.get("run", "")]
    assert runs == ["make drift", "make compliance"]
