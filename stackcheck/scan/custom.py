"""Glue that loads the organisation's policy pack into cfn-lint and checkov and keeps every outcome a rule gives.

cfn-lint loads ``policies/cfn_lint`` as appended rules (``cfn-lint --append-rules``) and checkov
loads ``policies/checkov`` as external checks (``checkov --external-checks-dir``). Out of the box
neither keeps what the pack needs: cfn-lint reports failures only and turns a crashing rule into
E0002; checkov drops UNKNOWN results, including those of a check that raised. The two scanner
subclasses here keep PASSED and UNKNOWN verdicts, give each finding the rule's own message and
property path, and report a crash as an ERROR finding of the rule that crashed.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.helpers import load_plugins
from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.runner import run_template_by_file_path
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.cloudformation.checks.resource.registry import cfn_registry
from checkov.common.bridgecrew.severities import BcSeverities, Severities
from checkov.common.models.enums import CheckCategories, CheckResult

from stackcheck.errors import ScannerError
from stackcheck.findings import Finding, Severity, Status
from stackcheck.scan.assembly_rules import import_rule_file, template_line
from stackcheck.scan.base import StackContext
from stackcheck.scan.cfn_lint import RULE_ERROR_ID, CfnLintScanner
from stackcheck.scan.checkov import CheckovScanner
from stackcheck.scan.policy import Outcome, TemplateView, Verdict, clean, crash_message
from stackcheck.scan.scenarios import over_parameters

__all__ = [
    "DEFAULT_POLICIES",
    "OUTCOMES_OPTION",
    "UNRESOLVED_SEVERITY",
    "PolicyCfnLintScanner",
    "PolicyCheckovScanner",
    "ResourceCheck",
    "RuleInfo",
    "TemplateRule",
    "crash_message",
    "pack_rules",
]

DEFAULT_POLICIES = Path("policies")
"""The policy pack folder, relative to the working directory (as the ledger is)."""

OUTCOMES_OPTION = "report_outcomes"
"""cfn-lint rule option (``-x E9001:report_outcomes=true``): report PASSED and UNKNOWN verdicts too.

