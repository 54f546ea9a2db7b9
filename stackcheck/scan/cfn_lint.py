"""cfn-lint 1.x adapter: rules loaded once, each template linted in-process, matches → Findings.

Follows cfn-lint's Python API (https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/getting_started/integration.md):
``ConfigMixIn`` / ``ManualArgs`` for settings, ``cfnlint.runner.run_template_by_file_path``
with one ``Rules`` registry reused across templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cfnlint.version
from cfnlint.config import ConfigMixIn, ManualArgs
from cfnlint.runner import Runner, run_template_by_file_path

from stackcheck.findings import Finding, RuleDoc, Severity, Status
from stackcheck.scan.base import StackContext, split_resource_path

__all__ = ["DEFAULT_REGIONS", "RULE_ERROR_ID", "CfnLintScanner"]

DEFAULT_REGIONS = ("us-east-1",)
RULE_ERROR_ID = "E0002"
"""cfn-lint's "rule raised an exception" match: no verdict, so status UNKNOWN."""

_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "informational": Severity.INFO}
# Every enabled rule is mandatory, so template Metadata (cfn-lint: config: ignore_checks) and a
# stray .cfnlintrc cannot switch rules off: the ledger is the one place to suppress a finding.
_MANDATORY = ["E", "W", "I"]


class CfnLintScanner:
    """cfn-lint with its rule registry loaded once (``regions`` as for ``cfn-lint --regions``).

    ``append_rules`` are folders or modules of extra rules (``cfn-lint --append-rules``).
    Raises cfn-lint's own errors if an appended rule cannot be loaded.
    """

    tool = "cfn-lint"
    reports_passes = False
    version = cfnlint.version.__version__

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS, append_rules: Sequence[str] = ()):
        self.regions = list(regions)
        self.append_rules = list(append_rules)
        self._rules = Runner(ConfigMixIn(**self._args())).rules

    def _args(self) -> ManualArgs:
        return ManualArgs(regions=self.regions, append_rules=self.append_rules, mandatory_checks=_MANDATORY)

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
        config = ConfigMixIn(**self._args())
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
