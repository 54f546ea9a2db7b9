"""Drift detection across the deployed stacks of a cloud assembly (CloudFormation DetectStackDrift), with honest coverage.

Per stack: DetectStackDrift, then DescribeStackDriftDetectionStatus polled until the detection
leaves DETECTION_IN_PROGRESS, then DescribeStackResourceDrifts (every page, every status)
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html).
Resources of the template that get no drift result (types without drift support) count as
NOT_CHECKED, and a stack with any NOT_CHECKED resource is PARTIAL, never in sync. Known false
drift is listed in the drift allowlist (``policies/drift-allowlist.yaml``).
"""

from stackcheck.drift.allowlist import DEFAULT_ALLOWLIST, MIN_REASON_LENGTH, Allowlist, AllowlistEntry, load_allowlist
from stackcheck.drift.detector import DEFAULT_POLL, DriftDetector, PollProfile, detect_drift
from stackcheck.drift.model import (
    DetectionOutcome,
    DifferenceStatus,
    DriftResult,
    DriftTarget,
    PropertyDifference,
    ResourceDrift,
    ResourceStatus,
    StackDrift,
    Verdict,
)
from stackcheck.drift.parse import parse_resource_drift

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
