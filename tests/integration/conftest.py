"""Post-deploy checks: every test here runs against the deployment the outputs file describes."""

from __future__ import annotations

import pytest

ROLES = ("source", "target")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(params=ROLES)
def role(request) -> str:
    """Environment role of the check: ``source`` or ``target``."""
    return request.param
