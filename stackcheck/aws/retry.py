"""Retry profiles (tenacity) for throttled AWS calls, named eventual-consistency waits, and the process-wide RetryLog."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from stackcheck.aws.normalize import change_id as _change_id
from stackcheck.aws.normalize import ecs_service as _ecs_service

if TYPE_CHECKING:  # tenacity is imported when a profile first runs: the pytest plugin imports this module
    import tenacity

__all__ = [
    "ECS_SERVICE_STABLE",
    "FINAL_CODES",
    "IAM_PROPAGATION_GRACE",
    "RETRY_LOG",
    "ROUTE53_CHANGE_INSYNC",
    "THROTTLING",
    "THROTTLING_CODES",
    "RetryLog",
    "RetryProfile",
    "RetryRecord",
    "WaitProfile",
    "current_node_id",
    "error_code",
    "is_stack_missing",
    "node_context",
    "wait_ecs_service_stable",
    "wait_iam_propagation",
    "wait_route53_change_insync",
]

T = TypeVar("T")

THROTTLING_CODES: frozenset[str] = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)
"""Error codes AWS services answer when a caller exceeds a request rate (botocore's
``retries/standard.py`` lists the same family)."""

FINAL_CODES: frozenset[str] = frozenset(
    {
        "NoSuchBucket",
        "ValidationError",
        "AccessDenied",
        "AccessDeniedException",
    }
)
"""Error codes that describe the state of the world, not a passing condition: never retried.
CloudFormation answers a missing stack with ValidationError "Stack with id X does not exist"."""


def error_code(exc: BaseException | None) -> str | None:
    """The AWS error code of a botocore ClientError (``exc.response["Error"]["Code"]``), else None (also for None)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = (response.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None


def is_stack_missing(exc: BaseException) -> bool:
    """True for CloudFormation's answer to a stack that does not exist: ValidationError
    "Stack with id X does not exist" (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html)."""
    if error_code(exc) != "ValidationError":
        return False
    message = str((getattr(exc, "response", {}).get("Error") or {}).get("Message", ""))
    return "does not exist" in message


# -- the retry log -----------------------------------------------------------------------------

_NODE_ID: contextvars.ContextVar[str] = contextvars.ContextVar("stackcheck_node_id", default="")


def current_node_id() -> str:
    """The pytest node id of the running test ("" outside a test)."""
    return _NODE_ID.get()


@contextlib.contextmanager
def node_context(node_id: str) -> Iterator[None]:
    """Attribute retries recorded inside the block to ``node_id`` (the plugin wraps each test)."""
    token = _NODE_ID.set(node_id)
    try:
        yield
    finally:
        _NODE_ID.reset(token)


@dataclass(frozen=True)
class RetryRecord:
    """One retry: which test, which operation (``s3.get_bucket_versioning``), which error code,
    which attempt failed (1-based), how long the caller slept before the next attempt (seconds),
    and which layer retried (``tenacity`` for RetryProfile, ``botocore`` for the client's own
    standard-mode retries)."""

    node_id: str
    operation: str
    error_code: str
    attempt: int
    sleep: float
    layer: str = "tenacity"

    def as_dict(self) -> dict[str, Any]:
        """The record as a JSON-serializable dict (pytest-xdist ships it from workers this way)."""
        return dataclasses.asdict(self)


class RetryLog:
    """Thread-safe, process-wide list of RetryRecords."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RetryRecord] = []

    def record(self, record: RetryRecord) -> None:
        """Append one record."""
        with self._lock:
            self._records.append(record)

    def records(self, node_id: str | None = None) -> list[RetryRecord]:
        """All records, or those of ``node_id``, in the order they happened."""
        with self._lock:
            return [r for r in self._records if node_id is None or r.node_id == node_id]

    def drain(self, node_id: str) -> list[RetryRecord]:
        """Remove and return the records of ``node_id``."""
        with self._lock:
            taken = [r for r in self._records if r.node_id == node_id]
            self._records = [r for r in self._records if r.node_id != node_id]
        return taken

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()


RETRY_LOG = RetryLog()
"""The process-wide RetryLog the plugin summarizes at the end of the session."""


# -- retry profiles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryProfile:
    """How to retry one family of errors: jittered exponential backoff bounded by attempts and a deadline.

    ``max_attempts`` counts calls (first call included); ``deadline`` is seconds from the first
    call after which no new attempt starts; waits are "full jitter": uniform in
    ``[0, min(max_wait, initial_wait * 2**n)]`` seconds
    (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Errors whose code
    is in ``final_codes`` are never retried, even when listed in ``retry_codes``. Set
    ``initial_wait=0`` (see ``without_waits``) to run the retries without sleeping. When the budget
    runs out on a retryable error the call ends INCONCLUSIVE (``retrying``); ``exhausted_why`` is
    how that message names the state ("still throttled").
    """

    name: str
    retry_codes: frozenset[str] = THROTTLING_CODES
    max_attempts: int = 5
    deadline: float = 60.0
    initial_wait: float = 1.0
    max_wait: float = 20.0
    final_codes: frozenset[str] = FINAL_CODES
    exhausted_why: str = "still throttled"

    @property
    def budget(self) -> str:
        """The budget in words: ``"5 attempts / 60 s"``."""
        return f"{self.max_attempts} attempts / {self.deadline:g} s"

    def without_waits(self) -> RetryProfile:
        """The same profile with zero-second waits (for tests)."""
        return dataclasses.replace(self, initial_wait=0.0, max_wait=0.0)

    def is_retryable(self, exc: BaseException) -> bool:
        """True when ``exc`` carries an error code this profile retries."""
        code = error_code(exc)
        return code is not None and code not in self.final_codes and code in self.retry_codes

    def retrying(
        self,
        operation: str,
        *,
        log: RetryLog | None = None,
        sleep: Callable[[float], None] = time.sleep,
        give_up: Callable[[], bool] | None = None,
    ) -> tenacity.Retrying:
        """A tenacity Retrying for ``operation`` that records each retry in ``log`` (RETRY_LOG by default).

        When attempts or the deadline run out on a retryable error, raises
        ``stackcheck.aws.budget.ThrottledPastBudget``: the last ClientError (same response) that is
        also an InconclusiveError saying what was seen. Errors this profile does not retry are
        raised unchanged. ``give_up`` (no arguments) ends the retries early when it returns True
        (stackcheck.aws.propagation: the IAM propagation window closed).
        """
        import tenacity

        from stackcheck.aws.budget import ThrottledPastBudget

        target = RETRY_LOG if log is None else log
        # tenacity >= 8.3 can stop *before* a sleep that would cross the deadline.
        stop_by_deadline = getattr(tenacity, "stop_before_delay", tenacity.stop_after_delay)

        def record(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            target.record(
                RetryRecord(
                    node_id=current_node_id(),
                    operation=operation,
                    error_code=error_code(exc) or type(exc).__name__,
                    attempt=state.attempt_number,
                    sleep=float(state.next_action.sleep if state.next_action else 0.0),
                )
            )

        def exhausted(state: tenacity.RetryCallState) -> Any:
            exc = state.outcome.exception() if state.outcome else None
            raise ThrottledPastBudget(
                exc,  # only ClientErrors carry a retryable code
                operation=operation,
                attempts=state.attempt_number,
                seconds=state.seconds_since_start or 0.0,
                budget=self.budget,
                why=self.exhausted_why,
            ) from exc

        stop = tenacity.stop_after_attempt(self.max_attempts) | stop_by_deadline(self.deadline)
        if give_up is not None:
            ask = give_up

            class _GivenUp(tenacity.stop.stop_base):
                def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
                    return ask()

            stop = tenacity.stop_any(stop, _GivenUp())
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(self.is_retryable),
            stop=stop,
            wait=tenacity.wait_random_exponential(multiplier=self.initial_wait, max=self.max_wait),
            before_sleep=record,
            sleep=sleep,
            retry_error_callback=exhausted,
        )

    def call(
        self, fn: Callable[..., T], *args: Any, operation: str | None = None, log: RetryLog | None = None, **kwargs: Any
    ) -> T:
        """Call ``fn(*args, **kwargs)`` under this profile; ``operation`` names it in the log."""
        return self.retrying(operation or str(getattr(fn, "__name__", repr(fn))), log=log)(fn, *args, **kwargs)


THROTTLING = RetryProfile("throttling")
"""Default profile: throttling codes, 5 attempts, 60 s deadline, waits up to 20 s."""


# -- eventual-consistency waits -----------------------------------------------------------------


@dataclass(frozen=True)
class WaitProfile:
    """A named wait: poll every ``delay`` seconds, at most ``max_attempts`` polls."""

    name: str
    delay: float
    max_attempts: int

    @property
    def waiter_config(self) -> dict[str, int]:
        """The boto3 ``WaiterConfig`` argument (``Delay`` is whole seconds)."""
        return {"Delay": int(self.delay), "MaxAttempts": self.max_attempts}


ROUTE53_CHANGE_INSYNC = WaitProfile("route53-change-insync", delay=5, max_attempts=60)
"""Route 53 propagates a change to its DNS servers within 60 s normally (GetChange INSYNC)."""

ECS_SERVICE_STABLE = WaitProfile("ecs-service-stable", delay=15, max_attempts=40)
"""boto3's services_stable waiter with its own defaults (15 s x 40)."""

IAM_PROPAGATION_GRACE = 15.0
"""Seconds to allow IAM changes to propagate after a stack change
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency)."""


def _waited(
    waiter: Any, what: str, profile: WaitProfile, describe: Callable[[Mapping[str, Any]], str], **kwargs: Any
) -> float:
    """Run ``waiter.wait(**kwargs)`` under ``profile``; seconds waited.

    A wait that ends on its poll budget ("Max attempts exceeded") or on a throttled poll raises
    WaitPastBudget (INCONCLUSIVE) saying ``what`` and the last answer (``describe(last_response)``);
    a terminal failure state (the resource is gone, a failed deployment) is an answer and stays
    botocore's WaiterError.
    """
    from botocore.exceptions import WaiterError

    from stackcheck.aws.budget import WaitPastBudget

    start = time.monotonic()
    try:
        waiter.wait(**kwargs, WaiterConfig=profile.waiter_config)
    except WaiterError as exc:
        last = exc.last_response if isinstance(exc.last_response, Mapping) else {}
        code = str((last.get("Error") or {}).get("Code", ""))
        reason = str(exc.kwargs.get("reason", ""))
        if code not in THROTTLING_CODES and not reason.startswith("Max attempts exceeded"):
            raise
        message = (last.get("Error") or {}).get("Message", "")
        saw = f"{code}: {message}".rstrip(": ") if code else describe(last)
        polls = "1 poll" if profile.max_attempts == 1 else f"{profile.max_attempts} polls"
        budget = f"{polls} every {profile.delay:g} s"
        seconds = time.monotonic() - start
        raise WaitPastBudget(
            exc, what=what, polls=profile.max_attempts, seconds=seconds, saw=saw, budget=budget
        ) from exc
    return time.monotonic() - start


def _change_state(response: Mapping[str, Any]) -> str:
    info = response.get("ChangeInfo") or {}
    submitted = info.get("SubmittedAt")
    shown = submitted.isoformat() if isinstance(submitted, datetime) else submitted
    return f"Status {info.get('Status', '?')}, SubmittedAt {shown}"


def wait_route53_change_insync(route53: Any, change: str, *, profile: WaitProfile = ROUTE53_CHANGE_INSYNC) -> float:
    """Wait until Route 53 reports ``change`` (``C123`` or ``/change/C123``) INSYNC.

    Uses boto3's ``resource_record_sets_changed`` waiter (GetChange,
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html). Returns the
    seconds waited. Still PENDING (or throttled) when ``profile``'s polls run out:
    ``stackcheck.aws.budget.WaitPastBudget`` (INCONCLUSIVE, a WaiterError) with the last
    Status and SubmittedAt.
    """
    change_id = _change_id(change)
    return _waited(
        route53.get_waiter("resource_record_sets_changed"),
        f"Route 53 change {change_id} still not INSYNC",
        profile,
        _change_state,
        Id=change_id,
    )


def _service_state(response: Mapping[str, Any]) -> str:
    services = response.get("services") or []
    if not services:
        failures = response.get("failures") or []
        return "; ".join(f"{f.get('arn', '?')}: {f.get('reason', '?')}" for f in failures) or "no service"
    svc = services[0]
    return (
        f"{len(svc.get('deployments') or [])} deployments, runningCount {svc.get('runningCount')}, "
        f"desiredCount {svc.get('desiredCount')}"
    )


def wait_ecs_service_stable(
    ecs: Any, service: str, cluster: str | None = None, *, profile: WaitProfile = ECS_SERVICE_STABLE
) -> float:
    """Wait until an ECS service is stable (one deployment, running count = desired count).

    ``service`` is a name or either ARN format; the cluster comes from a new-format ARN or from
    ``cluster`` (a name or ARN). Service names are unique per cluster only, so neither giving
    one raises IdentifierError (the waiter would look in the ``default`` cluster). Uses boto3's
    ``services_stable`` waiter (DescribeServices,
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html).
    Returns the seconds waited; a cluster ECS does not know raises IdentifierError naming it;
    still unstable (or throttled) when the polls run out raises WaitPastBudget (INCONCLUSIVE)
    with the last deployments and counts; a service that is gone, the waiter's WaiterError.
    """
    from stackcheck.errors import IdentifierError

    ref = _ecs_service(service, cluster)
    if not ref.cluster:
        raise IdentifierError(
            f"ECS service {service!r}: no cluster; pass cluster= (name or ARN) or the service's "
            "new-format ARN (arn:<partition>:ecs:<region>:<account>:service/<cluster>/<name>)"
        )
    try:
        return _waited(
            ecs.get_waiter("services_stable"),
            f"ECS service {ref.name} in cluster {ref.cluster} still not stable",
            profile,
            _service_state,
            cluster=ref.cluster,
            services=[ref.name],
        )
    except Exception as exc:
        if error_code(exc) == "ClusterNotFoundException" or _last_code(exc) == "ClusterNotFoundException":
            raise IdentifierError(
                f"ECS cluster {ref.cluster!r} (for service {ref.name!r}) does not exist in this account and region"
            ) from exc
        raise


def _last_code(exc: BaseException) -> str | None:
    last = getattr(exc, "last_response", None)
    if isinstance(last, Mapping):
        code = (last.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None


def wait_iam_propagation(
    cloudformation: Any,
    stack_name: str,
    *,
    grace: float = IAM_PROPAGATION_GRACE,
    now: Callable[[], datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Sleep out what remains of ``grace`` seconds since the stack's last change.

    The last change is ``LastUpdatedTime`` (or ``CreationTime``) from DescribeStacks
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html). Returns
    the seconds slept (0.0 when the grace has passed). A missing stack raises the ClientError.
    """
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    changed = stacks[0].get("LastUpdatedTime") or stacks[0]["CreationTime"]
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    current = now() if now else datetime.now(UTC)
    remaining = grace - (current - changed).total_seconds()
    if remaining <= 0:
        return 0.0
    sleep(remaining)
    return remaining
