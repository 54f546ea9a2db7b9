"""Drift results: one property difference, one resource, one stack, one run; the verdicts and outcomes they carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from stackcheck.assembly import StackArtifact
from stackcheck.aws.target import AwsTarget
from stackcheck.drift.allowlist import Allowlist, AllowlistEntry


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


CLOUDFORMATION = "cloudformation"
"""``ResourceDrift.method`` of a resource CloudFormation's DetectStackDrift checked."""
LIVE_TEMPLATE = "live-template"
"""``ResourceDrift.method`` of a resource checked by the property diff of its live template against its declaration."""


@dataclass(frozen=True)
class UncheckedProperty:
    """A declared property (``property_path`` as in PropertyDifference, ``/Tags/0/Value``) of a checked resource
    that no method compared, and why (the reader does not read it, an intrinsic could not be resolved, ...)."""

    property_path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """``{"property_path", "reason"}``."""
        return {"property_path": self.property_path, "reason": self.reason}


@dataclass(frozen=True)
class ResourceDrift:
    """Drift of one resource of one stack.

    ``status`` is after the allowlist; ``reported_status`` is the status the checking method gave
    before the allowlist: CloudFormation's StackResourceDriftStatus, or the live-template diff's
    IN_SYNC / MODIFIED / DELETED (None when the resource got no drift result). ``reason`` says why a
    resource is NOT_CHECKED, or that a MODIFIED one only has allowed differences. ``in_template``
    is False for a resource CloudFormation reported that the assembly's template does not declare
    (the assembly is newer or older than the deployment). ``checked_at`` is the ISO 8601 Timestamp.
    ``method`` says which method checked it: ``"cloudformation"`` (DetectStackDrift),
    ``"live-template"`` (the property diff of ``stackcheck.drift.live``), both joined by ``+``, or
    None (NOT_CHECKED); ``unchecked_properties`` are the declared properties neither method compared.
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
    method: str | None = CLOUDFORMATION
    unchecked_properties: tuple[UncheckedProperty, ...] = ()

    @property
    def drifted(self) -> bool:
        """True for MODIFIED or DELETED (after the allowlist)."""
        return self.status in (ResourceStatus.MODIFIED, ResourceStatus.DELETED)

    @property
    def checked(self) -> bool:
        """True when a method checked it (IN_SYNC, MODIFIED or DELETED, before the allowlist)."""
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
            "method": self.method if self.checked else None,
            "differences": [d.to_dict() for d in self.differences],
            "unchecked_properties": [p.to_dict() for p in self.unchecked_properties],
        }


def unchecked(artifact: StackArtifact, reason: str) -> tuple[ResourceDrift, ...]:
    """Every resource of ``artifact``'s template, NOT_CHECKED for ``reason``, in template order."""
    return tuple(
        ResourceDrift(
            logical_id=lid,
            resource_type=str(res.get("Type", "?")),
            status=ResourceStatus.NOT_CHECKED,
            construct_path=artifact.construct_path(lid),
            reason=reason,
            method=None,
        )
        for lid, res in artifact.resources.items()
    )


def plural(count: int, word: str) -> str:
    """``"1 stack"``, ``"2 stacks"``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class StackDrift:
    """Drift of one stack: how its detection ended and every resource (template order, then
    resources only CloudFormation reported).

    ``detection_status``, ``status_reason``, ``stack_drift_status`` and
    ``drifted_resource_count`` are DescribeStackDriftDetectionStatus's DetectionStatus,
    DetectionStatusReason (or why the detection did not run or complete), StackDriftStatus and
    DriftedStackResourceCount. ``polls`` counts status polls; ``seconds`` runs from DetectStackDrift
    to the last response. ``methods`` are the methods that ran on the stack (``"cloudformation"``,
    ``"live-template"``); with the live-template diff, ``outcome`` is COMPLETE when either method completed.
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
    methods: tuple[str, ...] = (CLOUDFORMATION,)

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
        counts = dict.fromkeys(ResourceStatus, 0)
        for resource in self.resources:
            counts[resource.status] += 1
        return counts

    @property
    def checked(self) -> int:
        """Resources CloudFormation checked."""
        return sum(1 for r in self.resources if r.checked)

    def by_method(self) -> dict[str, int]:
        """Checked resources per ``ResourceDrift.method`` (``{"live-template": 5, "cloudformation": 2}``), sorted."""
        found: dict[str, int] = {}
        for resource in self.resources:
            if resource.checked and resource.method:
                found[resource.method] = found.get(resource.method, 0) + 1
        return dict(sorted(found.items()))

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
        return f"{missing} of {plural(len(self.resources), 'resource')} not checked: {listed}"

    def unchecked_properties(self) -> int:
        """Declared properties of checked resources that no method compared."""
        return sum(len(r.unchecked_properties) for r in self.resources)

    def summary(self) -> str:
        """The verdict in words; a PARTIAL stack is never described as in sync. Declared properties no
        method compared are counted at the end (``; 3 declared properties not compared``)."""
        text = self._summary()
        unchecked = self.unchecked_properties()
        if unchecked and self.checked:
            text += f"; {unchecked} declared propert{'y' if unchecked == 1 else 'ies'} not compared"
        return text

    def _summary(self) -> str:
        counts = self.counts()
        total = len(self.resources)
        coverage = self.coverage()
        verdict = self.verdict
        if verdict is Verdict.IN_SYNC:
            return f"in sync: all {plural(total, 'resource')} checked, none drifted"
        if verdict is Verdict.PARTIAL:
            return f"PARTIAL coverage, no drift in the {self.checked} checked: {coverage}"
        if verdict is Verdict.DRIFTED:
            drifted = counts[ResourceStatus.MODIFIED] + counts[ResourceStatus.DELETED]
            text = (
                f"DRIFTED: {drifted} of {plural(total, 'resource')} drifted "
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
            "methods": list(self.methods),
            "coverage": {
                "total": len(self.resources),
                "checked": self.checked,
                "not_checked": len(self.resources) - self.checked,
                "not_checked_types": self.not_checked_types(),
                "by_method": self.by_method(),
                "unchecked_properties": self.unchecked_properties(),
            },
            "counts": {status.value: n for status, n in self.counts().items()},
            "resources": [r.to_dict() for r in self.resources],
        }


DriftTarget = AwsTarget  # where the CloudFormation API was called


@dataclass(frozen=True)
class DriftResult:
    """Drift of every stack asked for. ``unavailable`` is the reason drift detection could not
    run at all (then every stack is UNKNOWN with outcome UNAVAILABLE). ``cloudformation_unavailable``
    is why DetectStackDrift could not run when the live-template diff ran without it (the emulator)."""

    stacks: tuple[StackDrift, ...]
    target: DriftTarget = field(default_factory=DriftTarget)
    allowlist: Allowlist = field(default_factory=Allowlist)
    seconds: float = 0.0
    unavailable: str | None = None
    cloudformation_unavailable: str | None = None

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
                resources=unchecked(a, short),
                status_reason=short,
            )
            for a in artifacts
        )
        return cls(stacks=stacks, target=target, allowlist=allowlist, seconds=seconds, unavailable=reason)
