"""Post-deploy checks: every test here runs against the deployment the outputs file describes."""

from __future__ import annotations

from collections.abc import Callable

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


@pytest.fixture
def stack_id(cloud_assembly) -> Callable[[str], str]:
    """``stack_id("Source")``: the artifact id of the stack of that role (``TapStack{suffix}Source``)."""

    def find(role: str) -> str:
        (found,) = [s for s in cloud_assembly.stacks if s.startswith("TapStack") and s.endswith(role)]
        return found

    return find
