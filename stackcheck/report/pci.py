"""PCI DSS v4.0 status per requirement, from a mapping file (requirement → rule ids it evidences).

The mapping file (``policies/pci-dss-v4.yaml`` in this repository) is YAML::

    requirements:
      "3.5.1":
        title: Stored account data is rendered unreadable (encryption at rest)
        rules: [CKV_TAP_3, CKV_AWS_16]

https://docs-prv.pcisecuritystandards.org/PCI%20DSS/Standard/PCI-DSS-v4_0.pdf
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stackcheck.findings import Finding, Status
from stackcheck.report.table import markdown_table

PASS, FAIL, NOT_COVERED = "PASS", "FAIL", "NOT COVERED"
PCI_MAPPING = "pci-dss-v4.yaml"  # the mapping's file name inside a policy pack folder


@dataclass(frozen=True)
class Requirement:
    """One PCI DSS v4.0 requirement: ``number`` ("3.5.1"), ``title``, ``rules`` (rule ids evidencing it)."""

    number: str
    title: str
    rules: tuple[str, ...]


def load_mapping(path: str | os.PathLike[str]) -> tuple[Requirement, ...] | None:
    """The requirements of the mapping file at ``path``, in file order; None when the file does not exist.

    Raises ValueError naming the file and the key when the file is not the shape above.
    """
    file = Path(path)
    if not file.is_file():
        return None
    import yaml  # here: importing the report package stays light

    try:
        data = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"{file}: not YAML ({exc}); fix the file or remove it") from exc
    entries = data.get("requirements") if isinstance(data, Mapping) else None
    if not isinstance(entries, Mapping):
        raise ValueError(f"{file}: needs a top-level `requirements` mapping of requirement number -> title and rules")
    found = []
    for number, entry in entries.items():
        rules = entry.get("rules") if isinstance(entry, Mapping) else None
        title = entry.get("title") if isinstance(entry, Mapping) else None
        if not isinstance(title, str) or not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise ValueError(f"{file}: requirements.{number} needs `title` (text) and `rules` (a list of rule ids)")
        found.append(Requirement(str(number), title, tuple(rules)))
    return tuple(found)


def status(requirement: Requirement, findings: Iterable[Finding]) -> str:
    """FAIL when a finding of one of its rules is FAILED (not suppressed); PASS when one is PASSED or
    SUPPRESSED (a ledger entry stands in for the control); NOT COVERED when none of its rules gave a finding."""
    own = [f for f in findings if f.rule_id in requirement.rules]
    if any(f.status is Status.FAILED for f in own):
        return FAIL
    if any(f.status in (Status.PASSED, Status.SUPPRESSED) for f in own):
        return PASS
    return NOT_COVERED


def pci_section(requirements: Iterable[Requirement], findings: Iterable[Finding]) -> list[str]:
    """Markdown lines: a ``### PCI DSS v4.0`` heading and a requirement × status table (rules in backticks)."""
    findings = list(findings)
    rows = [
        (r.number, r.title.replace("|", "/"), status(r, findings), ", ".join(f"`{rule}`" for rule in r.rules) or "-")
        for r in requirements
    ]
    return ["### PCI DSS v4.0", "", *markdown_table(("requirement", "title", "status", "rules"), rows), ""]
