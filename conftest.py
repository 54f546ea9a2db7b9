"""Project-level stackcheck settings: which CDK app this repository checks and which outputs file describes its deployment.

This is the file another CDK project copies to its repository root when it adopts stackcheck
(installing the package registers the pytest plugin; nothing else is needed). Set the three
paths below to that project's layout and keep the fixtures as they are:

- ``CDK_APP_DIR``: the folder holding ``cdk.json`` (its ``"app"`` command is what gets synthesized);
- ``ASSEMBLY_DIR``: the cloud assembly the ``cloud_assembly`` fixture reads (``cdk synth``'s output);
- ``OUTPUTS_FILE``: the stack outputs the post-deploy checks resolve names from, flat
  (``{"Key": "value"}``) or the ``cdk deploy --outputs-file`` shape (``{"Stack": {"Key": "value"}}``).

These are project defaults only: a value given on the command line (``--assembly-dir``,
``--outputs-file``), in the environment (``STACKCHECK_ASSEMBLY_DIR``, ``STACKCHECK_OUTPUTS_FILE``)
or in the ini (``stackcheck_assembly_dir``, ``stackcheck_outputs_file``) still wins, so make, tox
and CI point a run elsewhere without editing this file. ``pytest --help`` lists every option.

The AWS endpoint and region come from the emulator record the plugin finds beside *its* outputs
setting (``cfn-outputs/target.json`` by default); a project that keeps its outputs file elsewhere
and deploys to the emulator sets ``stackcheck_outputs_file`` in its ini as well, so the record is
found there too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from stackcheck.plugin import StackcheckSettings

CDK_APP_DIR = Path(__file__).resolve().parent
ASSEMBLY_DIR = CDK_APP_DIR / "cdk.out"
OUTPUTS_FILE = CDK_APP_DIR / "cfn-outputs" / "flat-outputs.json"


@pytest.fixture(scope="session")
def cdk_app_dir() -> Path:
    """The folder holding the app's ``cdk.json``; ``stackcheck.assembly.synthesize`` takes it."""
    return CDK_APP_DIR


@pytest.fixture(scope="session")
def cloud_assembly_dir(stackcheck_settings: StackcheckSettings) -> Path:
    """The cloud assembly folder: ``ASSEMBLY_DIR`` unless a run sets one (CLI, environment, ini)."""
    setting = stackcheck_settings.assembly_dir
    return ASSEMBLY_DIR if setting.source == "default" else Path(setting.value)


@pytest.fixture(scope="session")
def outputs_file(stackcheck_settings: StackcheckSettings) -> Path:
    """The stack outputs file: ``OUTPUTS_FILE`` unless a run sets one (CLI, environment, ini)."""
    setting = stackcheck_settings.outputs_file
    return OUTPUTS_FILE if setting.source == "default" else Path(setting.value)
