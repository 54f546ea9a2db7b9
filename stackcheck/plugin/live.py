"""stackcheck's live compliance fixtures: the policy pack and ledger a project checks with, and one ComplianceSession per pytest session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from stackcheck.assembly import CloudAssembly
    from stackcheck.aws.clients import ClientFactory
    from stackcheck.compliance.snapshot import ComplianceSession
    from stackcheck.emulator.record import EmulatorRecord

__all__ = ["compliance_ledger", "compliance_policies", "live_compliance"]


@pytest.fixture(scope="session")
def compliance_policies(pytestconfig: pytest.Config) -> Path:
    """The policy pack live compliance runs: ``policies/`` in the rootdir. Override in a conftest.py."""
    return pytestconfig.rootpath / "policies"


@pytest.fixture(scope="session")
def compliance_ledger(compliance_policies: Path) -> Path | None:
    """The suppression ledger applied to live findings: ``suppressions.yaml`` beside the policy pack when
    there is one, else None (nothing suppressed). Override in a conftest.py."""
    path = compliance_policies / "suppressions.yaml"
    return path if path.is_file() else None


@pytest.fixture(scope="session")
def live_compliance(
    cloud_assembly: CloudAssembly,
    aws_client: ClientFactory,
    aws_endpoint_url: str | None,
    aws_region: str | None,
    emulator_record: EmulatorRecord | None,
    compliance_policies: Path,
    compliance_ledger: Path | None,
    stack_outputs: dict[str, str],
) -> ComplianceSession:
    """One ``stackcheck.compliance.snapshot.ComplianceSession`` for the session: the policy pack, ledger and
    deployed stacks loaded once, every live resource read on the first ``check()``, and afterwards only
    what a call through ``aws_client`` changed (it watches that factory's clients) re-read.

    Needs ``stack_outputs``, so like every post-deploy check it skips (strict: fails) when nothing is
    deployed. A policy pack or ledger that cannot be loaded fails every test that uses it, with its
    message (the same errors `stackcheck compliance` exits 2 or 3 with).
    """
    from stackcheck.compliance import live_forms
    from stackcheck.compliance.evaluate import LiveTarget
    from stackcheck.compliance.snapshot import ComplianceSession
    from stackcheck.errors import StackcheckError
    from stackcheck.suppressions import load_ledger

    try:
        forms, template_only = live_forms(compliance_policies)
        ledger = load_ledger(compliance_ledger) if compliance_ledger is not None else None
    except StackcheckError as exc:
        problem = f"live compliance cannot start (exit {exc.exit_code}): {exc}"
    else:
        emulator = emulator_record is not None and aws_endpoint_url == emulator_record.endpoint_url
        source = "the stackcheck pytest settings" if not emulator else "the emulator record"
        target = LiveTarget(aws_endpoint_url, aws_region, emulator, source)
        session = ComplianceSession(
            cloud_assembly.dependency_order(),
            aws_client,
            forms,
            ledger=ledger,
            target=target,
            template_only=template_only,
        )
        session.watch(aws_client)
        return session
    pytest.fail(problem, pytrace=False)  # outside the except: no "during handling" chain in the report
