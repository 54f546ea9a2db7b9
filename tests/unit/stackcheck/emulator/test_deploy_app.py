"""The project's own CDK app deploys whole to the emulator: four stacks CREATE_COMPLETE, every declared resource created."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stackcheck.emulator.capabilities import UNSUPPORTED, capability_matrix

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[4]
SUFFIX = "dev"
STACKS = {f"TapStack{SUFFIX}{role}" for role in ("DmsPrereq", "Source", "Target", "Route53")}


@pytest.fixture(scope="module")
def app_assembly():
    from stackcheck.assembly import synthesize

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    return synthesize(REPO).assembly  # cached by source hash: free when `make synth` ran


def test_every_resource_type_of_the_app_is_supported(app_assembly):
    assert [c.resource_type for c in capability_matrix(app_assembly) if c.support == UNSUPPORTED] == []


def test_app_deploys_whole_to_the_emulator(app_assembly, emulator, emulator_dir, tmp_path):
    from stackcheck.emulator.deploy import deploy_assembly

    result = deploy_assembly(app_assembly, emulator, outputs_dir=tmp_path, log_file=emulator_dir / "emulator.log")
    declared = {a.stack_name: len(a.resources) for a in app_assembly.stacks.values()}
    assert {s.stack_name for s in result.stacks} == STACKS
    assert {s.stack_name: (s.status, s.created, s.declared) for s in result.stacks} == {
        name: ("CREATE_COMPLETE", count, count) for name, count in declared.items()
    }
    assert next(s.stack_name for s in result.stacks) == f"TapStack{SUFFIX}DmsPrereq"
    assert [s.stack_name for s in result.stacks][-1] == f"TapStack{SUFFIX}Route53"
    assert (tmp_path / "flat-outputs.json").is_file()
