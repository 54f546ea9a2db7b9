"""Policy pack test fixtures: the real scanners with the pack loaded, and cloud assemblies written from fixture data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).parents[3]
POLICIES = REPO / "policies"
FIXTURES = REPO / "tests" / "data" / "policies"


@pytest.fixture(scope="session")
def pack_scanners():
    """The scanners `stackcheck scan` uses, policy pack loaded, by tool name (loaded once)."""
    from stackcheck.scan.runner import load_scanners

    return {scanner.tool: scanner for scanner in load_scanners(policies=POLICIES)}


@pytest.fixture
def write_assembly():
    """Write a cloud assembly from ``{"Stacks": {id: {"Template": {...}, "Dependencies": [...]}}}`` into a folder."""

    def write(spec: dict, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        artifacts = {}
        for stack, entry in spec["Stacks"].items():
            (directory / f"{stack}.template.json").write_text(json.dumps(entry["Template"], indent=1))
            artifacts[stack] = {
                "type": "aws:cloudformation:stack",
                "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": f"{stack}.template.json"},
                "dependencies": list(entry.get("Dependencies", [])),
            }
        (directory / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}, indent=1))
        return directory

    return write
