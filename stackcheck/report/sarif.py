"""The SARIF 2.1.0 scan report (``reports/scan.sarif``), written for GitHub code scanning: one run per tool, results at the app line that made the construct.

Follows the OASIS SARIF 2.1.0 standard
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning reads
it (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):

- Location: each result's ``physicalLocation`` is the line of the app's source (``infra/...``)
  that created the construct, or its nearest ancestor the app made (recorded at in-process
  synthesis, ``stackcheck.assembly.callsites``), relative to the repository root (``uriBaseId``
  ``SRCROOT``), so code scanning can show the code and annotate the pull request. The
  template line in the cloud assembly (gitignored) is kept as ``relatedLocations[0]``. Without a
  recorded call site (an assembly the cdk CLI synthesized) the template line stays primary.
- Verdicts: FAILED is ``kind: "fail"`` at the severity's level (ERROR → ``error``, WARNING →
  ``warning``, INFO → ``note``). UNKNOWN (no verdict: a value could not be resolved, or a check
  crashed) is ``kind: "open"`` with ``level: "none"``, the spec's encoding of "could not decide",
  never an alert-raising ``fail``.
- Suppressions: GitHub code scanning does not dismiss an alert because its result carries SARIF
  ``suppressions`` (it opens the alert anyway; the advanced-security/dismiss-alerts action
  exists to bridge that). So suppressed findings are left out of the log by default: an alert
  opened earlier for one is closed as fixed by the next upload, and the ledger's reason, owner and
  expiry stay in ``scan.json`` and ``scan.md``. Each run counts them in
  ``properties["stackcheck/suppressed"]``. ``include_suppressed=True`` keeps them, with an
  ``external`` / ``accepted`` suppression carrying the ledger reason as justification (and an
  empty ``suppressions`` on every other result, as the spec asks of a run), for consumers that honour
  suppressions or for the dismiss-alerts action.
- Rules: ``shortDescription`` is the rule's one-line outcome, ``fullDescription`` why it
  matters, ``help`` (text and Markdown) both and the fix, ``helpUri`` the documentation,
  ``defaultConfiguration.level`` the rule's level, ``properties.tags`` ``security`` plus the
  tool's categories, and ``properties["security-severity"]`` GitHub's score from the rule's
  severity: ERROR "7.0" (high), WARNING "4.0" (medium), INFO "1.0" (low).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from stackcheck.assembly.callsites import CallSites, load_call_sites
from stackcheck.files import REPORTS_DIR, SCAN_SARIF, atomic_write_json
from stackcheck.findings import Finding, RuleDoc, Severity, Status

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.baseline import BaselineComparison
    from stackcheck.scan.runner import ScanResult

__all__ = [
    "DEFAULT_FIX",
    "FALLBACK_HELP_URIS",
    "FINGERPRINT_KEY",
    "SARIF_FILE",
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "SECURITY_SEVERITY",
    "SRCROOT",
    "SUPPRESSED_COUNT_KEY",
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
SECURITY_SEVERITY = {Severity.ERROR: "7.0", Severity.WARNING: "4.0", Severity.INFO: "1.0"}
"""``properties["security-severity"]`` of a rule by its severity: GitHub's high, medium and low bands."""
SUPPRESSED_COUNT_KEY = "stackcheck/suppressed"
"""Run property: how many of the tool's findings the ledger suppressed (left out unless ``include_suppressed``)."""
DEFAULT_FIX = (
    "Each result's message names the resource, the property and the value to use: change the construct "
    "at the result's location in the app. A finding the team accepts goes into the suppression ledger "
    "with a reason, an owner and an expiry date."
)
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


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


def _usable_uri(url: str | None) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _rule_doc(rule_id: str, findings: Sequence[Finding], scanner: Any) -> RuleDoc:
    """The scanner's ``rule_doc``; else its ``rule_description`` (or the first finding's message) as outcome."""
    document = getattr(scanner, "rule_doc", None)
    doc = document(rule_id) if document else None
    if isinstance(doc, RuleDoc):
        return doc
    describe = getattr(scanner, "rule_description", None)
    first = findings[0]
    outcome = (describe(rule_id) if describe else None) or first.message or rule_id
    return RuleDoc(rule_id=rule_id, outcome=outcome, help_url=first.help_url)


