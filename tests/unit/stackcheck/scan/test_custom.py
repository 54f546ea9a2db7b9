"""Policy pack glue: every outcome a pack rule gives reaches a finding, a crashing rule is a finding about it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from stackcheck.errors import ScannerError
from stackcheck.findings import Severity, Status
from stackcheck.scan.base import StackContext, load_template

# A verdict per bucket: A passes, B fails, C is unknown, D is not applicable, Boom makes the rule raise.
CFN_LINT_RULES = {
    "OutcomeRule.py": '''
        """E9998: one verdict of each kind."""
        from stackcheck.scan import custom
        from stackcheck.scan.policy import Outcome, Verdict

        def check(view):
            kinds = {"A": Outcome.PASSED, "B": Outcome.FAILED, "C": Outcome.UNKNOWN, "D": Outcome.NOT_APPLICABLE}
            for lid in view.of_type("AWS::S3::Bucket"):
                if lid in kinds:
                    yield Verdict(kinds[lid], f"Bucket `{lid}`: {kinds[lid].value}", lid, ("Properties",))

        class OutcomeRule(custom.TemplateRule):
            id = "E9998"
            shortdesc = "Ensure outcomes reach findings"
            description = "test rule"
            source_url = "https://docs.aws.amazon.com/outcome"
            check = staticmethod(check)
    ''',
    "CrashingRule.py": '''
        """E9999: raises."""
        from stackcheck.scan import custom

        def check(view):
            raise RuntimeError("boom in the rule")

        class CrashingRule(custom.TemplateRule):
            id = "E9999"
            shortdesc = "Ensure nothing"
            description = "test rule"
            source_url = "https://docs.aws.amazon.com/crash"
            check = staticmethod(check)
    ''',
}
CHECKOV_CHECK = '''
    """CKV_TAP_99: one verdict of each kind; raises on bucket Boom."""
    from stackcheck.scan import custom
    from stackcheck.scan.policy import Outcome, Verdict

    def evaluate(logical_id, resource_type, properties, view):
        if logical_id == "Boom":
            raise KeyError("boom in the check")
        kinds = {"A": Outcome.PASSED, "B": Outcome.FAILED, "C": Outcome.UNKNOWN}
        return Verdict(kinds.get(logical_id, Outcome.NOT_APPLICABLE), f"Bucket `{logical_id}`: checked",
                       path=("Properties", "BucketName"))

    class OutcomeCheck(custom.ResourceCheck):
        id = "CKV_TAP_99"
        outcome = "Ensure outcomes reach findings"
        description = "test check"
        source_url = "https://docs.aws.amazon.com/check"
        resource_types = ("AWS::S3::Bucket",)
        evaluate = staticmethod(evaluate)

    check = OutcomeCheck()
'''
ASSEMBLY_RULE = '''
    """E9997: raises."""
    from stackcheck.scan.assembly_rules import AssemblyRule

    def evaluate(assembly):
        raise ValueError("boom in the assembly rule")

    class CrashingAssemblyRule(AssemblyRule):
        id = "E9997"
        outcome = "Ensure nothing"
        description = "test rule"
        source_url = "https://docs.aws.amazon.com/assembly"
        evaluate = staticmethod(evaluate)
'''
BUCKETS = {
    "Resources": {
        name: {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name.lower()}}
        for name in ("A", "B", "C", "D", "Boom")
    }
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def pack(tmp_path) -> Path:
    root = tmp_path / "policies"
    for name, text in CFN_LINT_RULES.items():
        write(root / "cfn_lint" / name, text)
    write(root / "checkov" / "__init__.py", '"""test checks."""\n')
    write(root / "checkov" / "OutcomeCheck.py", CHECKOV_CHECK)
    write(root / "assembly" / "CrashingAssemblyRule.py", ASSEMBLY_RULE)
    return root


@pytest.fixture
def template(tmp_path) -> tuple[Path, StackContext]:
    path = tmp_path / "buckets.json"
    path.write_text(json.dumps(BUCKETS, indent=2))
    return path, StackContext.from_template(path, load_template(path))


def outcomes(findings, rule_id):
    return {(f.logical_id, f.status, f.severity) for f in findings if f.rule_id == rule_id}


def test_cfn_lint_pack_rules_report_every_outcome(pack, template):
    from stackcheck.scan.custom import PolicyCfnLintScanner

    scanner = PolicyCfnLintScanner(policies=pack)
    findings = scanner.scan_template(*template)
    assert scanner.pack_rule_ids == {"E9998", "E9999"}
    assert outcomes(findings, "E9998") == {
        ("A", Status.PASSED, Severity.ERROR),
        ("B", Status.FAILED, Severity.ERROR),
        ("C", Status.UNKNOWN, Severity.WARNING),
    }
    b = next(f for f in findings if f.rule_id == "E9998" and f.logical_id == "B")
    assert (b.message, b.property_path, b.help_url, b.tool) == (
        "Bucket `B`: FAILED",
        ("Properties",),
        "https://docs.aws.amazon.com/outcome",
        "cfn-lint",
    )


def test_cfn_lint_rule_that_raises_is_an_unknown_error_finding_about_it(pack, template):
    from stackcheck.scan.custom import PolicyCfnLintScanner

    findings = PolicyCfnLintScanner(policies=pack).scan_template(*template)
    crash = [f for f in findings if f.rule_id == "E9999"]
    assert [(f.status, f.severity, f.logical_id, f.help_url) for f in crash] == [
        (Status.UNKNOWN, Severity.ERROR, None, "https://docs.aws.amazon.com/crash")
    ]
    assert "rule E9999 raised an exception" in crash[0].message and "boom in the rule" in crash[0].message
    assert not any(f.rule_id == "E0002" for f in findings)


def test_plain_cfn_lint_keeps_its_meaning_of_a_match(pack, template):
    """Without the report_outcomes option (plain `cfn-lint --append-rules`), a match is a failure and nothing else."""
    from stackcheck.scan.cfn_lint import CfnLintScanner

    findings = CfnLintScanner(append_rules=[str(pack / "cfn_lint")]).scan_template(*template)
    assert outcomes(findings, "E9998") == {("B", Status.FAILED, Severity.ERROR)}
    assert [f.status for f in findings if f.rule_id == "E0002"] == [Status.UNKNOWN]


def test_checkov_pack_checks_report_every_outcome_with_their_messages(pack, template):
    from stackcheck.scan.custom import PolicyCheckovScanner

    scanner = PolicyCheckovScanner(policies=pack)
    findings = scanner.scan_template(*template)
    assert outcomes(findings, "CKV_TAP_99") == {
        ("A", Status.PASSED, Severity.ERROR),
        ("B", Status.FAILED, Severity.ERROR),
        ("C", Status.UNKNOWN, Severity.WARNING),
        ("Boom", Status.UNKNOWN, Severity.ERROR),
    }
    by_id = {f.logical_id: f for f in findings if f.rule_id == "CKV_TAP_99"}
    assert {(lid, f.message, f.property_path) for lid, f in by_id.items() if lid != "Boom"} == {
        (lid, f"Bucket `{lid}`: checked", ("Properties", "BucketName")) for lid in "ABC"
    }
    assert "rule CKV_TAP_99 raised KeyError: 'boom in the check'" in by_id["Boom"].message
    assert by_id["Boom"].line is not None and by_id["Boom"].help_url == "https://docs.aws.amazon.com/check"
    assert "CKV_TAP_99" in scanner.rule_ids()


def test_checkov_pack_checks_run_only_in_the_pack_scanner(pack, template):
    """checkov's registry is global: a plain CheckovScanner of the same process must not run the pack."""
    from stackcheck.scan.checkov import CheckovScanner
    from stackcheck.scan.custom import PolicyCheckovScanner

    PolicyCheckovScanner(policies=pack).scan_template(*template)
    plain = CheckovScanner()
    assert "CKV_TAP_99" not in plain.rule_ids()
    assert not any(f.rule_id == "CKV_TAP_99" for f in plain.scan_template(*template))