Off by default, so plain ``cfn-lint --append-rules policies/cfn_lint`` keeps cfn-lint's meaning
of a match (a failure); PolicyCfnLintScanner switches it on.
"""

UNRESOLVED_SEVERITY = Severity.WARNING
"""Severity of an UNKNOWN verdict: worth a look, never a gate failure (a crash is ERROR)."""

_E0002_RULE = re.compile(r"processing rule (\S+?):")
_CHECKOV_SEVERITY = {
    Severity.ERROR: Severities[BcSeverities.HIGH],
    Severity.WARNING: Severities[BcSeverities.MEDIUM],
    Severity.INFO: Severities[BcSeverities.LOW],
}
_CHECK_RESULT = {Outcome.PASSED: CheckResult.PASSED, Outcome.FAILED: CheckResult.FAILED}


# -- cfn-lint ---------------------------------------------------------------------------------


class TemplateRule(CloudFormationLintRule):
    """Base of the pack's cfn-lint rules: the logic is ``check(view)``, a plain function of the template.

    Subclasses set cfn-lint's ``id`` (E9xxx/W9xxx), ``shortdesc`` (the one-line outcome,
    "Ensure ..."), ``description`` (why), ``source_url``, ``tags``, optionally ``fix`` (how to make a
    resource pass, for reports), and ``check``: a function
    ``(TemplateView) -> Iterable[Verdict]``, kept at module level so other stages can call it.
    Rule files reference this class as ``custom.TemplateRule``: cfn-lint instantiates every rule
    class a rule file's namespace holds, and this base is not a rule. ``match`` judges the
    template once per combination of its parameters' AllowedValues (``scenarios.over_parameters``).
    """

    check: Any = None
    fix: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {OUTCOMES_OPTION: {"default": False, "type": "boolean"}}
        self.configure()

    def match(self, cfn: Any) -> list[RuleMatch]:
        """One RuleMatch per verdict (FAILED only, unless ``report_outcomes`` is on)."""
        report_all = bool(self.config.get(OUTCOMES_OPTION))
        matches = []
        for verdict in over_parameters(TemplateView(cfn.template), type(self).check):
            if verdict.outcome is Outcome.NOT_APPLICABLE:
                continue
            if verdict.outcome is not Outcome.FAILED and not report_all:
                continue
            path = ["Resources", verdict.logical_id, *verdict.path] if verdict.logical_id else list(verdict.path)
            matches.append(RuleMatch(path, verdict.message, stackcheck_outcome=verdict.outcome.value))
        return matches


class PolicyCfnLintScanner(CfnLintScanner):
    """cfn-lint with ``<policies>/cfn_lint`` appended; the pack's rules report every outcome.

    A match of a pack rule becomes a finding with that verdict's status (UNKNOWN ones with
    severity ``UNRESOLVED_SEVERITY``); cfn-lint's E0002 naming a pack rule becomes an UNKNOWN
    ERROR finding of that rule. Raises ScannerError when the rules folder is missing.
    """

    def __init__(
        self,
        regions: Sequence[str] | None = None,
        policies: str | Path = DEFAULT_POLICIES,
        project_root: str | Path | None = None,
    ):
        rules_dir = Path(policies).resolve() / "cfn_lint"
        if not rules_dir.is_dir():
            raise ScannerError(
                f"policy pack folder {rules_dir} does not exist; the cfn-lint rules of the pack live there"
            )
        self._outcome_rules: dict[str, dict[str, Any]] = {}
        super().__init__(regions, append_rules=[str(rules_dir)], project_root=project_root)
        self.pack_rule_ids = frozenset(rule.id for rule in load_plugins(str(rules_dir)))
        self._outcome_rules = {
            rid: {OUTCOMES_OPTION: True}
            for rid, rule in self._rules.items()
            if rid in self.pack_rule_ids and OUTCOMES_OPTION in rule.config_definition
        }

    def _args(self):  # the base class builds cfn-lint's settings here
        args = super()._args()
        if self._outcome_rules:
            args["configure_rules"] = dict(self._outcome_rules)
        return args

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Lint one template; pack rules give PASSED/FAILED/UNKNOWN findings, other rules FAILED ones."""
        config = ConfigMixIn([], **self._args())
        matches = run_template_by_file_path(str(template_path), config, self._rules, ignore_bad_template=False)
        return [self._outcome(match, self._finding(match, template_path, stack_context)) for match in matches]

    def _outcome(self, match: Any, finding: Finding) -> Finding:
        if finding.rule_id == RULE_ERROR_ID:
            named = _E0002_RULE.search(finding.message)
            if named and named.group(1) in self.pack_rule_ids:
                rule = self._rules[named.group(1)]
                return dataclasses.replace(
                    finding,
                    rule_id=rule.id,
                    severity=Severity.ERROR,
                    status=Status.UNKNOWN,
                    help_url=rule.source_url or None,
                    message=f"rule {rule.id} raised an exception: {finding.message}; its verdicts on this "
                    "template are unknown (a rule bug: fix the rule, not the template)",
                )
            return finding
        outcome = getattr(match, "stackcheck_outcome", None)
        if outcome == Outcome.PASSED.value:
            return dataclasses.replace(finding, status=Status.PASSED)
        if outcome == Outcome.UNKNOWN.value:
            return dataclasses.replace(finding, status=Status.UNKNOWN, severity=UNRESOLVED_SEVERITY)
        return finding


# -- checkov ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckNote:
    """What a pack check decided on one resource, kept because checkov drops UNKNOWN results and messages."""

    logical_id: str
    resource_type: str
    verdict: Verdict
    crashed: bool = False