def _rule(tool: str, doc: RuleDoc, findings: Sequence[Finding]) -> dict[str, Any]:
    # A rule's declared severity; else the worst among its verdicts (an UNKNOWN's is no verdict).
    judged = [f.severity for f in findings if f.status is not Status.UNKNOWN] or [f.severity for f in findings]
    severity = doc.severity or max(judged, key=_RANK.__getitem__)
    why = doc.description or doc.outcome
    fix = doc.fix or DEFAULT_FIX
    help_uri = _usable_uri(doc.help_url) or _usable_uri(findings[0].help_url) or FALLBACK_HELP_URIS.get(tool)
    because = f"\n\n{doc.description}" if doc.description else ""
    text = f"{doc.outcome}{because}\n\nFix: {fix}" + (f"\n\nDocumentation: {help_uri}" if help_uri else "")
    markdown = f"**{doc.outcome}**{because}\n\n**Fix:** {fix}" + (
        f"\n\n[Documentation]({help_uri})" if help_uri else ""
    )
    rule: dict[str, Any] = {
        "id": doc.rule_id,
        "shortDescription": {"text": doc.outcome},
        "fullDescription": {"text": why},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "tags": ["security", *dict.fromkeys(t for t in doc.tags if t != "security")],
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _rules(tool: str, findings: Sequence[Finding], scanner: Any) -> list[dict[str, Any]]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    return [_rule(tool, _rule_doc(rule_id, group, scanner), group) for rule_id, group in by_rule.items()]


def _template_location(finding: Finding, root: str | os.PathLike[str]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(finding.template_file, root)}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    return physical


def _locations(
    finding: Finding, root: str | os.PathLike[str], sites: CallSites
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(primary location, related locations): the app's call site with the template line related, else the template line."""
    location: dict[str, Any] = {}
    site = sites.locate(finding.construct_path or finding.stack)
    related: list[dict[str, Any]] = []
    if site is not None:
        location["physicalLocation"] = {
            "artifactLocation": _artifact_location(str(site.file), root),
            "region": {"startLine": site.line},
        }
        where = f"`{finding.logical_id}`" if finding.logical_id else f"stack {finding.stack}"
        related.append(
            {
                "id": 0,
                "physicalLocation": _template_location(finding, root),
                "message": {"text": f"{where} in the synthesized template"},
            }
        )
    else:
        location["physicalLocation"] = _template_location(finding, root)
    if finding.construct_path or finding.logical_id:
        logical: dict[str, Any] = {
            "fullyQualifiedName": finding.construct_path or f"{finding.stack}/{finding.logical_id}",
            "kind": "resource",
        }
        if finding.logical_id:
            logical["name"] = finding.logical_id
        location["logicalLocations"] = [logical]
    return location, related


def _result(
    finding: Finding,
    rule_index: int,
    root: str | os.PathLike[str],
    baseline_state: str | None,
    sites: CallSites,
    with_suppressions: bool,
) -> dict[str, Any]:
    location, related = _locations(finding, root, sites)
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
    unknown = finding.status is Status.UNKNOWN
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "kind": "open" if unknown else "fail",
        "level": "none" if unknown else _LEVEL[finding.severity],
        "message": {"text": finding.message or finding.rule_id},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if related:
        result["relatedLocations"] = related
    if with_suppressions:
        result["suppressions"] = []
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
        if suppression.framework_owned:
            result["suppressions"][0]["properties"]["frameworkOwned"] = True
    if baseline_state:
        result["baselineState"] = baseline_state
    return result


def _tool_order(result: ScanResult) -> list[str]:
    order = list(result.tools)
    for name in [u.tool for u in result.units] + [f.tool for f in result.findings]:
        if name not in order:
            order.append(name)
    return order


def _call_sites(findings: Iterable[Finding]) -> dict[str, CallSites]:
    """The recorded call sites of each template folder the findings name (a cloud assembly, or none)."""
    folders = {str(Path(f.template_file).parent) for f in findings}
    return {folder: load_call_sites(folder) for folder in sorted(folders)}


def build_sarif(
    result: ScanResult,
    *,
    root: str | os.PathLike[str] = ".",
    scanners: Iterable[object] = (),
    comparison: BaselineComparison | None = None,
    include_suppressed: bool = False,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``result`` as a JSON-ready dict (encodings: see the module docstring).

    One run per tool (the tools ``result`` ran, in order, then any other tool its findings
    name), each with ``tool.driver`` name, version, informationUri and the rules its results
    use (from the scanner's ``rule_doc(rule_id)``; a scanner without one gives its
    ``rule_description`` or the first finding's message as the outcome; helpUri from the rule,
    else the finding's help URL, else ``FALLBACK_HELP_URIS``), and
    ``properties["stackcheck/suppressed"]``. Results are the FAILED and UNKNOWN findings (and the
    SUPPRESSED ones with ``include_suppressed``): the app line that made the construct (the call
    sites recorded in the template's cloud assembly; else the template line) relative to
    ``root`` (``uriBaseId`` ``SRCROOT``), the template line as related location, the construct
    path as a logical location, the fingerprint under ``partialFingerprints["stackcheck/v1"]``
    and ``baselineState`` new/unchanged for failures when ``comparison`` is given.
    """
    by_tool = {getattr(s, "tool", None): s for s in scanners}
    new = {f.fingerprint for f in comparison.new} if comparison else set()
    known = {f.fingerprint for f in comparison.known} if comparison else set()
    root_uri = Path(root).resolve().as_uri().rstrip("/") + "/"
    reported = {Status.FAILED, Status.UNKNOWN} | ({Status.SUPPRESSED} if include_suppressed else set())
    sites = _call_sites(f for f in result.findings if f.status in reported)
    runs = []
    for tool in _tool_order(result):
        findings = [f for f in result.findings if f.tool == tool and f.status in reported]
        suppressed = sum(1 for f in result.findings if f.tool == tool and f.status is Status.SUPPRESSED)
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
            where = sites[str(Path(finding.template_file).parent)]
            results.append(_result(finding, index[finding.rule_id], root, state, where, include_suppressed))
        crashed = any(u.crashed for u in result.units if u.tool == tool)
        runs.append(
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                "invocations": [{"executionSuccessful": not crashed}],
                "results": results,
                "properties": {SUPPRESSED_COUNT_KEY: suppressed},
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
    include_suppressed: bool = False,
) -> Path:
    """Write ``build_sarif`` to ``<report_dir>/scan.sarif`` atomically; returns the path."""
    log = build_sarif(
        result, root=root, scanners=scanners, comparison=comparison, include_suppressed=include_suppressed
    )
    return atomic_write_json(Path(report_dir) / SARIF_FILE, log)
