"""Fixtures for the emulator tests: one real server per session (reset before each test), small cloud assemblies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stackcheck.assembly import CloudAssembly, read_assembly
from stackcheck.emulator.process import EmulatorRecord, client, reset, start, stop

DATA = Path(__file__).resolve().parents[4] / "tests" / "data" / "emulator"

StackSpec = tuple[str | dict[str, Any], list[str]]


def lambda_resources(runtime: str, function_id: str = "Function") -> dict[str, Any]:
    """Template ``Resources`` of one inline Lambda function ``function_id`` of ``runtime`` and its role ``Role``."""
    return {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        function_id: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": runtime,
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
            },
        },
    }


def load_template(name: str) -> dict[str, Any]:
    """A template of tests/data/emulator by file stem (``"storage"``)."""
    return json.loads((DATA / f"{name}.json").read_text())


def write_assembly(root: Path, stacks: dict[str, StackSpec]) -> CloudAssembly:
    """A minimal cloud assembly in ``root``: stack id → (template or template stem, dependencies)."""
    root.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for stack_id, (template, dependencies) in stacks.items():
        body = load_template(template) if isinstance(template, str) else template
        (root / f"{stack_id}.template.json").write_text(json.dumps(body))
        artifacts[stack_id] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{stack_id}.template.json"},
            "dependencies": list(dependencies),
        }
    (root / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    return read_assembly(root)


@pytest.fixture(scope="session")
def emulator_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's emulator keeps target.json and emulator.log."""
    return tmp_path_factory.mktemp("emulator")


@pytest.fixture(scope="session")
def emulator_server(emulator_dir: Path):
    """The session's emulator: a real server process over HTTP, stopped at the end."""
    record, _started = start(emulator_dir)
    yield record
    stop(emulator_dir)


@pytest.fixture
def emulator(emulator_server: EmulatorRecord) -> EmulatorRecord:
    """The session's emulator, emptied (moto reset API) before the test."""
    reset(emulator_server)
    return emulator_server


@pytest.fixture
def aws(emulator: EmulatorRecord) -> Callable[..., Any]:
    """``aws("s3")``: a boto3 client of the emulator."""
    return lambda service: client(service, emulator)


@pytest.fixture
def deploy(emulator: EmulatorRecord, emulator_dir: Path, tmp_path: Path) -> Callable[..., Any]:
    """``deploy({"Stack": ("storage", [])}, allow_unsupported=False)`` → DeployResult, outputs in tmp_path/cfn-outputs."""
    from stackcheck.emulator.deploy import deploy_assembly

    def run(stacks: dict[str, StackSpec], **kwargs: Any) -> Any:
        assembly = write_assembly(tmp_path / "cdk.out", stacks)
        return deploy_assembly(
            assembly, emulator, outputs_dir=tmp_path / "cfn-outputs", log_file=emulator_dir / "emulator.log", **kwargs
        )

    return run


@pytest.fixture
def template() -> Callable[[str], dict[str, Any]]:
    """``template("storage")``: a template of tests/data/emulator as a dict."""
    return load_template


@pytest.fixture
def make_assembly(tmp_path: Path) -> Callable[[dict[str, StackSpec]], CloudAssembly]:
    """``make_assembly({"Stack": ("storage", [])})``: a cloud assembly in tmp_path/cdk.out."""
    return lambda stacks: write_assembly(tmp_path / "cdk.out", stacks)
