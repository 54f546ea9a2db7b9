"""Running drift detection: DetectStackDrift, polling DescribeStackDriftDetectionStatus, reading every page of DescribeStackResourceDrifts."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

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
from stackcheck.aws.unavailable import unavailable_reason
from stackcheck.drift.allowlist import Allowlist
from stackcheck.drift.model import DetectionOutcome, DriftResult, DriftTarget, StackDrift, plural, unchecked
from stackcheck.drift.parse import NO_RESULT_REASON, merge
from stackcheck.errors import DetectionUnavailableError, NextStep

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.progress import Progress


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
        progress: Progress | None = None,
    ):
        self.progress = progress
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

    def wait(self, detection_id: str, started: float, item: str = "") -> tuple[Mapping[str, Any], int]:
        """Poll DescribeStackDriftDetectionStatus until the detection leaves DETECTION_IN_PROGRESS.

        Each poll that finds it still in progress is a ``progress.note`` on ``item`` (elapsed seconds).
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
            if self.progress is not None and state.outcome is not None and not state.outcome.failed:
                self.progress.note(item or detection_id, f"DETECTION_IN_PROGRESS, {self.clock() - started:.0f} s")
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
            stop=tenacity.stop_any(
                tenacity.stop_after_attempt(profile.max_polls), cast(tenacity.stop.stop_base, past_deadline)
            ),
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
        reason: str | None
        base: dict[str, Any] = {
            "artifact_id": artifact.artifact_id,
            "stack_name": artifact.stack_name,
            "detection_id": detection_id,
        }
        if detection_id is None:
            return StackDrift(
                **base,
                outcome=DetectionOutcome.ERROR,
                status_reason=error,
                resources=unchecked(artifact, f"drift detection did not start: {error}"),
                seconds=self.clock() - started,
            )
        try:
            status, polls = self.wait(detection_id, started, artifact.artifact_id)
        except _Timeout as timeout:
            elapsed = self.clock() - started
            reason = (
                f"drift detection {detection_id} did not complete: still DETECTION_IN_PROGRESS after "
                f"{plural(timeout.polls, 'poll')} over {elapsed:.0f} s (limits: {self.poll.max_polls} polls, "
                f"{self.poll.deadline:.0f} s)"
            )
            return StackDrift(
                **base,
                outcome=DetectionOutcome.TIMED_OUT,
                detection_status="DETECTION_IN_PROGRESS",
                status_reason=reason,
                resources=unchecked(artifact, reason),
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
                resources=unchecked(artifact, reason),
                seconds=self.clock() - started,
            )
        detection_status = status.get("DetectionStatus")
        outcome = DetectionOutcome.COMPLETE if detection_status == "DETECTION_COMPLETE" else DetectionOutcome.FAILED
        reason = status.get("DetectionStatusReason")
        if outcome is DetectionOutcome.FAILED:
            reason = f"drift detection FAILED: {reason or 'CloudFormation gave no reason'}"
        count = status.get("DriftedStackResourceCount")
        detection: dict[str, Any] = {
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
                resources=unchecked(artifact, reason),
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
            resources=merge(artifact, entries, self.allowlist, missing),
            seconds=self.clock() - started,
        )

    def detect(self, artifacts: Sequence[StackArtifact]) -> DriftResult:
        """Start detection on every stack first (CloudFormation runs them side by side), then wait
        for and collect each in order. Raises DetectionUnavailableError as soon as any call says
        drift detection is not available at the target."""
        began = self.clock()
        started = [(artifact, *self.start(artifact)) for artifact in artifacts]
        if self.progress is not None:
            self.progress.start(len(artifacts), "drift (DetectStackDrift)")
        stacks = []
        try:
            for artifact, did, at, error in started:
                stacks.append(self.finish(artifact, did, at, error))
                if self.progress is not None:
                    self.progress.advance(artifact.artifact_id, _progress_detail(stacks[-1]))
        finally:
            if self.progress is not None:
                self.progress.finish()
        return DriftResult(
            stacks=tuple(stacks), target=self.target, allowlist=self.allowlist, seconds=self.clock() - began
        )


def _progress_detail(stack: StackDrift) -> str:
    """``IN_SYNC``/``DRIFTED``..., then ``3/40 resources checked`` (the stack's verdict and coverage)."""
    return f"{stack.verdict.value}, {stack.checked}/{len(stack.resources)} resources checked"


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