class ResourceCheck(BaseResourceCheck):
    """Base of the pack's checkov checks: the logic is ``evaluate(logical_id, resource_type, properties, resolver)``.

    Subclasses set ``id`` (CKV_TAP_n), ``outcome`` (the one-line "Ensure ..."), ``description``
    (why), ``source_url``, ``resource_types``, ``categories``, ``level`` (a Severity), optionally
    ``fix`` (how to make a resource pass, for reports), and
    ``evaluate``: a function ``(logical_id, resource_type, properties, TemplateView) -> Verdict``
    kept at module level so other stages can call it. The file ends with ``check = MyCheck()``.
    Every verdict is also kept in ``notes`` (checkov keeps PASSED and FAILED only, and
    no message); a check that raises gives an UNKNOWN note instead of propagating.
    """

    id: str = ""
    outcome: str = ""
    description: str = ""
    source_url: str = ""
    resource_types: tuple[str, ...] = ()
    categories: tuple[CheckCategories, ...] = (CheckCategories.GENERAL_SECURITY,)
    level: Severity = Severity.ERROR
    fix: str = ""
    evaluate: Any = None

    def __init__(self) -> None:
        super().__init__(
            name=self.outcome,
            id=self.id,
            categories=list(self.categories),
            supported_resources=list(self.resource_types),
            guideline=self.source_url,
        )
        self.severity = _CHECKOV_SEVERITY[self.level]  # type: ignore[assignment]  # checkov declares it None
        self.notes: list[CheckNote] = []

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        """checkov's entry point: PASSED/FAILED as checkov knows them, anything else UNKNOWN (noted)."""
        logical_id = str(self.entity_path).rsplit(":", 1)[-1]
        try:
            resource = clean(conf)
            properties = resource.get("Properties")
            if isinstance(properties, dict):
                properties.pop("resource_type", None)  # checkov adds it; CloudFormation has no such property
            view = TemplateView({"Resources": {logical_id: resource}}, whole=False)
            verdict = type(self).evaluate(
                logical_id, self.entity_type, properties if isinstance(properties, dict) else {}, view
            )
        except Exception as exc:
            self.notes.append(
                CheckNote(
                    logical_id, self.entity_type, Verdict(Outcome.UNKNOWN, crash_message(self.id, exc)), crashed=True
                )
            )
            return CheckResult.UNKNOWN
        if verdict.outcome is not Outcome.NOT_APPLICABLE:
            self.notes.append(CheckNote(logical_id, self.entity_type, verdict))
        if verdict.path:
            self.evaluated_keys = ["/".join(f"[{p}]" if isinstance(p, int) else str(p) for p in verdict.path)]
        return _CHECK_RESULT.get(verdict.outcome, CheckResult.UNKNOWN)


