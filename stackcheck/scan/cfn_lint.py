"""cfn-lint 1.x adapter: rules loaded once, each template linted in-process, matches → Findings.

Follows cfn-lint's Python API (https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/getting_started/integration.md):
``ConfigMixIn`` / ``ManualArgs`` for settings, ``cfnlint.runner.run_template_by_file_path``
with one ``Rules`` registry reused across templates.

The project's cfn-lint settings file (``.cfnlintrc``, ``.cfnlintrc.yaml`` or ``.cfnlintrc.yml``
in the project root, read and schema-checked by cfn-lint's ``ConfigFileArgs``) is honoured for
``include_checks`` (e.g. informational ``I`` rules), ``ignore_checks`` and ``regions``
(https://github.com/aws-cloudformation/cfn-lint#config-file). Template ``Metadata`` settings
cannot switch a rule off: the ledger is where a finding is suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cfnlint.version
import yaml
from cfnlint.config import ConfigMixIn, ManualArgs
from cfnlint.exceptions import CfnLintExitException
from cfnlint.runner import Runner, run_template_by_file_path

from stackcheck.errors import BadInputError
from stackcheck.findings import Finding, RuleDoc, Severity, Status
from stackcheck.scan.base import StackContext, split_resource_path

__all__ = ["DEFAULT_REGIONS", "RULE_ERROR_ID", "SETTINGS_FILES", "CfnLintScanner", "ProjectSettings", "read_settings"]

DEFAULT_REGIONS = ("us-east-1",)
RULE_ERROR_ID = "E0002"
"""cfn-lint's "rule raised an exception" match: no verdict, so status UNKNOWN."""

SETTINGS_FILES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
"""cfn-lint's project settings file names, looked up in this order in the project root."""

_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "informational": Severity.INFO}
_DEFAULT_INCLUDE = ("E", "W")


@dataclass(frozen=True)
class ProjectSettings:
    """What stackcheck takes from the project's cfn-lint settings file (``path``; None: no file).

    ``include_checks`` and ``ignore_checks`` are rule id prefixes (``I3011``, ``W``);
    ``regions`` the regions to lint for (empty: the scanner's own).
    """

    path: Path | None = None
    include_checks: tuple[str, ...] = ()
    ignore_checks: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


def read_settings(root: str | Path) -> ProjectSettings:
    """The first of ``SETTINGS_FILES`` in ``root`` read through cfn-lint's own config API.

    Returns an empty ProjectSettings when ``root`` has none. Raises BadInputError (exit 2) naming
    the file when it is not valid YAML or not valid against cfn-lint's settings schema.
    """
    path = next((Path(root) / name for name in SETTINGS_FILES if (Path(root) / name).is_file()), None)
    if path is None:
        return ProjectSettings()
    try:
        values = ConfigMixIn([], config_file=str(path)).file_args
    except (CfnLintExitException, yaml.YAMLError, OSError) as error:  # ConfigFileError: schema violation
        raise BadInputError(
            f"cfn-lint settings file {path} is invalid ({type(error).__name__}: {error}); "
            "fix it as cfn-lint documents (https://github.com/aws-cloudformation/cfn-lint#config-file) or remove it"
        ) from error
    return ProjectSettings(
        path=path,
        include_checks=tuple(str(c) for c in values.get("include_checks") or ()),
        ignore_checks=tuple(str(c) for c in values.get("ignore_checks") or ()),
        regions=tuple(str(r) for r in values.get("regions") or ()),
    )


class CfnLintScanner:
    """cfn-lint with its rule registry loaded once (``regions`` as for ``cfn-lint --regions``).

    ``append_rules`` are folders or modules of extra rules (``cfn-lint --append-rules``).
    ``project_root`` (default: the working directory) is where the settings file is read
    (``read_settings``): its ``include_checks`` add rules to cfn-lint's ``E``/``W`` default, its
    ``ignore_checks`` drop rules, its ``regions`` apply when ``regions`` is None (then
    ``DEFAULT_REGIONS``). Raises cfn-lint's own errors if an appended rule cannot be loaded,
    BadInputError for an invalid settings file.
    """

    tool = "cfn-lint"
    reports_passes = False
    version = cfnlint.version.__version__

    def __init__(
        self,
        regions: Sequence[str] | None = None,
        append_rules: Sequence[str] = (),
        project_root: str | Path | None = None,
    ):
        self.settings = read_settings(Path.cwd() if project_root is None else project_root)
        self.regions = list(regions or self.settings.regions or DEFAULT_REGIONS)
        self.append_rules = list(append_rules)
        self.include_checks = [*_DEFAULT_INCLUDE, *self.settings.include_checks]
        self.ignore_checks = list(self.settings.ignore_checks)
        self._mandatory: list[str] = []
        self._rules = Runner(ConfigMixIn([], **self._args())).rules
        # Every rule the settings leave on is mandatory, so template Metadata (cfn-lint: config:
        # ignore_checks) cannot switch it off: the ledger is the one place to suppress a finding.
        self._mandatory = sorted(
            rid for rid in self._rules if not any(rid.startswith(p) for p in self.ignore_checks if p)
        )

    def _args(self) -> ManualArgs:
        args = ManualArgs(
            regions=self.regions,
            append_rules=self.append_rules,
            include_checks=self.include_checks,
            mandatory_checks=self._mandatory or ["E", "W", "I"],
        )
        if self.ignore_checks:
            args["ignore_checks"] = self.ignore_checks
        if self.settings.path is not None:
            args["config_file"] = str(self.settings.path)
        return args

    def rule_ids(self) -> frozenset[str]:
        """Every rule id in the loaded registry (``E0000`` … plus appended rules)."""
        return frozenset(self._rules.keys())

    def rule_doc(self, rule_id: str) -> RuleDoc | None:
        """The rule's ``shortdesc``, ``description``, ``source_url``, ``tags`` and severity; None for an unknown id.

        A rule class may also set ``fix`` (the policy pack's base classes have it, see stackcheck.scan.custom).
        """
        rule = self._rules.get(rule_id)
        if rule is None:
            return None
        return RuleDoc(
            rule_id=rule_id,
            outcome=str(rule.shortdesc or rule_id),
            description=str(rule.description or ""),
            help_url=rule.source_url or None,
            tags=tuple(str(t) for t in rule.tags or ()),
            severity=_SEVERITY.get(rule.severity, Severity.ERROR),
            fix=str(getattr(rule, "fix", "") or ""),
        )

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Lint one template; one FAILED finding per match (E0002, a rule crash, is UNKNOWN)."""
        # A fresh config per template: cfn-lint stores the template's own settings in it.
        config = ConfigMixIn([], **self._args())
        matches = run_template_by_file_path(str(template_path), config, self._rules, ignore_bad_template=False)
        return [self._finding(match, template_path, stack_context) for match in matches]

    def _finding(self, match, template_path: Path, context: StackContext) -> Finding:
        logical_id, property_path = split_resource_path(getattr(match, "path", None))
        rule = match.rule
        return Finding(
            rule_id=rule.id,
            severity=_SEVERITY.get(rule.severity, Severity.ERROR),
            tool=self.tool,
            stack=context.stack,
            logical_id=logical_id,
            resource_type=context.resource_type(logical_id),
            construct_path=context.construct_path(logical_id),
            template_file=str(template_path),
            line=match.linenumber if isinstance(match.linenumber, int) and match.linenumber >= 1 else None,
            property_path=property_path,
            message=match.message,
            status=Status.UNKNOWN if rule.id == RULE_ERROR_ID else Status.FAILED,
            help_url=rule.source_url or None,
        )
