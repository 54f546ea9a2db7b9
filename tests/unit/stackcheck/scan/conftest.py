"""Scan test fixtures: the real scanners, loaded once per session, and the template fixtures folder."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).parents[3] / "data" / "templates"


@pytest.fixture(scope="session")
def scanners():
    """cfn-lint and checkov adapters without the policy pack, loaded once (the slow part of a scan)."""
    from stackcheck.scan.runner import load_scanners

    return load_scanners(policies=None)


@pytest.fixture(scope="session")
def cfn_lint(scanners):
    return next(s for s in scanners if s.tool == "cfn-lint")


@pytest.fixture(scope="session")
def checkov(scanners):
    return next(s for s in scanners if s.tool == "checkov")


@pytest.fixture(scope="session")
def templates() -> Path:
    return TEMPLATES
