"""Every rule of the policy pack on its fixture templates, through the real scanners: exact outcomes per target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackcheck.findings import Finding, Status
from stackcheck.scan.base import StackContext, load_template
from stackcheck.scan.custom import pack_rules

from .conftest import FIXTURES, POLICIES

RULES = {rule.id: rule for rule in pack_rules(POLICIES)}
CASES = sorted((d.name, f.stem) for d in FIXTURES.iterdir() if d.is_dir() for f in d.glob("*.json"))
VERDICTS = (Status.PASSED, Status.FAILED, Status.UNKNOWN)


def target(finding: Finding, with_stack: bool) -> str:
    """``Type.LogicalId`` (``Outputs.Key`` for an output), prefixed ``Stack/`` for assembly fixtures."""
    if finding.logical_id:
        name = f"{finding.resource_type}.{finding.logical_id}"
    else:
        name = ".".join(str(p) for p in finding.property_path[:2]) or f"<no target: {finding.message}>"
    return f"{finding.stack}/{name}" if with_stack else name


def scan_fixture(rule, path: Path, scanners, write_assembly, tmp_path: Path) -> list[Finding]:
    if rule.tool == "stackcheck-assembly":
        directory = write_assembly(json.loads(path.read_text()), tmp_path / "cdk.out")
        from stackcheck.scan.runner import contexts_from_assembly

        return [
            f for c in contexts_from_assembly(directory) for f in scanners[rule.tool].scan_template(c.template_file, c)
        ]
    return scanners[rule.tool].scan_template(path, StackContext.from_template(path, load_template(path)))


@pytest.mark.parametrize(("rule_id", "case"), CASES, ids=[f"{r}-{c}" for r, c in CASES])
def test_rule_gives_exact_outcomes_on_its_fixture(rule_id, case, pack_scanners, write_assembly, tmp_path):
    """Exact sets of ``Type.LogicalId`` per outcome (``stackcheck:expected``), and the exact message of
    each target a fixture lists under ``stackcheck:messages``."""
    rule = RULES[rule_id]
    path = FIXTURES / rule_id / f"{case}.json"
    expected = json.loads(path.read_text())["Metadata"]["stackcheck:expected"]
    findings = [f for f in scan_fixture(rule, path, pack_scanners, write_assembly, tmp_path) if f.rule_id == rule_id]
    with_stack = rule.tool == "stackcheck-assembly"
    assert {s.value: {target(f, with_stack) for f in findings if f.status is s} for s in VERDICTS} == {
        s.value: set(expected.get(s.value, [])) for s in VERDICTS
    }
    assert {f.tool for f in findings} <= {rule.tool}
    assert all(f.help_url == rule.source_url for f in findings)
    messages = json.loads(path.read_text())["Metadata"].get("stackcheck:messages", {})
    assert {name: [f.message for f in findings if target(f, with_stack) == name] for name in messages} == {
        name: [message] for name, message in messages.items()
    }


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_fixture_outcomes_are_not_trivial(rule_id):
    """pass.json passes something and fails nothing; fail.json fails something."""
    outcomes = {
        case: json.loads((FIXTURES / rule_id / f"{case}.json").read_text())["Metadata"]["stackcheck:expected"]
        for case in ("pass", "fail")
    }
    assert outcomes["pass"].get("PASSED") and not outcomes["pass"].get("FAILED") and not outcomes["pass"].get("UNKNOWN")
    assert outcomes["fail"].get("FAILED")
