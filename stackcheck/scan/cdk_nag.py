"""cdk-nag adapter: the AwsSolutions reports cdk-nag wrote into the cloud assembly at synthesis → Findings.

cdk-nag runs inside the app as an aspect (``stackcheck.assembly`` adds ``AwsSolutionsChecks`` to
every App it synthesizes), not on templates, so this adapter reads what it left in the cloud
assembly: ``AwsSolutions-<stage id>-<stack name>-NagReport.json`` (``{"lines": [{ruleId,
resourceId, compliance, exceptionReason, ruleLevel, ruleInfo}]}``; CSV with the same columns
when only CSV is there). Rule ids, causes and levels come from the pack's RULES.md, shipped in
the installed package. See https://github.com/cdklabs/cdk-nag#readme and its RULES.md.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from stackcheck.errors import BadInputError, NextStep, ScannerError
from stackcheck.files import read_json, read_text
from stackcheck.findings import Finding, RuleDoc, Severity, Status
from stackcheck.scan.base import StackContext

__all__ = [
    "NOT_RUN_RULE",
    "PACK",
    "CdkNagScanner",
    "NagReportLine",
    "NagRule",
    "pack_rules",
    "read_reports",
]

PACK = "AwsSolutions"
NOT_RUN_RULE = "stackcheck.cdk-nag-not-run"
"""Rule id of the UNKNOWN finding that says the cloud assembly holds no cdk-nag report."""

_VERSION = metadata.version("cdk-nag")
HELP_URL = f"https://github.com/cdklabs/cdk-nag/blob/v{_VERSION}/RULES.md#aws-solutions"
_SEVERITY = {"Error": Severity.ERROR, "Warning": Severity.WARNING, "Info": Severity.INFO}
_CSV_COLUMNS = ("Rule ID", "Resource ID", "Compliance", "Exception Reason", "Rule Level", "Rule Info")


@dataclass(frozen=True)
class NagRule:
    """One rule of the pack as RULES.md documents it: id, level (``Error``/``Warning``), cause, explanation."""

    rule_id: str
    level: str
    cause: str
    explanation: str


@dataclass(frozen=True)
class NagReportLine:
    """One row of a cdk-nag report.

    ``construct_path`` is cdk-nag's ``resourceId`` with a leading ``/`` (the form the cloud
    assembly metadata uses); ``compliance`` is ``Compliant``, ``Non-Compliant``, ``UNKNOWN``
    (the rule threw) or ``Suppressed`` (a NagSuppressions entry in the app); ``level`` is
    ``Error``, ``Warning`` or ``Info``.
    """

    rule_id: str
    construct_path: str
    compliance: str
    exception_reason: str
    level: str
    info: str
    report_file: str


@functools.lru_cache(maxsize=1)
def pack_rules() -> dict[str, NagRule]:
    """AwsSolutions rules by id, read from the RULES.md inside the installed cdk-nag package.

    Reads the npm tarball jsii ships (``cdk_nag/_jsii/cdk-nag@<version>.jsii.tgz``) without
    importing ``cdk_nag`` (which would start a Node.js process). Raises ScannerError when the
    package or its RULES.md cannot be found or lists no AwsSolutions rule.
    """
    spec = importlib.util.find_spec("cdk_nag")
    if spec is None or not spec.submodule_search_locations:
        raise ScannerError("cdk-nag is not installed; it is a dependency of stackcheck (pip install -e .)")
    tarball = Path(next(iter(spec.submodule_search_locations))) / "_jsii" / f"cdk-nag@{_VERSION}.jsii.tgz"
    try:
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/RULES.md")
            text = member.read().decode("utf-8") if member else ""
    except (OSError, KeyError, tarfile.TarError) as exc:
        raise ScannerError(f"cannot read cdk-nag's RULES.md from {tarball}: {exc}") from None
    return _parse_rules(text)


_SECTION = re.compile(r"^## AWS Solutions\s*$(.*?)(?=^## |\Z)", re.M | re.S)
_ROW = re.compile(r"^\|\s*(AwsSolutions-[A-Za-z0-9]+)\s*\|([^|]*)\|([^|]*)\|", re.M)


def _parse_rules(text: str) -> dict[str, NagRule]:
    section = _SECTION.search(text)
    rules: dict[str, NagRule] = {}
    if section:
        level = "Error"
        for block in re.split(r"^### ", section.group(1), flags=re.M):
            title = block.split("\n", 1)[0].strip().lower()
            if title.startswith("warning"):
                level = "Warning"
            elif title.startswith("error"):
                level = "Error"
            elif title.startswith("excluded"):
                continue
            for rule_id, cause, explanation in _ROW.findall(block):
                rules[rule_id] = NagRule(rule_id, level, cause.strip(), explanation.strip())
    if not rules:
        raise ScannerError(f"cdk-nag {_VERSION}'s RULES.md lists no {PACK} rule; is the package intact?")
    return rules


def report_files(directory: str | Path) -> list[Path]:
    """The pack's report files in ``directory``: JSON ones, else CSV ones (sorted)."""
    root = Path(directory)
    return sorted(root.glob(f"{PACK}-*-NagReport.json")) or sorted(root.glob(f"{PACK}-*-NagReport.csv"))


