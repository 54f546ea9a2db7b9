"""checkov 3.x adapter: CloudFormation checks run in-process per template, records → Findings.

Follows checkov's CloudFormation runner API (``checkov.cloudformation.runner.Runner().run(
root_folder=None, files=[...], runner_filter=RunnerFilter(framework=["cloudformation"]))``):
the returned Report holds ``passed_checks`` and ``failed_checks`` records with
``check_id``, ``resource`` (``AWS::S3::Bucket.MyBucket``) and ``file_line_range``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from checkov.cloudformation.checks.resource.registry import cfn_registry
from checkov.cloudformation.runner import Runner
from checkov.common.models.enums import CheckResult
from checkov.runner_filter import RunnerFilter
from checkov.version import version as _checkov_version

from stackcheck.errors import ScannerError
from stackcheck.findings import Finding, PropertyPath, RuleDoc, Severity, Status
from stackcheck.scan.base import StackContext

__all__ = ["CheckovScanner", "evaluated_keys_path"]

# checkov knows a check's severity only from the Prisma Cloud platform; offline it is None and
# a failed check still fails the gate, so None maps to ERROR.
_SEVERITY = {
    "CRITICAL": Severity.ERROR,
    "HIGH": Severity.ERROR,
    "MEDIUM": Severity.WARNING,
    "LOW": Severity.INFO,
    "INFO": Severity.INFO,
}
_STATUS = {CheckResult.PASSED: Status.PASSED, CheckResult.FAILED: Status.FAILED, CheckResult.SKIPPED: Status.UNKNOWN}


class CheckovScanner:
    """checkov's CloudFormation checks, registries loaded once; one fresh Runner per template.

    A Runner caches the definitions it parsed, so reusing one would rescan the first template.
    Inline ``Metadata: checkov: skip`` entries are not honoured (the ledger is the one place to
    suppress): checkov does not evaluate a skipped check, so it becomes an UNKNOWN finding of
    severity ERROR asking for the skip to move into the ledger.
    """

    tool = "checkov"
    reports_passes = True
    version = _checkov_version

    def __init__(self) -> None:
        logging.getLogger("checkov").setLevel(logging.WARNING)
        graph_registry = Runner().graph_registry
        graph_registry.load_checks()
        checks: dict[str, Any] = {}
        for registry in (cfn_registry.checks, cfn_registry.wildcard_checks):
            for entity_checks in registry.values():
                checks.update({check.id: check for check in entity_checks})
        checks.update({check.id: check for check in graph_registry.checks})
        self._checks = checks
        self._rule_ids = frozenset(checks)

    def rule_doc(self, rule_id: str) -> RuleDoc | None:
        """The check's name (its one-line outcome), guideline and categories; None for an unknown id.

        A check may also set ``description``, ``source_url``, ``level`` (a Severity) and ``fix``
        (the policy pack's ResourceCheck has them, see stackcheck.scan.custom); checkov's own checks have no
        severity offline.
        """
        check = self._checks.get(rule_id)
        if check is None:
            return None
        categories = getattr(check, "categories", None) or [getattr(check, "category", None)]
        level = getattr(check, "level", None)
        return RuleDoc(
            rule_id=rule_id,
            outcome=str(check.name or rule_id),
            description=str(getattr(check, "description", "") or ""),
            help_url=getattr(check, "source_url", None) or check.guideline or None,
            tags=tuple(str(getattr(c, "name", c)).lower() for c in categories if c is not None),
            severity=level if isinstance(level, Severity) else None,
            fix=str(getattr(check, "fix", "") or ""),
        )

    def rule_ids(self) -> frozenset[str]:
        """Every CloudFormation check id checkov knows: resource checks and graph checks (CKV2_...)."""
        return self._rule_ids

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Run checkov on one template; one finding per check × resource (PASSED, FAILED, or UNKNOWN if skipped inline).

        Raises ScannerError when checkov reports the template as unparsable.
        """
        report = Runner().run(
            root_folder=None,
            files=[str(template_path)],
            runner_filter=RunnerFilter(framework=["cloudformation"], show_progress_bar=False),
        )
        reports = report if isinstance(report, list) else [report]
        findings: list[Finding] = []
        for rep in reports:
            if rep.parsing_errors:
                raise ScannerError(f"checkov could not parse {', '.join(rep.parsing_errors)}")
            for record in [*rep.failed_checks, *rep.passed_checks, *rep.skipped_checks]:
                findings.append(self._finding(record, template_path, stack_context))
        return findings

    def _finding(self, record: Any, template_path: Path, context: StackContext) -> Finding:
        logical_id: str | None
        resource_type, _, logical_id = str(record.resource).rpartition(".")
        if "::" not in resource_type:  # not "Type.LogicalId": a finding about the template itself
            resource_type, logical_id = "", ""
        logical_id = logical_id or None
        line_range = record.file_line_range or []
        result = record.check_result["result"]
        level = getattr(record.severity, "name", None) if record.severity else None
        severity = _SEVERITY.get(str(level).upper(), Severity.ERROR)
        message = record.check_name
        if result is CheckResult.SKIPPED:
            severity = Severity.ERROR
            comment = record.check_result.get("suppress_comment") or "no comment"
            message = (
                f"{record.check_name}: not evaluated, the template skips it inline ({comment!r}); "
                "remove the checkov skip from the resource Metadata and add a ledger entry instead"
            )
        return Finding(
            rule_id=record.check_id,
            severity=severity,
            tool=self.tool,
            stack=context.stack,
            logical_id=logical_id,
            resource_type=context.resource_type(logical_id) or resource_type or None,
            construct_path=context.construct_path(logical_id),
            template_file=str(template_path),
            line=line_range[0] if line_range and isinstance(line_range[0], int) and line_range[0] >= 1 else None,
            property_path=evaluated_keys_path((record.check_result or {}).get("evaluated_keys") or ()),
            message=message,
            status=_STATUS[result],
            help_url=record.guideline or None,
        )


def evaluated_keys_path(keys: Iterable[str]) -> PropertyPath:
    """Longest common property path of checkov's ``evaluated_keys``.

    ``["Properties/PublicAccessBlockConfiguration/BlockPublicAcls"]`` →
    ``("Properties", "PublicAccessBlockConfiguration", "BlockPublicAcls")``; ``[0]`` becomes 0.
    """
    paths = [tuple(_segment(s) for s in key.split("/") if s != "") for key in keys if isinstance(key, str)]
    if not paths:
        return ()
    common: list[str | int] = []
    for parts in zip(*paths, strict=False):
        if any(p != parts[0] for p in parts):
            break
        common.append(parts[0])
    return tuple(common)


def _segment(text: str) -> str | int:
    if text.startswith("[") and text.endswith("]") and text[1:-1].isdigit():
        return int(text[1:-1])
    return text
