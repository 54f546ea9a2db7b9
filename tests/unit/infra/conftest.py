"""Fixtures for the CDK app's synth-time tests: the cached cloud assembly and its templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from stackcheck.assembly import CloudAssembly, synthesize

ROOT = Path(__file__).resolve().parents[3]
SUFFIX = "dev"
ROLES = ("source", "target")


@pytest.fixture(scope="session")
def app_assembly(cdk_app_dir: Path) -> CloudAssembly:
    """The app's cloud assembly in cdk.out, synthesized once (reused when sources are unchanged);
    ``cdk_app_dir`` (the repository's top-level conftest.py) says which app."""
    return synthesize(cdk_app_dir).assembly


@pytest.fixture(scope="session")
def templates(app_assembly) -> dict[str, dict]:
    """Template dicts keyed by short stack name: DmsPrereq, Source, Target, Route53."""
    prefix = f"TapStack{SUFFIX}"
    return {aid.removeprefix(prefix): a.template for aid, a in app_assembly.stacks.items()}


@pytest.fixture(scope="session")
def template(templates):
    """Factory: ``template("Source")`` → aws_cdk.assertions.Template of that stack."""
    cache: dict[str, Template] = {}

    def get(name: str) -> Template:
        if name not in cache:
            cache[name] = Template.from_json(templates[name])
        return cache[name]

    return get
