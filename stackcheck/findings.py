"""The one Finding model every scanner maps its results into, with a re-synthesis-stable fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

__all__ = [
    "Finding",
    "PropertyPath",
    "RuleDoc",
    "Severity",
    "Status",
    "Suppression",
    "deduplicate",
]

PropertyPath = tuple[str | int, ...]


class Severity(str, Enum):
    """How bad a finding is: the tool's own level mapped onto three."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


class Status(str, Enum):
    """Outcome of one rule on one target.

    PASSED and FAILED are the rule's verdict; UNKNOWN means no verdict (the scanner or the rule
    crashed, or a value could not be resolved); SUPPRESSED is a FAILED finding a ledger entry covers.
    """

    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"
    SUPPRESSED = "SUPPRESSED"


@dataclass(frozen=True, kw_only=True)
class Suppression:
    """Why a finding is suppressed: the ledger entry's reason, owner and expiry date.

    ``source`` names where it came from, e.g. ``"policies/suppressions.yaml#3"`` (entry 3, 1-based).
    ``framework_owned`` is True when the entry marks the target as CDK-generated (the ledger's
    ``framework_owned: true``); reports label such findings "framework-owned".
    """

    reason: str
    owner: str
    expires: date | None
    source: str = ""
    framework_owned: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``expires`` as ``YYYY-MM-DD`` or None; ``framework_owned: True`` only when set."""
        data: dict[str, Any] = {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": self.source,
        }
        if self.framework_owned:
            data["framework_owned"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suppression:
        """Inverse of ``to_dict``."""
        expires = data.get("expires")
        return cls(
            reason=data["reason"],
            owner=data["owner"],
            expires=date.fromisoformat(expires) if expires else None,
            source=data.get("source", ""),
            framework_owned=bool(data.get("framework_owned", False)),
        )


@dataclass(frozen=True, kw_only=True)
class RuleDoc:
    """What a rule says about itself, for reports: the scanners' ``rule_doc(rule_id)`` answer.

    ``outcome`` is the one-line outcome ("Ensure the S3 bucket has access logging enabled");
    ``description`` why it matters (empty when the tool gives nothing more); ``help_url`` the
    documentation followed; ``tags`` the tool's categories; ``severity`` the rule's declared
    severity (None when the tool declares none); ``fix`` how to make a resource pass (empty:
    each finding's message names it).
    """

    rule_id: str
    outcome: str
    description: str = ""
    help_url: str | None = None
    tags: tuple[str, ...] = ()
    severity: Severity | None = None
    fix: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(self.tags))
        if self.severity is not None:
            object.__setattr__(self, "severity", Severity(self.severity))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field; the severity as its name or None."""
        return {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "description": self.description,
            "help_url": self.help_url,
            "tags": list(self.tags),
            "severity": self.severity.value if self.severity else None,
            "fix": self.fix,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleDoc:
        """Inverse of ``to_dict``; raises KeyError/ValueError/TypeError for a malformed dict."""
        return cls(
            rule_id=str(data["rule_id"]),
            outcome=str(data["outcome"]),
            description=str(data.get("description") or ""),
            help_url=data.get("help_url") or None,
            tags=tuple(str(t) for t in data.get("tags") or ()),
            severity=data.get("severity") or None,
            fix=str(data.get("fix") or ""),
        )


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule's outcome on one target of one template, whatever tool produced it.

    ``stack`` is the artifact id of the stack (or the template file name less ``.template.json``
    / ``.json`` / ``.yaml`` when a file is scanned on its own). ``logical_id`` and
    ``resource_type`` are None for findings about the template rather than one resource.
    ``construct_path`` comes from the cloud assembly (``/Stack/Bucket/Resource``), None when
    unknown. ``line`` is 1-based, None when the tool gives none. ``property_path`` is relative to
    the resource (``("Properties", "BucketEncryption")``) for resource findings, and from the
    template root (``("Outputs", "Url", "Value")``) otherwise.
    """

    rule_id: str
    severity: Severity
    tool: str
    stack: str
    message: str
    status: Status
    template_file: str
    logical_id: str | None = None
    resource_type: str | None = None
    construct_path: str | None = None
    line: int | None = None
    property_path: PropertyPath = ()
    suppression: Suppression | None = None
    help_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "property_path", tuple(self.property_path))
        if self.line is not None and (not isinstance(self.line, int) or self.line < 1):
            raise ValueError(f"Finding.line must be a 1-based int or None, got {self.line!r}")
        if (self.status is Status.SUPPRESSED) != (self.suppression is not None):
            raise ValueError("Finding.suppression is set exactly when status is SUPPRESSED")

    @property
    def fingerprint(self) -> str:
        """SHA-256 hex of tool, rule id, stack, construct path (else logical ID) and property path.

        Line numbers, messages and the template file are left out, so the fingerprint survives
        re-synthesis and edits elsewhere in the template.
        """
        anchor = self.construct_path or self.logical_id or ""
        parts = [self.tool, self.rule_id, self.stack, anchor, json.dumps(list(self.property_path))]
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

    @property
    def target(self) -> str:
        """``stack/logical_id`` (or just the stack), for one-line display."""
        return f"{self.stack}/{self.logical_id}" if self.logical_id else self.stack

    def suppress(self, suppression: Suppression) -> Finding:
        """A copy with status SUPPRESSED and ``suppression`` set; every other field is kept."""
        return dataclasses.replace(self, status=Status.SUPPRESSED, suppression=suppression)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field plus ``fingerprint``; enums as their names."""
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "tool": self.tool,
            "stack": self.stack,
            "logical_id": self.logical_id,
            "resource_type": self.resource_type,
            "construct_path": self.construct_path,
            "template_file": self.template_file,
            "line": self.line,
            "property_path": list(self.property_path),
            "message": self.message,
            "status": self.status.value,
            "suppression": self.suppression.to_dict() if self.suppression else None,
            "help_url": self.help_url,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of ``to_dict`` (``fingerprint`` is recomputed, not read)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["property_path"] = tuple(values.get("property_path") or ())
        if values.get("suppression"):
            values["suppression"] = Suppression.from_dict(values["suppression"])
        return cls(**values)


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """Drop findings whose (fingerprint, status) was already seen; first occurrence wins, order kept."""
    seen: set[tuple[str, Status]] = set()
    unique: list[Finding] = []
    for finding in findings:
        key = (finding.fingerprint, finding.status)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
