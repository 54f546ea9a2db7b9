"""The project's .cfnlintrc honoured: include_checks (informational I rules), ignore_checks, regions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stackcheck.errors import BadInputError
from stackcheck.findings import Severity
from stackcheck.scan.base import StackContext, load_template
from stackcheck.scan.cfn_lint import CfnLintScanner, ProjectSettings, read_settings

FIXTURE = "cfnlintrc/table_unused_parameter.yaml"


def rule_ids(project: Path, templates: Path, **kwargs) -> set[str]:
    """Rule ids cfn-lint reports on the fixture for a scanner rooted at ``project``."""
    template = project / "template.yaml"
    shutil.copyfile(templates / FIXTURE, template)
    findings = CfnLintScanner(project_root=project, **kwargs).scan_template(
        template, StackContext.from_template(template, load_template(template))
    )
    return {f.rule_id for f in findings}


def test_without_settings_informational_rules_stay_off(tmp_path, templates):
    assert read_settings(tmp_path) == ProjectSettings()
    assert rule_ids(tmp_path, templates) == {"W2001"}


def test_include_checks_runs_an_informational_rule(tmp_path, templates):
    (tmp_path / ".cfnlintrc").write_text("include_checks:\n  - I3011\n")
    template = tmp_path / "template.yaml"
    shutil.copyfile(templates / FIXTURE, template)
    findings = CfnLintScanner(project_root=tmp_path).scan_template(
        template, StackContext.from_template(template, load_template(template))
    )
    assert {(f.rule_id, f.severity, f.logical_id) for f in findings} == {
        ("W2001", Severity.WARNING, None),
        ("I3011", Severity.INFO, "Table"),
    }


def test_ignore_checks_removes_a_rule(tmp_path, templates):
    (tmp_path / ".cfnlintrc.yaml").write_text("include_checks: [I]\nignore_checks: [W2001]\n")
    assert read_settings(tmp_path) == ProjectSettings(tmp_path / ".cfnlintrc.yaml", ("I",), ("W2001",), ())
    assert rule_ids(tmp_path, templates) == {"I3011"}


def test_settings_regions_apply_unless_the_scan_names_regions(tmp_path, templates):
    (tmp_path / ".cfnlintrc").write_text("regions:\n  - us-east-1\n  - af-south-1\n")
    assert CfnLintScanner(project_root=tmp_path).regions == ["us-east-1", "af-south-1"]
    assert rule_ids(tmp_path, templates) == {"W2001", "E3006"}
    assert rule_ids(tmp_path, templates, regions=["us-east-1"]) == {"W2001"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("include_checks: [I3011\n", "ParserError"),
        ("ignore_checks: W2001\nbogus_key: 1\n", "ConfigFileError: Invalid configuration key 'bogus_key'"),
    ],
)
def test_invalid_settings_file_is_bad_input_naming_it(tmp_path, text, error):
    (tmp_path / ".cfnlintrc").write_text(text)
    with pytest.raises(BadInputError) as raised:
        read_settings(tmp_path)
    assert str(raised.value).startswith(f"cfn-lint settings file {tmp_path / '.cfnlintrc'} is invalid ({error}")
    assert raised.value.exit_code == 2