def test_a_checkov_check_file_that_does_not_import_stops_the_scan(pack):
    from stackcheck.scan.custom import PolicyCheckovScanner

    write(pack / "checkov" / "BrokenCheck.py", "import no_such_module_here\n")
    with pytest.raises(ScannerError, match=r"BrokenCheck.py did not load a ResourceCheck"):
        PolicyCheckovScanner(policies=pack)


@pytest.mark.parametrize("missing", ["cfn_lint", "checkov"])
def test_a_missing_pack_folder_stops_the_scan(pack, missing):
    import shutil

    from stackcheck.scan.custom import PolicyCfnLintScanner, PolicyCheckovScanner

    shutil.rmtree(pack / missing)
    with pytest.raises(ScannerError, match=f"{missing}"):
        (PolicyCfnLintScanner if missing == "cfn_lint" else PolicyCheckovScanner)(policies=pack)


def test_pack_rules_lists_the_pack_and_leaves_checkov_alone(pack):
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    from stackcheck.scan.custom import pack_rules

    rules = pack_rules(pack)
    assert [(r.id, r.name, r.tool) for r in rules] == [
        ("CKV_TAP_99", "OutcomeCheck", "checkov"),
        ("E9997", "CrashingAssemblyRule", "stackcheck-assembly"),
        ("E9998", "OutcomeRule", "cfn-lint"),
        ("E9999", "CrashingRule", "cfn-lint"),
    ]
    assert not any(c.id == "CKV_TAP_99" for checks in cfn_registry.checks.values() for c in checks)
