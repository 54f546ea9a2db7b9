"""Drift detection across the deployed stacks of a cloud assembly (CloudFormation DetectStackDrift), with honest coverage.

Per stack: DetectStackDrift, then DescribeStackDriftDetectionStatus polled until the detection
leaves DETECTION_IN_PROGRESS, then DescribeStackResourceDrifts (every page, every status)
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html).
Resources of the template that get no drift result (types without drift support) count as
NOT_CHECKED, and a stack with any NOT_CHECKED resource is PARTIAL, never in sync. Known false
drift is listed in the drift allowlist (``policies/drift-allowlist.yaml``).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import tenacity

from stackcheck.assembly import CloudAssembly, StackArtifact
from stackcheck.aws.retry import (
    RETRY_LOG,
    THROTTLING,
    RetryLog,
    RetryProfile,
    RetryRecord,
    current_node_id,
    error_code,
    is_stack_missing,
)
from stackcheck.aws.target import AwsTarget
from stackcheck.aws.unavailable import unavailable_reason
from stackcheck.errors import BadInputError, DetectionUnavailableError, NextStep
from stackcheck.files import load_yaml_list

__all__ = [
    "DEFAULT_ALLOWLIST",
    "DEFAULT_POLL",
    "MIN_REASON_LENGTH",
    "Allowlist",
    "AllowlistEntry",
    "DetectionOutcome",
    "DifferenceStatus",
    "DriftDetector",
    "DriftResult",
    "DriftTarget",
    "PollProfile",
    "PropertyDifference",
    "ResourceDrift",
    "ResourceStatus",
    "StackDrift",
    "Verdict",
    "detect_drift",
    "load_allowlist",
    "parse_resource_drift",
]

DEFAULT_ALLOWLIST = Path("policies/drift-allowlist.yaml")
MIN_REASON_LENGTH = 10


class ResourceStatus(str, Enum):
    """Drift status of one resource, after the allowlist.

    IN_SYNC, MODIFIED and DELETED are CloudFormation's StackResourceDriftStatus values; a MODIFIED
    resource whose every property difference the allowlist covers is IN_SYNC. NOT_CHECKED is
    CloudFormation's NOT_CHECKED, UNKNOWN or UNSUPPORTED, and also a template resource that got no
    drift result at all (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResourceDrift.html).
    """

    IN_SYNC = "IN_SYNC"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    NOT_CHECKED = "NOT_CHECKED"


class DifferenceStatus(str, Enum):
    """One property difference: DRIFTED counts as drift; ALLOWED is covered by an allowlist entry."""

    DRIFTED = "DRIFTED"
    ALLOWED = "ALLOWED"


class Verdict(str, Enum):
    """Verdict on one stack (``StackDrift.verdict``), and in the same words on a whole run (``DriftResult.verdict``).

    On one stack: DRIFTED: some resource MODIFIED or DELETED (even when the detection FAILED for
    others). UNKNOWN: otherwise, when the detection FAILED, did not complete, or could not start.
    PARTIAL: otherwise, when some resource was NOT_CHECKED. IN_SYNC: every resource checked, none drifted.
    """

    IN_SYNC = "IN_SYNC"
    DRIFTED = "DRIFTED"
    PARTIAL = "PARTIAL"
    UNKNOWN = "UNKNOWN"


class DetectionOutcome(str, Enum):
    """How the detection of one stack ended.

    COMPLETE and FAILED are CloudFormation's DETECTION_COMPLETE and DETECTION_FAILED (a FAILED
    detection still has results for the resources it could check); TIMED_OUT: still
    DETECTION_IN_PROGRESS at the poll deadline; ERROR: an API call for this stack failed (stack
    not deployed, throttled past the retry profile, ...); UNAVAILABLE: drift detection is not
    available at the target at all.
    """

    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ERROR = "ERROR"
    UNAVAILABLE = "UNAVAILABLE"


# -- the allowlist ------------------------------------------------------------------------------

_ALLOWLIST_KEYS = ("resource_type", "property_path", "reason")
_RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@dataclass(frozen=True)
class AllowlistEntry:
    """One allowlist entry; ``index`` is 1-based, ``line`` its line in the file (None when unknown).

    ``property_path`` is a path as CloudFormation reports it in PropertyDifference.PropertyPath
    (``/PolicyDocument/Version``); a trailing ``/*`` covers every path below (``/Tags/*`` covers
    ``/Tags/0/Value``, not ``/Tags`` itself).
    """

    index: int
    line: int | None
    resource_type: str
    property_path: str
    reason: str

    @property
    def subtree(self) -> bool:
        """True when ``property_path`` ends in ``/*``."""
        return self.property_path.endswith("/*")

    def matches(self, resource_type: str, property_path: str) -> bool:
        """True when this entry covers a difference at ``property_path`` of a ``resource_type`` resource."""
        if resource_type != self.resource_type:
            return False
        if self.subtree:
            return property_path.startswith(self.property_path[:-1])
        return property_path == self.property_path

    def describe(self) -> str:
        """``entry 2 (AWS::RDS::DBInstance /EngineVersion)``."""
        return f"entry {self.index} ({self.resource_type} {self.property_path})"


@dataclass(frozen=True)
class Allowlist:
    """A loaded, valid drift allowlist: the file it came from (None: no file) and its entries in file order."""

    path: Path | None = None
    entries: tuple[AllowlistEntry, ...] = ()

    def match(self, resource_type: str, property_path: str) -> AllowlistEntry | None:
        """The entry covering this difference: an exact path beats a ``/*`` one, a deeper ``/*`` a
        shallower one, then the first in the file; None when no entry covers it."""
        hits = [e for e in self.entries if e.matches(resource_type, property_path)]
        if not hits:
            return None
        return max(hits, key=lambda e: (not e.subtree, len(e.property_path), -e.index))

    def source(self, entry: AllowlistEntry) -> str:
        """``policies/drift-allowlist.yaml:7`` (where ``entry`` is), for reports."""
        where = str(self.path) if self.path else "allowlist"
        return f"{where}:{entry.line}" if entry.line else f"{where} entry {entry.index}"


def load_allowlist(path: str | Path = DEFAULT_ALLOWLIST) -> Allowlist:
    """Load and validate the drift allowlist at ``path``: a YAML list of
    ``{resource_type, property_path, reason}`` mappings. An empty file (or ``[]``) is an empty allowlist.

    Raises BadInputError (exit code 2) naming the file, and each bad entry's index and line with
    the fix: missing file, malformed YAML, not a list, unknown or missing keys, a resource type
    not of the ``AWS::Service::Type`` shape, a property path not starting with ``/``, with empty
    segments, or with ``*`` anywhere but a trailing ``/*`` below a property, a reason shorter than
    ``MIN_REASON_LENGTH`` characters, duplicate entries.
    """
    path = Path(path)
    items = load_yaml_list(path, what="drift allowlist", example="- resource_type: ...")
    if not items:
        return Allowlist(path, ())
    entries: list[AllowlistEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, line, raw in items:
        label = f"{path}:{line}: entry {index}" if line else f"{path}: entry {index}"
        if isinstance(raw, dict) and isinstance(raw.get("resource_type"), str):
            label += f" ({raw.get('resource_type')} {raw.get('property_path')})"
        errors = _allowlist_entry_errors(raw)
        if errors:
            problems.extend(f"{label}: {error}" for error in errors)
            continue
        entry = AllowlistEntry(
            index=index,
            line=line,
            resource_type=raw["resource_type"],
            property_path=raw["property_path"],
            reason=raw["reason"].strip(),
        )
        key = (entry.resource_type, entry.property_path)
        if key in seen:
            problems.append(f"{label}: duplicates entry {seen[key]} (same resource type and property path); keep one")
            continue
        seen[key] = index
        entries.append(entry)
    if problems:
        raise BadInputError(f"drift allowlist {path} is invalid:\n  " + "\n  ".join(problems))
    return Allowlist(path, tuple(entries))


def _allowlist_entry_errors(raw: Any) -> list[str]:
    if not isinstance(raw, dict):
        return [f"must be a mapping with keys {', '.join(_ALLOWLIST_KEYS)}, got {type(raw).__name__}"]
    errors: list[str] = []
    unknown = sorted(str(k) for k in raw if k not in _ALLOWLIST_KEYS)
    if unknown:
        errors.append(f"unknown key(s) {', '.join(unknown)}; allowed keys: {', '.join(_ALLOWLIST_KEYS)}")
    examples = {
        "resource_type": "AWS::RDS::DBInstance",
        "property_path": "/EngineVersion",
        "reason": "<why this difference is not drift, 10+ characters>",
    }
    missing = [k for k in _ALLOWLIST_KEYS if raw.get(k) in (None, "")]
    errors.extend(f"missing {k!r}; add `{k}: {examples[k]}`" for k in missing)
    resource_type, property_path, reason = (raw.get(k) for k in _ALLOWLIST_KEYS)
    if "resource_type" not in missing and (
        not isinstance(resource_type, str) or not _RESOURCE_TYPE.match(resource_type)
    ):
        errors.append(f"resource_type {resource_type!r} is not a CloudFormation type like AWS::S3::Bucket")
    if "property_path" not in missing:
        errors.extend(_property_path_errors(property_path))
    if "reason" not in missing and (not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH):
        length = len(reason.strip()) if isinstance(reason, str) else 0
        errors.append(
            f"reason is {length} characters; write at least {MIN_REASON_LENGTH} saying why this difference is not drift"
        )
    return errors


def _property_path_errors(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path != path.strip():
        return [
            f"property_path must be a path as CloudFormation reports it, starting with '/' "
            f"(e.g. /PolicyDocument/Version), got {path!r}"
        ]
    body = path[:-2] if path.endswith("/*") else path
    if "*" in body:
        return [f"property_path {path!r}: '*' is allowed only as a trailing '/*'"]
    if body in ("", "/"):
        return [f"property_path {path!r} would allow every property of the type; name the property (/Tags/*)"]
    if any(segment == "" for segment in body[1:].split("/")):
        return [f"property_path {path!r} has an empty segment ('//' or a trailing '/')"]
    return []


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyDifference:
    """One PropertyDifference of a MODIFIED resource
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_PropertyDifference.html):
    ``difference_type`` is ADD, REMOVE or NOT_EQUAL; values are the strings CloudFormation gives.
    ``allowed_by`` is the allowlist entry that covers it and ``allowed_source`` where that entry is.
    """

    property_path: str
    expected: str
    actual: str
    difference_type: str
    allowed_by: AllowlistEntry | None = None
    allowed_source: str | None = None

    @property
    def status(self) -> DifferenceStatus:
        """ALLOWED when an allowlist entry covers it, else DRIFTED."""
        return DifferenceStatus.ALLOWED if self.allowed_by else DifferenceStatus.DRIFTED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: property_path, expected, actual, difference_type, status, reason, allowlist_entry."""
        return {
            "property_path": self.property_path,
            "expected": self.expected,
            "actual": self.actual,
            "difference_type": self.difference_type,
            "status": self.status.value,
            "reason": self.allowed_by.reason if self.allowed_by else None,
            "allowlist_entry": self.allowed_source,
        }


@dataclass(frozen=True)
class ResourceDrift:
    """Drift of one resource of one stack.

    ``status`` is after the allowlist; ``reported_status`` is CloudFormation's
    StackResourceDriftStatus (None when the resource got no drift result). ``reason`` says why a
    resource is NOT_CHECKED, or that a MODIFIED one only has allowed differences. ``in_template``
    is False for a resource CloudFormation reported that the assembly's template does not declare
    (the assembly is newer or older than the deployment). ``checked_at`` is the ISO 8601 Timestamp.
    """

    logical_id: str
    resource_type: str
    status: ResourceStatus
    reported_status: str | None = None
    physical_id: str | None = None
    construct_path: str | None = None
    differences: tuple[PropertyDifference, ...] = ()
    reason: str | None = None
    in_template: bool = True
    checked_at: str | None = None

    @property
    def drifted(self) -> bool:
        """True for MODIFIED or DELETED (after the allowlist)."""
        return self.status in (ResourceStatus.MODIFIED, ResourceStatus.DELETED)

    @property
    def checked(self) -> bool:
        """True when CloudFormation checked it (IN_SYNC, MODIFIED or DELETED, before the allowlist)."""
        return self.status is not ResourceStatus.NOT_CHECKED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field, differences as ``PropertyDifference.to_dict``."""
        return {
            "logical_id": self.logical_id,
            "resource_type": self.resource_type,
            "status": self.status.value,
            "reported_status": self.reported_status,
            "physical_id": self.physical_id,
            "construct_path": self.construct_path,
            "in_template": self.in_template,
            "checked_at": self.checked_at,
            "reason": self.reason,
            "differences": [d.to_dict() for d in self.differences],
        }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class StackDrift:
    """Drift of one stack: how its detection ended and every resource (template order, then
    resources only CloudFormation reported).

    ``detection_status``, ``status_reason``, ``stack_drift_status`` and
    ``drifted_resource_count`` are DescribeStackDriftDetectionStatus's DetectionStatus,
    DetectionStatusReason (or why the detection did not run or complete), StackDriftStatus and
    DriftedStackResourceCount. ``polls`` counts status polls; ``seconds`` runs from DetectStackDrift
    to the last response.
    """

    artifact_id: str
    stack_name: str
    outcome: DetectionOutcome
    resources: tuple[ResourceDrift, ...] = ()
    detection_id: str | None = None
    detection_status: str | None = None
    status_reason: str | None = None
    stack_drift_status: str | None = None
    drifted_resource_count: int | None = None
    polls: int = 0
    seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """DRIFTED, else UNKNOWN (detection not COMPLETE), else PARTIAL (any NOT_CHECKED), else IN_SYNC."""
        if any(r.drifted for r in self.resources):
            return Verdict.DRIFTED
        if self.outcome is not DetectionOutcome.COMPLETE:
            return Verdict.UNKNOWN
        if any(not r.checked for r in self.resources):
            return Verdict.PARTIAL
        return Verdict.IN_SYNC

    def counts(self) -> dict[ResourceStatus, int]:
        """Number of resources per ResourceStatus (every status present, zeros included)."""
        counts = {status: 0 for status in ResourceStatus}
        for resource in self.resources:
            counts[resource.status] += 1
        return counts

    @property
    def checked(self) -> int:
        """Resources CloudFormation checked."""
        return sum(1 for r in self.resources if r.checked)

    def not_checked_types(self) -> dict[str, int]:
        """NOT_CHECKED resources by type, most frequent first then by name."""
        types: dict[str, int] = {}
        for resource in self.resources:
            if not resource.checked:
                types[resource.resource_type] = types.get(resource.resource_type, 0) + 1
        return dict(sorted(types.items(), key=lambda kv: (-kv[1], kv[0])))

    def coverage(self) -> str:
        """``3 of 74 resources not checked: AWS::DMS::Endpoint, AWS::DMS::ReplicationTask (2)``, or ""."""
        types = self.not_checked_types()
        if not types:
            return ""
        missing = sum(types.values())
        listed = ", ".join(t if n == 1 else f"{t} ({n})" for t, n in types.items())
        return f"{missing} of {_plural(len(self.resources), 'resource')} not checked: {listed}"

    def summary(self) -> str:
        """The verdict in words; a PARTIAL stack is never described as in sync."""
        counts = self.counts()
        total = len(self.resources)
        coverage = self.coverage()
        verdict = self.verdict
        if verdict is Verdict.IN_SYNC:
            return f"in sync: all {_plural(total, 'resource')} checked, none drifted"
        if verdict is Verdict.PARTIAL:
            return f"PARTIAL coverage, no drift in the {self.checked} checked: {coverage}"
        if verdict is Verdict.DRIFTED:
            drifted = counts[ResourceStatus.MODIFIED] + counts[ResourceStatus.DELETED]
            text = (
                f"DRIFTED: {drifted} of {_plural(total, 'resource')} drifted "
                f"({counts[ResourceStatus.MODIFIED]} modified, {counts[ResourceStatus.DELETED]} deleted)"
            )
            if self.outcome is not DetectionOutcome.COMPLETE:
                text += f"; detection {self.outcome.value}: {self.status_reason}"
            return text + (f"; {coverage}" if coverage else "")
        return f"UNKNOWN: {self.status_reason}" + (f"; {self.checked} of {total} checked" if self.checked else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: identity, verdict, summary, detection, coverage, counts, resources."""
        return {
            "stack": self.artifact_id,
            "stack_name": self.stack_name,
            "verdict": self.verdict.value,
            "summary": self.summary(),
            "detection": {
                "outcome": self.outcome.value,
                "id": self.detection_id,
                "status": self.detection_status,
                "status_reason": self.status_reason,
                "stack_drift_status": self.stack_drift_status,
                "drifted_resource_count": self.drifted_resource_count,
                "polls": self.polls,
                "seconds": round(self.seconds, 3),
            },
            "coverage": {
                "total": len(self.resources),
                "checked": self.checked,
                "not_checked": len(self.resources) - self.checked,
                "not_checked_types": self.not_checked_types(),
            },
            "counts": {status.value: n for status, n in self.counts().items()},
            "resources": [r.to_dict() for r in self.resources],
        }


DriftTarget = AwsTarget  # where the CloudFormation API was called


@dataclass(frozen=True)
class DriftResult:
    """Drift of every stack asked for. ``unavailable`` is the reason drift detection could not
    run at all (then every stack is UNKNOWN with outcome UNAVAILABLE)."""

    stacks: tuple[StackDrift, ...]
    target: DriftTarget = field(default_factory=DriftTarget)
    allowlist: Allowlist = field(default_factory=Allowlist)
    seconds: float = 0.0
    unavailable: str | None = None

    @property
    def exit_code(self) -> int:
        """1 when any stack DRIFTED; else 3 when detection was unavailable, every stack is UNKNOWN,
        or some stack got no result at all (TIMED_OUT, ERROR); else 0 (IN_SYNC or PARTIAL, or a
        FAILED detection with partial results beside other stacks)."""
        if self.unavailable is not None:
            return 3
        if any(s.verdict is Verdict.DRIFTED for s in self.stacks):
            return 1
        if not self.stacks or all(s.verdict is Verdict.UNKNOWN for s in self.stacks):
            return 3
        if any(s.outcome in (DetectionOutcome.TIMED_OUT, DetectionOutcome.ERROR) for s in self.stacks):
            return 3
        return 0

    @property
    def verdict(self) -> Verdict:
        """The verdict on the whole run, one-to-one with ``exit_code``'s outcomes: DRIFTED when any
        stack DRIFTED (exit 1); UNKNOWN when drift could not be detected (exit 3: unavailable, no
        stacks, every stack UNKNOWN, or a stack TIMED_OUT or ERROR); IN_SYNC when every stack is
        IN_SYNC; else PARTIAL (exit 0: no drift in what was checked, but not everything was checked:
        some resource NOT_CHECKED, or a stack whose detection FAILED beside others), never in sync."""
        code = self.exit_code
        if code == 1:
            return Verdict.DRIFTED
        if code != 0:
            return Verdict.UNKNOWN
        if all(s.verdict is Verdict.IN_SYNC for s in self.stacks):
            return Verdict.IN_SYNC
        return Verdict.PARTIAL

    def verdicts(self) -> dict[str, Verdict]:
        """Stack artifact id → verdict, in stack order."""
        return {s.artifact_id: s.verdict for s in self.stacks}

    def unused_allowlist_entries(self) -> list[AllowlistEntry]:
        """Allowlist entries that covered no difference in this run."""
        used = {d.allowed_by.index for s in self.stacks for r in s.resources for d in r.differences if d.allowed_by}
        return [e for e in self.allowlist.entries if e.index not in used]

    @classmethod
    def for_unavailable(
        cls,
        artifacts: Iterable[StackArtifact],
        reason: str,
        *,
        target: DriftTarget,
        allowlist: Allowlist,
        seconds: float = 0.0,
    ) -> DriftResult:
        """A result for a run where drift detection was unavailable (``reason`` says why): each
        stack UNKNOWN (outcome UNAVAILABLE), each template resource NOT_CHECKED."""
        short = "drift detection is not available at the target (see the run's error)"
        stacks = tuple(
            StackDrift(
                artifact_id=a.artifact_id,
                stack_name=a.stack_name,
                outcome=DetectionOutcome.UNAVAILABLE,
                resources=_unchecked(a, short),
                status_reason=short,
            )
            for a in artifacts
        )
        return cls(stacks=stacks, target=target, allowlist=allowlist, seconds=seconds, unavailable=reason)


# -- response parsing ---------------------------------------------------------------------------

_NOT_CHECKED_REASONS = {
    "NOT_CHECKED": "CloudFormation did not check it (NOT_CHECKED: the type does not support drift detection, "
    "or it was skipped in a rollback)",
    "UNKNOWN": "CloudFormation could not run drift detection on it (UNKNOWN)",
    "UNSUPPORTED": "CloudFormation does not support drift detection for it (UNSUPPORTED)",
}
NO_RESULT_REASON = "no drift result: CloudFormation does not check this resource type for drift"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def parse_resource_drift(
    entry: Mapping[str, Any],
    *,
    allowlist: Allowlist = Allowlist(),
    construct_path: str | None = None,
    in_template: bool = True,
) -> ResourceDrift:
    """A ResourceDrift from one ``StackResourceDrifts[]`` entry of DescribeStackResourceDrifts
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResourceDrift.html).

    IN_SYNC, MODIFIED and DELETED are kept (a MODIFIED entry whose every PropertyDifference the
    allowlist covers becomes IN_SYNC); NOT_CHECKED, UNKNOWN, UNSUPPORTED and any status this code
    does not know become NOT_CHECKED with the reason. Raises KeyError when LogicalResourceId,
    ResourceType or StackResourceDriftStatus is missing.
    """
    reported = str(entry["StackResourceDriftStatus"])
    resource_type = str(entry["ResourceType"])
    differences = tuple(_difference(d, resource_type, allowlist) for d in entry.get("PropertyDifferences") or ())
    reason = None
    if reported in ("IN_SYNC", "DELETED"):
        status = ResourceStatus(reported)
    elif reported == "MODIFIED":
        allowed = [d for d in differences if d.allowed_by]
        if differences and len(allowed) == len(differences):
            status = ResourceStatus.IN_SYNC
            reason = f"MODIFIED, but all {_plural(len(differences), 'difference')} are in the drift allowlist"
        else:
            status = ResourceStatus.MODIFIED
    else:
        status = ResourceStatus.NOT_CHECKED
        reason = _NOT_CHECKED_REASONS.get(reported, f"CloudFormation reported drift status {reported}")
    return ResourceDrift(
        logical_id=str(entry["LogicalResourceId"]),
        resource_type=resource_type,
        status=status,
        reported_status=reported,
        physical_id=entry.get("PhysicalResourceId"),
        construct_path=construct_path,
        differences=differences,
        reason=reason,
        in_template=in_template,
        checked_at=_iso(entry.get("Timestamp")),
    )


def _difference(raw: Mapping[str, Any], resource_type: str, allowlist: Allowlist) -> PropertyDifference:
    path = str(raw.get("PropertyPath", ""))
    entry = allowlist.match(resource_type, path)
    return PropertyDifference(
        property_path=path,
        expected=str(raw.get("ExpectedValue", "")),
        actual=str(raw.get("ActualValue", "")),
        difference_type=str(raw.get("DifferenceType", "")),
        allowed_by=entry,
        allowed_source=allowlist.source(entry) if entry else None,
    )


def _unchecked(artifact: StackArtifact, reason: str) -> tuple[ResourceDrift, ...]:
    return tuple(
        ResourceDrift(
            logical_id=lid,
            resource_type=str(res.get("Type", "?")),
            status=ResourceStatus.NOT_CHECKED,
            construct_path=artifact.construct_path(lid),
            reason=reason,
        )
        for lid, res in artifact.resources.items()
    )


def _merge(
    artifact: StackArtifact, entries: Sequence[Mapping[str, Any]], allowlist: Allowlist, missing_reason: str
) -> tuple[ResourceDrift, ...]:
    """Template resources in template order (each with its drift result, or NOT_CHECKED with
    ``missing_reason``), then resources only CloudFormation reported."""
    by_id = {str(e.get("LogicalResourceId")): e for e in entries}
    template = artifact.resources
    merged: list[ResourceDrift] = []
    for lid, res in template.items():
        path = artifact.construct_path(lid)
        if lid in by_id:
            merged.append(parse_resource_drift(by_id[lid], allowlist=allowlist, construct_path=path))
        else:
            merged.append(
                ResourceDrift(
                    logical_id=lid,
                    resource_type=str(res.get("Type", "?")),
                    status=ResourceStatus.NOT_CHECKED,
                    construct_path=path,
                    reason=missing_reason,
                )
            )
    for lid, entry in by_id.items():
        if lid not in template:
            merged.append(parse_resource_drift(entry, allowlist=allowlist, in_template=False))
    return tuple(merged)


# -- detection ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollProfile:
    """How DescribeStackDriftDetectionStatus is polled, and how throttling is retried.

    Polls run every ``interval`` seconds while DETECTION_IN_PROGRESS, at most ``max_polls`` of
    them, and none starts ``deadline`` seconds or more after DetectStackDrift. A throttled poll
    (or any other call) is retried with ``throttling``'s full-jitter exponential backoff; the
    throttled polls count toward ``max_polls`` and the deadline.
    """

    interval: float = 5.0
    max_polls: int = 360
    deadline: float = 900.0
    throttling: RetryProfile = THROTTLING

    def without_waits(self) -> PollProfile:
        """The same bounds with zero-second waits (for tests)."""
        return dataclasses.replace(self, interval=0.0, throttling=self.throttling.without_waits())


DEFAULT_POLL = PollProfile()
"""5 s polls, at most 360 polls or 900 s per stack; throttling under aws.retry.THROTTLING."""

_OPERATIONS = {
    "detect_stack_drift": "DetectStackDrift",
    "describe_stack_drift_detection_status": "DescribeStackDriftDetectionStatus",
    "describe_stack_resource_drifts": "DescribeStackResourceDrifts",
}
# botocore (through 1.35 at least) defines no paginator for DescribeStackResourceDrifts, so one
# is built from the same PageIterator machinery with the API's NextToken/MaxResults contract
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResourceDrifts.html).
_RESOURCE_DRIFTS_PAGINATION = {
    "input_token": "NextToken",
    "output_token": "NextToken",
    "limit_key": "MaxResults",
    "result_key": "StackResourceDrifts",
}


class _Timeout(Exception):
    def __init__(self, last: Mapping[str, Any] | None, polls: int):
        super().__init__("still in progress")
        self.last = last
        self.polls = polls


class DriftDetector:
    """Runs drift detection through one boto3 CloudFormation client.

    ``cloudformation`` is a plain boto3 client (not a RecordingClient: throttling is retried
    here, under ``poll.throttling``). ``clock`` (monotonic seconds) and ``sleep`` are injectable
    so tests run the poll deadline without waiting; retries are recorded in ``log`` (RETRY_LOG).
    """

    def __init__(
        self,
        cloudformation: Any,
        *,
        allowlist: Allowlist = Allowlist(),
        poll: PollProfile = DEFAULT_POLL,
        target: DriftTarget = DriftTarget(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: RetryLog | None = None,
    ):
        self.cloudformation = cloudformation
        self.allowlist = allowlist
        self.poll = poll
        self.target = target
        self.clock = clock
        self.sleep = sleep
        self.log = RETRY_LOG if log is None else log

    # one API call, throttling retried, "not available here" turned into DetectionUnavailableError
    def _call(self, operation: str, **kwargs: Any) -> Any:
        method = getattr(self.cloudformation, operation)
        retrying = self.poll.throttling.retrying(f"cloudformation.{operation}", log=self.log, sleep=self.sleep)
        try:
            return retrying(method, **kwargs)
        except Exception as exc:
            self._raise_if_unavailable(operation, exc)
            raise

    def _raise_if_unavailable(self, operation: str, exc: BaseException) -> None:
        why = unavailable_reason(exc)
        if why is None:
            return
        api = _OPERATIONS.get(operation, operation)
        where = self.target.endpoint_url or f"AWS ({self.target.region or 'default region'})"
        if why.kind == "credentials":
            message = why.detail
        elif self.target.emulator and why.kind == "not_implemented":
            message = (
                f"the embedded emulator has no drift detection (moto does not implement {api}); run against "
                f"AWS: `stackcheck drift --no-emulator` with credentials for the account the stacks are "
                f"deployed in (the emulator at {where} answered {api} with {why.detail})"
            )
        elif why.kind == "not_implemented":
            message = f"{api} is not available at {where}: the operation is not supported there ({why.detail})"
        elif why.kind == "unreachable":
            hint = "is the emulator running?" if self.target.emulator else "check the endpoint and network"
            message = f"cannot reach the CloudFormation endpoint {where} for {api} ({why.detail}); {hint}"
            if self.target.emulator:
                raise DetectionUnavailableError(message, next_step=NextStep.DEPLOY_LOCAL) from exc
        else:
            message = (
                f"{api} was refused at {where} ({why.detail}); the caller needs cloudformation:DetectStackDrift, "
                "cloudformation:DescribeStackDriftDetectionStatus, cloudformation:DescribeStackResourceDrifts "
                "and read access to every resource of the stacks"
            )
        raise DetectionUnavailableError(message) from exc

    def start(self, artifact: StackArtifact) -> tuple[str | None, float, str | None]:
        """DetectStackDrift on ``artifact``'s stack: ``(detection id, start time, None)``, or
        ``(None, start time, reason)`` when the call failed for this stack (e.g. not deployed).
        Raises DetectionUnavailableError when drift detection is not available at the target."""
        started = self.clock()
        try:
            response = self._call("detect_stack_drift", StackName=artifact.stack_name)
        except DetectionUnavailableError:
            raise
        except Exception as exc:
            return None, started, self._stack_error("DetectStackDrift", artifact, exc)
        return str(response["StackDriftDetectionId"]), started, None

    def _stack_error(self, api: str, artifact: StackArtifact, exc: BaseException) -> str:
        if is_stack_missing(exc):
            where = self.target.region or "the default region"
            return (
                f"stack {artifact.stack_name} does not exist in {where}; deploy it first "
                f"(`stackcheck deploy --target aws`) or narrow the run with --stack"
            )
        code = error_code(exc)
        if code is not None:
            message = ((getattr(exc, "response", {}) or {}).get("Error") or {}).get("Message", "")
            attempts = " after retries" if self.poll.throttling.is_retryable(exc) else ""
            return f"{api} failed{attempts}: {code}: {message}".rstrip(": ")
        return f"{api} failed: {type(exc).__name__}: {exc}"

    def wait(self, detection_id: str, started: float) -> tuple[Mapping[str, Any], int]:
        """Poll DescribeStackDriftDetectionStatus until the detection leaves DETECTION_IN_PROGRESS.

        Returns ``(last response, polls)``. Raises ``_Timeout`` when ``poll.max_polls`` or
        ``poll.deadline`` (seconds since ``started``) runs out first, the last ClientError when
        throttling outlasts them, DetectionUnavailableError when the operation is unavailable.
        """
        profile = self.poll
        backoff = tenacity.wait_random_exponential(
            multiplier=profile.throttling.initial_wait, max=profile.throttling.max_wait
        )
        operation = "describe_stack_drift_detection_status"

        def in_progress(response: Any) -> bool:
            return response.get("DetectionStatus") == "DETECTION_IN_PROGRESS"

        def wait(state: tenacity.RetryCallState) -> float:
            return backoff(state) if state.outcome and state.outcome.failed else profile.interval

        def past_deadline(state: tenacity.RetryCallState) -> bool:
            return self.clock() - started + (state.upcoming_sleep or 0.0) >= profile.deadline

        def record(state: tenacity.RetryCallState) -> None:
            if state.outcome is not None and state.outcome.failed:
                exc = state.outcome.exception()
                self.log.record(
                    RetryRecord(
                        node_id=current_node_id(),
                        operation=f"cloudformation.{operation}",
                        error_code=error_code(exc) or type(exc).__name__,
                        attempt=state.attempt_number,
                        sleep=float(state.upcoming_sleep),
                    )
                )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(in_progress) | tenacity.retry_if_exception(profile.throttling.is_retryable),
            stop=tenacity.stop_any(tenacity.stop_after_attempt(profile.max_polls), past_deadline),
            wait=wait,
            before_sleep=record,
            sleep=self.sleep,
            reraise=True,
        )
        method = getattr(self.cloudformation, operation)
        polls = 0

        def describe() -> Any:
            nonlocal polls
            polls += 1
            return method(StackDriftDetectionId=detection_id)

        try:
            response = retrying(describe)
        except tenacity.RetryError as exc:
            raise _Timeout(exc.last_attempt.result(), polls) from None
        except Exception as exc:
            self._raise_if_unavailable(operation, exc)
            raise
        return response, polls

    def resource_drifts(self, stack_name: str) -> list[dict[str, Any]]:
        """Every StackResourceDrifts entry of the stack's latest detection, all pages, every status
        botocore's model knows (a throttled page restarts the listing under ``poll.throttling``)."""
        cfn = self.cloudformation
        if cfn.can_paginate("describe_stack_resource_drifts"):
            paginator = cfn.get_paginator("describe_stack_resource_drifts")
        else:
            from botocore.paginate import Paginator

            paginator = Paginator(
                cfn.describe_stack_resource_drifts,
                _RESOURCE_DRIFTS_PAGINATION,
                cfn.meta.service_model.operation_model("DescribeStackResourceDrifts"),
            )
        statuses = list(cfn.meta.service_model.shape_for("StackResourceDriftStatus").enum)

        def listing() -> list[dict[str, Any]]:
            entries: list[dict[str, Any]] = []
            for page in paginator.paginate(StackName=stack_name, StackResourceDriftStatusFilters=statuses):
                entries.extend(page.get("StackResourceDrifts") or [])
            return entries

        retrying = self.poll.throttling.retrying(
            "cloudformation.describe_stack_resource_drifts", log=self.log, sleep=self.sleep
        )
        try:
            return retrying(listing)
        except Exception as exc:
            self._raise_if_unavailable("describe_stack_resource_drifts", exc)
            raise

    def finish(
        self, artifact: StackArtifact, detection_id: str | None, started: float, error: str | None = None
    ) -> StackDrift:
        """Wait for the detection started on ``artifact`` and collect its resource drifts into a StackDrift."""
        base = {"artifact_id": artifact.artifact_id, "stack_name": artifact.stack_name, "detection_id": detection_id}
        if detection_id is None:
            return StackDrift(
                **base,
                outcome=DetectionOutcome.ERROR,
                status_reason=error,
                resources=_unchecked(artifact, f"drift detection did not start: {error}"),
                seconds=self.clock() - started,
            )
        try:
            status, polls = self.wait(detection_id, started)
        except _Timeout as timeout:
            elapsed = self.clock() - started
            reason = (
                f"drift detection {detection_id} did not complete: still DETECTION_IN_PROGRESS after "
                f"{_plural(timeout.polls, 'poll')} over {elapsed:.0f} s (limits: {self.poll.max_polls} polls, "
                f"{self.poll.deadline:.0f} s)"
            )
            return StackDrift(
                **base,
                outcome=DetectionOutcome.TIMED_OUT,
                detection_status="DETECTION_IN_PROGRESS",
                status_reason=reason,
                resources=_unchecked(artifact, reason),
                polls=timeout.polls,
                seconds=elapsed,
            )
        except DetectionUnavailableError:
            raise
        except Exception as exc:
            reason = self._stack_error("DescribeStackDriftDetectionStatus", artifact, exc)
            return StackDrift(
                **base,
                outcome=DetectionOutcome.ERROR,
                status_reason=reason,
                resources=_unchecked(artifact, reason),
                seconds=self.clock() - started,
            )
        detection_status = status.get("DetectionStatus")
        outcome = DetectionOutcome.COMPLETE if detection_status == "DETECTION_COMPLETE" else DetectionOutcome.FAILED
        reason = status.get("DetectionStatusReason")
        if outcome is DetectionOutcome.FAILED:
            reason = f"drift detection FAILED: {reason or 'CloudFormation gave no reason'}"
        count = status.get("DriftedStackResourceCount")
        detection = {
            "detection_status": detection_status,
            "stack_drift_status": status.get("StackDriftStatus"),
            "drifted_resource_count": int(count) if count is not None else None,
            "polls": polls,
        }
        try:
            entries = self.resource_drifts(artifact.stack_name)
        except DetectionUnavailableError:
            raise
        except Exception as exc:
            reason = self._stack_error("DescribeStackResourceDrifts", artifact, exc)
            return StackDrift(
                **base,
                **detection,
                outcome=DetectionOutcome.ERROR,
                status_reason=reason,
                resources=_unchecked(artifact, reason),
                seconds=self.clock() - started,
            )
        missing = (
            NO_RESULT_REASON
            if outcome is DetectionOutcome.COMPLETE
            else f"no drift result ({reason}); the type may not support drift detection"
        )
        return StackDrift(
            **base,
            **detection,
            outcome=outcome,
            status_reason=reason,
            resources=_merge(artifact, entries, self.allowlist, missing),
            seconds=self.clock() - started,
        )

    def detect_stack(self, artifact: StackArtifact) -> StackDrift:
        """Detect drift on one stack (start, wait, collect)."""
        return self.finish(artifact, *self.start(artifact))

    def detect(self, artifacts: Sequence[StackArtifact]) -> DriftResult:
        """Start detection on every stack first (CloudFormation runs them side by side), then wait
        for and collect each in order. Raises DetectionUnavailableError as soon as any call says
        drift detection is not available at the target."""
        began = self.clock()
        started = [(artifact, *self.start(artifact)) for artifact in artifacts]
        stacks = tuple(self.finish(artifact, did, at, error) for artifact, did, at, error in started)
        return DriftResult(stacks=stacks, target=self.target, allowlist=self.allowlist, seconds=self.clock() - began)


def detect_drift(
    assembly: CloudAssembly,
    cloudformation: Any,
    *,
    stacks: Sequence[str] | None = None,
    allowlist: Allowlist = Allowlist(),
    poll: PollProfile = DEFAULT_POLL,
    target: DriftTarget = DriftTarget(),
    **kwargs: Any,
) -> DriftResult:
    """Detect drift on the stacks of ``assembly`` (all of them, in dependency order, or those
    ``stacks`` names by artifact id or stack name) through the boto3 CloudFormation client
    ``cloudformation``. ``kwargs`` go to DriftDetector (``clock``, ``sleep``, ``log``).

    Raises AssemblyError (exit 2) for a stack name not in the assembly and
    DetectionUnavailableError (exit 3) when drift detection cannot run at the target.
    """
    artifacts = [assembly.stack(name) for name in stacks] if stacks else assembly.dependency_order()
    detector = DriftDetector(cloudformation, allowlist=allowlist, poll=poll, target=target, **kwargs)
    return detector.detect(artifacts)