class PolicyCheckovScanner(CheckovScanner):
    """checkov with ``<policies>/checkov`` loaded as external checks.

    Findings of pack checks carry the check's own message and property path; UNKNOWN verdicts
    become UNKNOWN findings (severity ``UNRESOLVED_SEVERITY``), a check that raised an UNKNOWN
    ERROR finding. checkov's check registry is global to the process, so the pack's checks
    are in it only while this scanner scans: a plain CheckovScanner of the same process never
    runs them. Raises ScannerError when the folder is missing or a check file defines no check
    (checkov itself only logs a check that fails to import).
    """

    def __init__(self, policies: str | Path = DEFAULT_POLICIES):
        checks_dir = Path(policies).resolve() / "checkov"
        if not (checks_dir / "__init__.py").is_file():
            raise ScannerError(
                f"policy pack folder {checks_dir} does not exist or has no __init__.py; "
                "checkov loads external checks only from a package folder"
            )
        before = _registry_snapshot()
        try:
            cfn_registry.load_external_checks(str(checks_dir))
            checks = []
            for path in sorted(checks_dir.glob("[A-Za-z]*.py")):
                module = sys.modules.get(path.stem)
                check = getattr(module, "check", None)
                if not isinstance(check, ResourceCheck) or Path(getattr(module, "__file__", "")).resolve() != path:
                    raise ScannerError(
                        f"checkov check file {path} did not load a ResourceCheck as `check`; "
                        f"run `python {path}` to see the error"
                    )
                checks.append(check)
        finally:
            _registry_restore(before)  # the pack joins the registry only while this scanner works
        self.pack_checks = tuple(sorted(checks, key=lambda c: c.id))
        self._attach()
        try:
            super().__init__()  # reads the registry's ids, the pack's included
        finally:
            self._detach()

    def _attach(self) -> None:
        for check in self.pack_checks:
            cfn_registry.register(check)

    def _detach(self) -> None:
        ids = {check.id for check in self.pack_checks}
        for registry in (cfn_registry.checks, cfn_registry.wildcard_checks):
            for _entity, checks in registry.items():
                checks[:] = [c for c in checks if c.id not in ids]

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Run checkov on one template; pack checks' findings get their verdicts' messages, plus UNKNOWN ones."""
        for check in self.pack_checks:
            check.notes.clear()
        self._attach()
        try:
            findings = super().scan_template(template_path, stack_context)
        finally:
            self._detach()
        notes: dict[tuple[str, str | None], tuple[Any, CheckNote]] = {
            (c.id, n.logical_id): (c, n) for c in self.pack_checks for n in c.notes
        }
        result = []
        for finding in findings:
            entry = notes.pop((finding.rule_id, finding.logical_id), None)
            if entry and entry[1].verdict.outcome.value == finding.status.value:
                verdict = entry[1].verdict
                finding = dataclasses.replace(
                    finding, message=verdict.message, property_path=verdict.path or finding.property_path
                )
            result.append(finding)
        for check, note in notes.values():
            if note.verdict.outcome is not Outcome.UNKNOWN:
                continue  # checkov reported it already (or skipped it inline: the adapter's UNKNOWN)
            line = template_line(template_path, ("Resources", note.logical_id, *note.verdict.path))
            result.append(
                Finding(
                    rule_id=check.id,
                    severity=Severity.ERROR if note.crashed else UNRESOLVED_SEVERITY,
                    tool=self.tool,
                    stack=stack_context.stack,
                    logical_id=note.logical_id,
                    resource_type=stack_context.resource_type(note.logical_id) or note.resource_type,
                    construct_path=stack_context.construct_path(note.logical_id),
                    template_file=str(template_path),
                    line=line,
                    property_path=note.verdict.path,
                    message=note.verdict.message,
                    status=Status.UNKNOWN,
                    help_url=check.source_url or None,
                )
            )
        return result


# -- the pack as data -------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInfo:
    """One rule of the policy pack: what RULES.md and the registry test list.

    ``tool`` is ``cfn-lint``, ``checkov`` or ``stackcheck-assembly``; ``name`` the rule's class
    name; ``evaluate`` the rule's plain function (``check`` of a TemplateRule, ``evaluate`` of a
    ResourceCheck or an assembly rule); ``file`` the rule file.
    """

    id: str
    name: str
    tool: str
    outcome: str
    description: str
    source_url: str
    severity: Severity
    file: Path
    evaluate: Any


def pack_rules(policies: str | Path = DEFAULT_POLICIES) -> list[RuleInfo]:
    """Every rule of the pack in ``policies`` (cfn-lint rules, checkov checks, assembly rules), by id.

    Imports each rule file (checkov's check registry is left as it was). Raises ScannerError
    for a file that defines no rule.
    """
    from stackcheck.scan.assembly_rules import load_rules

    root = Path(policies).resolve()
    rules: list[RuleInfo] = []
    for path in sorted((root / "cfn_lint").glob("[A-Za-z]*.py")):
        module = import_rule_file(path)
        found: list[Any] = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, CloudFormationLintRule) and v.__module__ == module.__name__
        ]
        if not found:
            raise ScannerError(f"cfn-lint rule file {path} defines no rule class")
        for cls in found:
            rules.append(
                RuleInfo(
                    id=cls.id,
                    name=cls.__name__,
                    tool="cfn-lint",
                    outcome=cls.shortdesc,
                    description=cls.description,
                    source_url=cls.source_url,
                    severity={"E": Severity.ERROR, "W": Severity.WARNING}.get(cls.id[:1], Severity.INFO),
                    file=path,
                    evaluate=getattr(cls, "check", None),
                )
            )
    for path in sorted((root / "checkov").glob("[A-Za-z]*.py")):
        before = _registry_snapshot()
        try:
            check = getattr(import_rule_file(path), "check", None)
        finally:  # importing a check file registers its check with checkov: put the registry back
            _registry_restore(before)
        if not isinstance(check, ResourceCheck):
            raise ScannerError(f"checkov check file {path} has no `check = MyCheck()` at its end")
        rules.append(
            RuleInfo(
                id=check.id,
                name=type(check).__name__,
                tool="checkov",
                outcome=check.outcome,
                description=check.description,
                source_url=check.source_url,
                severity=check.level,
                file=path,
                evaluate=type(check).evaluate,
            )
        )
    for rule in load_rules(root / "assembly"):
        rules.append(
            RuleInfo(
                id=rule.id,
                name=type(rule).__name__,
                tool="stackcheck-assembly",
                outcome=rule.outcome,
                description=rule.description,
                source_url=rule.source_url,
                severity=rule.severity,
                file=rule.file,
                evaluate=type(rule).evaluate,
            )
        )
    return sorted(rules, key=lambda r: r.id)


def _registry_snapshot() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    return (
        {e: list(c) for e, c in cfn_registry.checks.items()},
        {e: list(c) for e, c in cfn_registry.wildcard_checks.items()},
    )


def _registry_restore(snapshot: tuple[dict[str, list[Any]], dict[str, list[Any]]]) -> None:
    for registry, saved in zip((cfn_registry.checks, cfn_registry.wildcard_checks), snapshot, strict=False):
        for entity, checks in registry.items():
            checks[:] = saved.get(entity, [])
