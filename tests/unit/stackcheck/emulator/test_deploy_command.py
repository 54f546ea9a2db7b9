"""`stackcheck deploy --target aws`: npm install, the pinned cdk CLI, then flat outputs (the CLI itself is stood in for)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from stackcheck.emulator import command as deploy_command
from stackcheck.errors import DeployError


@pytest.fixture
def fake_node(monkeypatch):
    """Records the commands run; the cdk stand-in writes a CLI-shaped outputs file."""
    calls = []

    def run(argv, cwd=None, check=False):
        calls.append((list(argv), cwd))
        if argv[:3] == ["npx", "--no-install", "cdk"]:
            with open(argv[-1], "w") as handle:
                json.dump(
                    {"TapStackdevSource": {"SourceVpcId": "vpc-1"}, "TapStackdevTarget": {"TargetVpcId": "vpc-2"}},
                    handle,
                )
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(deploy_command.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(deploy_command.subprocess, "run", run)
    return calls


def test_deploy_aws_runs_npm_then_cdk_then_flattens(tmp_path, fake_node):
    outputs = tmp_path / "cfn-outputs"
    assert deploy_command.deploy_aws(str(outputs), str(tmp_path), str(tmp_path / "cdk.out")) == 0
    all_outputs = str((outputs / "all-outputs.json").resolve())
    assert fake_node == [
        (["npm", "install", "--no-audit", "--no-fund"], str(tmp_path)),
        (
            [
                "npx",
                "--no-install",
                "cdk",
                "deploy",
                "--all",
                "--require-approval",
                "never",
                "--app",  # the scanned cloud assembly, deployed as it is: the cdk CLI does not synthesize
                str((tmp_path / "cdk.out").resolve()),
                "--outputs-file",
                all_outputs,
            ],
            str(tmp_path),
        ),
    ]
    assert json.loads((outputs / "flat-outputs.json").read_text()) == {"SourceVpcId": "vpc-1", "TargetVpcId": "vpc-2"}


def test_deploy_aws_failing_cdk_is_a_deploy_error(tmp_path, monkeypatch):
    monkeypatch.setattr(deploy_command.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        deploy_command.subprocess,
        "run",
        lambda argv, cwd=None, check=False: subprocess.CompletedProcess(argv, 0 if argv[0] == "npm" else 1),
    )
    with pytest.raises(DeployError, match=r"`npx --no-install cdk deploy --all .*` exited with 1"):
        deploy_command.deploy_aws(str(tmp_path / "cfn-outputs"), str(tmp_path))
    assert not (tmp_path / "cfn-outputs" / "flat-outputs.json").exists()


def test_deploy_aws_without_node_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(deploy_command.shutil, "which", lambda name: None)
    with pytest.raises(DeployError, match="npm/npx not found"):
        deploy_command.deploy_aws(str(tmp_path / "cfn-outputs"), str(tmp_path))


@pytest.mark.slow
def test_the_pinned_cdk_cli_reads_the_assembly_folder_as_it_is(make_assembly, tmp_path):
    # The real aws-cdk CLI of package.json, given --app <cloud assembly folder>, lists the assembly's
    # stacks without running any app and leaves every file of the folder as it was: what deploy_aws
    # hands it is what was scanned.
    import shutil as real_shutil

    from stackcheck.assembly.digest import assembly_digest

    root = Path(__file__).resolve().parents[4]
    assembly = make_assembly({"Storage": ("storage", []), "Monitoring": ("monitoring", ["Storage"])})
    before = assembly_digest(assembly.directory)
    node = tmp_path / "node"
    node.mkdir()
    real_shutil.copy(root / "package.json", node / "package.json")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=node, check=True, capture_output=True)
    listed = subprocess.run(
        ["npx", "--no-install", "cdk", "ls", "--app", str(assembly.directory)],
        cwd=node,
        check=True,
        capture_output=True,
        text=True,
    )
    assert listed.stdout.split() == ["Storage", "Monitoring"]
    assert assembly_digest(assembly.directory) == before