def read_reports(directory: str | Path) -> list[NagReportLine]:
    """Every row of every AwsSolutions report in the cloud assembly ``directory``, file by file.

    Raises BadInputError naming the file when a report is unreadable, not JSON/CSV of cdk-nag's
    shape, or has a row without a rule id or resource id.
    """
    lines: list[NagReportLine] = []
    for path in report_files(directory):
        rows = _json_rows(path) if path.suffix == ".json" else _csv_rows(path, read_text(path, what="cdk-nag report"))
        for number, row in enumerate(rows, start=1):
            rule_id, resource = row.get("ruleId"), row.get("resourceId")
            if not isinstance(rule_id, str) or not rule_id or not isinstance(resource, str) or not resource:
                raise BadInputError(
                    f"cdk-nag report {path}: row {number} has no ruleId/resourceId", next_step=NextStep.RESYNTH
                )
            lines.append(
                NagReportLine(
                    rule_id=rule_id,
                    construct_path="/" + resource.lstrip("/"),
                    compliance=str(row.get("compliance", "")),
                    exception_reason=str(row.get("exceptionReason") or ""),
                    level=str(row.get("ruleLevel") or ""),
                    info=str(row.get("ruleInfo") or ""),
                    report_file=str(path),
                )
            )
    return lines


def _json_rows(path: Path) -> list[Mapping[str, Any]]:
    data = read_json(path, what="cdk-nag report", next_step=NextStep.RESYNTH)
    rows = data.get("lines") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BadInputError(f'cdk-nag report {path} has no "lines" list of objects', next_step=NextStep.RESYNTH)
    return rows


def _csv_rows(path: Path, text: str) -> list[Mapping[str, Any]]:
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(header) != _CSV_COLUMNS:
        raise BadInputError(f"cdk-nag report {path} does not start with the header {','.join(_CSV_COLUMNS)}")
    keys = ("ruleId", "resourceId", "compliance", "exceptionReason", "ruleLevel", "ruleInfo")
    return [dict(zip(keys, row, strict=False)) for row in reader if row]


