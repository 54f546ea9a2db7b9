"""Assembly rules: loading rule files, one evaluation per assembly handed out per stack, crashes as findings."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from stackcheck.errors import ScannerError
from stackcheck.findings import Severity, Status
from stackcheck.scan.assembly_rules import AssemblyRuleScanner, load_rules, template_line
from stackcheck.scan.base import StackContext, load_template
from stackcheck.scan.runner import contexts_from_assembly

# Every Route53 zone PASSED in its own stack, every S3 bucket UNKNOWN; counts its evaluations.
ZONES_RULE = '''
    """E9990: one verdict per zone or bucket."""
    from stackcheck.scan.assembly_rules import AssemblyRule
    from stackcheck.scan.policy import Outcome, TemplateView, Verdict

    CALLS = []

    def evaluate(assembly):
        CALLS.append(assembly.directory)
        for sid, artifact in assembly.stacks.items():
            view = TemplateView(artifact.template)
            for lid in view.of_type("AWS::Route53::HostedZone"):
                yield sid, Verdict(Outcome.PASSED, f"Zone `{lid}`: fine", lid, ("Properties", "Name"))
            for lid in view.of_type("AWS::S3::Bucket"):
                yield sid, Verdict(Outcome.UNKNOWN, f"Bucket `{lid}`: unknown", lid)

    class ZonesRule(AssemblyRule):
        id = "E9990"
        outcome = "Ensure zones"
        description = "test rule"
        source_url = "https://docs.aws.amazon.com/zones"
        evaluate = staticmethod(evaluate)
'''
CRASHING_RULE = '''
    """E9991: raises."""
    from stackcheck.scan.assembly_rules import AssemblyRule

    def evaluate(assembly):
        raise ValueError("boom in the assembly rule")

    class CrashingRule(AssemblyRule):
        id = "E9991"
        outcome = "Ensure nothing"
        description = "test rule"
        source_url = "https://docs.aws.amazon.com/crash"
        evaluate = staticmethod(evaluate)
'''
TEMPLATES = {
    "Dns": {"Resources": {"Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": "example.com."}}}},
    "Logs": {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}},
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def rules_dir(tmp_path) -> Path:
    write(tmp_path / "assembly" / "ZonesRule.py", ZONES_RULE)
    write(tmp_path / "assembly" / "CrashingRule.py", CRASHING_RULE)
    return tmp_path / "assembly"


@pytest.fixture
def assembly_dir(tmp_path) -> Path:
    directory = tmp_path / "cdk.out"
    directory.mkdir()
    artifacts = {}
    for stack, template in TEMPLATES.items():
        (directory / f"{stack}.template.json").write_text(json.dumps(template, indent=2))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{stack}.template.json"},
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    return directory


def test_each_stack_gets_the_findings_about_it_from_one_evaluation(rules_dir, assembly_dir):
    scanner = AssemblyRuleScanner(rules_dir)
    found = {c.stack: scanner.scan_template(c.template_file, c) for c in contexts_from_assembly(assembly_dir)}
    assert {
        stack: {(f.rule_id, f.logical_id, f.status, f.severity, f.line) for f in fs} for stack, fs in found.items()
    } == {
        "Dns": {
            ("E9990", "Zone", Status.PASSED, Severity.ERROR, 6),
            ("E9991", None, Status.UNKNOWN, Severity.ERROR, None),
        },
        "Logs": {
            ("E9990", "Bucket", Status.UNKNOWN, Severity.WARNING, 3),
            ("E9991", None, Status.UNKNOWN, Severity.ERROR, None),
        },
    }
    crash = next(f for f in found["Dns"] if f.rule_id == "E9991")
    assert "rule E9991 raised ValueError: boom in the assembly rule" in crash.message
    assert (crash.tool, crash.help_url) == ("stackcheck-assembly", "https://docs.aws.amazon.com/crash")
    zones = next(r for r in scanner.rules if r.id == "E9990")
    assert len(sys.modules[type(zones).__module__].CALLS) == 1


def test_a_template_outside_an_assembly_gets_no_finding(rules_dir, tmp_path):
    path = tmp_path / "alone.json"
    path.write_text(json.dumps(TEMPLATES["Dns"]))
    assert (
        AssemblyRuleScanner(rules_dir).scan_template(path, StackContext.from_template(path, load_template(path))) == []
    )


def test_rules_load_by_id_with_their_files(rules_dir):
    rules = load_rules(rules_dir)
    assert [(r.id, type(r).__name__, r.file.name) for r in rules] == [
        ("E9990", "ZonesRule", "ZonesRule.py"),
        ("E9991", "CrashingRule", "CrashingRule.py"),
    ]
    assert AssemblyRuleScanner(rules_dir).rule_ids() == {"E9990", "E9991"}


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("Misnamed.py", ZONES_RULE, "must define exactly one AssemblyRule subclass named Misnamed"),
        ("Broken.py", "import no_such_module_here\n", "Broken.py cannot be imported: ModuleNotFoundError"),
        ("Empty.py", '"""no rule."""\n', "named Empty; found []"),
    ],
)
def test_a_bad_rule_file_stops_loading_naming_it(rules_dir, name, text, error):
    write(rules_dir / name, text)
    with pytest.raises(ScannerError, match=re.escape(error)):
        load_rules(rules_dir)


def test_two_rules_with_one_id_stop_loading(rules_dir):
    write(rules_dir / "OtherZonesRule.py", ZONES_RULE.replace("class ZonesRule", "class OtherZonesRule"))
    with pytest.raises(ScannerError, match="share the id E9990"):
        load_rules(rules_dir)


def test_a_missing_folder_stops_loading(tmp_path):
    with pytest.raises(ScannerError, match="does not exist"):
        load_rules(tmp_path / "nowhere")


def test_template_line_finds_a_path_or_its_deepest_parent(assembly_dir, tmp_path):
    template = assembly_dir / "Dns.template.json"
    assert template_line(template, ("Resources", "Zone", "Properties", "Name")) == 6
    assert template_line(template, ("Resources", "Zone", "Properties", "Missing")) == 5
    # a list index past the template's items (a live path into a longer live list) stops at the list
    listed = tmp_path / "listed.json"
    listed.write_text(
        '{\n "Resources": {\n  "Role": {\n   "Properties": {\n    "Policies": [\n     {"PolicyName": "a"}\n'
        "    ]\n   }\n  }\n }\n}\n"
    )
    assert template_line(listed, ("Resources", "Role", "Properties", "Policies", 0, "PolicyName")) == 6
    assert template_line(listed, ("Resources", "Role", "Properties", "Policies", 1, "PolicyDocument")) == 5
    assert template_line(tmp_path / "missing.json", ("Resources",)) is None
