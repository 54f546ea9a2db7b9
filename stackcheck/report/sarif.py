"""The SARIF 2.1.0 scan report (``reports/scan.sarif``): one run per tool, results pointing at template lines and construct paths.

Follows the OASIS SARIF 2.1.0 standard
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning reads
it (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from stackcheck.files import REPORTS_DIR, SCAN_SARIF, atomic_write_json
from stackcheck.findings import Finding, Severity, Status

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.baseline import BaselineComparison
    from stackcheck.scan.runner import ScanResult

__all__ = [
    "FALLBACK_HELP_URIS",
    "FINGERPRINT_KEY",
    "SARIF_FILE",
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "SRCROOT",
    "TOOL_URIS",
    "build_sarif",
    "relative_location",
    "write_sarif",
]

SARIF_FILE = SCAN_SARIF
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "SRCROOT"
"""``uriBaseId`` of every template location: the repository root (``originalUriBaseIds``)."""
FINGERPRINT_KEY = "stackcheck/v1"
"""Key of ``Finding.fingerprint`` in each result's ``partialFingerprints``."""
TOOL_URIS = {
    "cfn-lint": "https://github.com/aws-cloudformation/cfn-lint",
    "checkov": "https://www.checkov.io/",
    "cdk-nag": "https://github.com/cdklabs/cdk-nag",
}
# Where a rule's help is when the finding carries no help URL (checkov has guidelines only online).
FALLBACK_HELP_URIS = {"checkov": "https://www.checkov.io/5.Policy%20Index/cloudformation.html"}
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Findings a SARIF consumer should see; passes would only bury them.
_REPORTED = (Status.FAILED, Status.SUPPRESSED, Status.UNKNOWN)


def relative_location(template_file: str, root: str | os.PathLike[str] = ".") -> tuple[str, bool]:
    """``(path, inside)``: ``template_file`` relative to ``root`` (POSIX form) when it lies under it, else absolute."""
    base = Path(root).resolve()
    path = Path(template_file)
    absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        return absolute.relative_to(base).as_posix(), True
    except ValueError:
        return absolute.as_posix(), False


def _artifact_location(template_file: str, root: str | os.PathLike[str]) -> dict[str, Any]:
    path, inside = relative_location(template_file, root)
    if inside:
        return {"uri": quote(path), "uriBaseId": SRCROOT}
    return {"uri": Path(path).as_uri()}


def _level(finding: Finding) -> str:
    return "note" if finding.status is Status.UNKNOWN else _LEVEL[finding.severity]


def _usable_uri(url: str | None) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _rules(tool: str, findings: Sequence[Finding], scanner: Any) -> list[dict[str, Any]]:
    describe = getattr(scanner, "rule_description", None)
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if finding.rule_id in rules:
            continue
        text = (describe(finding.rule_id) if describe else None) or finding.message or finding.rule_id
        rule: dict[str, Any] = {"id": finding.rule_id, "shortDescription": {"text": text}}
        help_uri = _usable_uri(finding.help_url) or FALLBACK_HELP_URIS.get(tool)
        if help_uri:
            rule["helpUri"] = help_uri
        rules[finding.rule_id] = rule
    return list(rules.values())


def _result(
    finding: Finding, rule_index: int, root: str | os.PathLike[str], baseline_state: str | None
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(finding.template_file, root)}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.construct_path or finding.logical_id:
        logical: dict[str, Any] = {
            "fullyQualifiedName": finding.construct_path or f"{finding.stack}/{finding.logical_id}",
            "kind": "resource",
        }
        if finding.logical_id:
            logical["name"] = finding.logical_id
        location["logicalLocations"] = [logical]
    properties: dict[str, Any] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "stack": finding.stack,
    }
    if finding.status is Status.UNKNOWN:
        properties["unknown"] = True  # no verdict: the check could not decide or did not run
    for key, value in (
        ("logicalId", finding.logical_id),
        ("resourceType", finding.resource_type),
        ("constructPath", finding.construct_path),
    ):
        if value:
            properties[key] = value
    if finding.property_path:
        properties["propertyPath"] = list(finding.property_path)
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _level(finding),
        "message": {"text": finding.message or finding.rule_id},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.suppression is not None:
        suppression = finding.suppression
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": suppression.reason,
                "properties": {
                    "owner": suppression.owner,
                    "source": suppression.source,
                    "expires": suppression.expires.isoformat() if suppression.expires else None,
                },
            }
        ]
    if baseline_state:
        result["baselineState"] = baseline_state
    return result


def _tool_order(result: ScanResult) -> list[str]:
    order = list(result.tools)
    for name in [u.tool for u in result.units] + [f.tool for f in result.findings]:
        if name not in order:
            order.append(name)
    return order


def build_sarif(
    result: ScanResult,
    *,
    root: str | os.PathLike[str] = ".",
    scanners: Iterable[object] = (),
    comparison: BaselineComparison | None = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``result`` as a JSON-ready dict.

    One run per tool (the tools ``result`` ran, in order, then any other tool its findings
    name), each with ``tool.driver`` name, version, informationUri and the rules its results
    use (id, shortDescription: the scanner's ``rule_description(rule_id)`` when it has one, else
    the first finding's message; helpUri from the finding's help URL, else ``FALLBACK_HELP_URIS``). Results are the FAILED,
    SUPPRESSED and UNKNOWN findings: level from severity (error/warning/note; UNKNOWN is always
    note with ``properties.unknown``), the template file relative to ``root`` (``uriBaseId``
    ``SRCROOT``) and line, the construct path as a logical location, the fingerprint under
    ``partialFingerprints["stackcheck/v1"]``, ledger suppressions as ``external`` suppressions
    with the reason as justification, and ``baselineState`` new/unchanged for failures when
    ``comparison`` is given.
    """
    by_tool = {getattr(s, "tool", None): s for s in scanners}
    new = {f.fingerprint for f in comparison.new} if comparison else set()
    known = {f.fingerprint for f in comparison.known} if comparison else set()
    root_uri = Path(root).resolve().as_uri().rstrip("/") + "/"
    runs = []
    for tool in _tool_order(result):
        findings = [f for f in result.findings if f.tool == tool and f.status in _REPORTED]
        rules = _rules(tool, findings, by_tool.get(tool))
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        driver: dict[str, Any] = {"name": tool, "rules": rules}
        version = (result.tools.get(tool) or {}).get("version")
        if version:
            driver["version"] = str(version)
        if tool in TOOL_URIS:
            driver["informationUri"] = TOOL_URIS[tool]
        results = []
        for finding in findings:
            state = None
            if comparison is not None and finding.fingerprint in new | known:
                state = "new" if finding.fingerprint in new else "unchanged"
            results.append(_result(finding, index[finding.rule_id], root, state))
        crashed = any(u.crashed for u in result.units if u.tool == tool)
        runs.append(
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                "invocations": [{"executionSuccessful": not crashed}],
                "results": results,
            }
        )
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def write_sarif(
    result: ScanResult,
    report_dir: str | os.PathLike[str] = REPORTS_DIR,
    *,
    root: str | os.PathLike[str] = ".",
    scanners: Iterable[object] = (),
    comparison: BaselineComparison | None = None,
) -> Path:
    """Write ``build_sarif`` to ``<report_dir>/scan.sarif`` atomically; returns the path."""
    log = build_sarif(result, root=root, scanners=scanners, comparison=comparison)
    return atomic_write_json(Path(report_dir) / SARIF_FILE, log)