class CdkNagScanner:
    """cdk-nag's AwsSolutions pack, as reported in the cloud assembly at synthesis.

    ``assembly_only``: a template outside a cloud assembly has no report (cdk-nag needs the
    app), so the scan command leaves this adapter out for ``--template`` scans.
    """

    tool = "cdk-nag"
    reports_passes = True
    version = _VERSION
    assembly_only = True

    def __init__(self) -> None:
        self._rules = pack_rules()

    def rule_ids(self) -> frozenset[str]:
        """Every AwsSolutions rule id (``AwsSolutions-IAM4`` …), for ledger validation."""
        return frozenset(self._rules)

    def rule_description(self, rule_id: str) -> str | None:
        """The rule's cause as RULES.md states it, or None for an unknown id."""
        rule = self._rules.get(rule_id)
        return rule.cause if rule else None

    def rule_doc(self, rule_id: str) -> RuleDoc | None:
        """The rule's cause, explanation and level as RULES.md states them; None for an unknown id."""
        rule = self._rules.get(rule_id)
        if rule is None:
            return None
        return RuleDoc(
            rule_id=rule_id,
            outcome=rule.cause,
            description=rule.explanation,
            help_url=HELP_URL,
            tags=("cdk-nag", PACK),
            severity=_SEVERITY.get(rule.level, Severity.ERROR),
        )

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Findings for the stack of ``template_path``, from the reports in its cloud assembly folder.

        A row belongs to this stack when its construct path is one of the stack's (the logical ID
        comes from the assembly) or starts with ``/<stack id>/``. Compliant → PASSED,
        Non-Compliant → FAILED, UNKNOWN (the rule threw) → UNKNOWN, Suppressed (a NagSuppressions
        entry in the app) → UNKNOWN of severity ERROR asking for a ledger entry instead.
        A cloud assembly without any report gives one UNKNOWN WARNING finding (cdk-nag did not
        run); a template outside a cloud assembly gives none. Raises BadInputError for a
        malformed report.
        """
        directory = Path(template_path).parent
        if not (directory / "manifest.json").is_file():
            return []
        if not report_files(directory):
            return [
                Finding(
                    rule_id=NOT_RUN_RULE,
                    severity=Severity.WARNING,
                    tool=self.tool,
                    stack=stack_context.stack,
                    message=f"cdk-nag did not run: {directory} holds no {PACK}-*-NagReport.json; synthesize with "
                    "cdk-nag on (`stackcheck synth`, without `-c stackcheck:cdk-nag=false`)",
                    status=Status.UNKNOWN,
                    template_file=str(template_path),
                )
            ]
        by_path = {path: logical_id for logical_id, path in stack_context.construct_paths.items()}
        prefix = f"/{stack_context.stack}/"
        lines = [
            line
            for line in read_reports(directory)
            if line.construct_path in by_path or line.construct_path.startswith(prefix)
        ]
        line_numbers = _resource_lines(template_path) if lines else {}
        findings = []
        for line in lines:
            logical_id = by_path.get(line.construct_path)
            findings.append(
                self._finding(line, logical_id, line_numbers.get(logical_id or ""), template_path, stack_context)
            )
        return findings

    def _finding(
        self,
        line: NagReportLine,
        logical_id: str | None,
        line_number: int | None,
        template_path: Path,
        context: StackContext,
    ) -> Finding:
        severity = _SEVERITY.get(line.level, Severity.ERROR)
        where = f"`{logical_id}`" if logical_id else f"construct {line.construct_path}"
        info = (line.info or self.rule_description(line.rule_id) or line.rule_id).rstrip(".")
        if line.compliance == "Compliant":
            status, message = Status.PASSED, f"{where}: compliant with {line.rule_id}"
        elif line.compliance == "Non-Compliant":
            status, message = Status.FAILED, f"{where}: {info}."
        elif line.compliance == "Suppressed":
            status, severity = Status.UNKNOWN, Severity.ERROR
            message = (
                f"{where}: {info}: not evaluated, the app suppresses it with NagSuppressions "
                f"({line.exception_reason!r}); remove the suppression from the app and add a ledger entry instead"
            )
        else:
            status = Status.UNKNOWN
            message = (
                f"{where}: {line.rule_id} could not be evaluated (the rule threw, usually on a value built "
                f"from an intrinsic function); no verdict on: {info}"
            )
        return Finding(
            rule_id=line.rule_id,
            severity=severity,
            tool=self.tool,
            stack=context.stack,
            logical_id=logical_id,
            resource_type=context.resource_type(logical_id),
            construct_path=line.construct_path,
            template_file=str(template_path),
            line=line_number,
            message=message,
            status=status,
            help_url=HELP_URL,
        )


def _resource_lines(template_path: Path) -> dict[str, int]:
    """Logical ID → 1-based line of its key under ``Resources`` (what checkov reports as the start line)."""
    from cfnlint.decode import decode

    template, _ = decode(str(template_path))
    resources = (template or {}).get("Resources") or {}
    lines = {}
    for key in resources:
        mark = getattr(key, "start_mark", None)
        if mark is not None:
            lines[str(key)] = mark.line + 1
    return lines
