"""INCONCLUSIVE errors for a call or wait whose budget ran out, keeping botocore's shape (a ClientError or WaiterError) for callers that catch those."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, WaiterError

from stackcheck.errors import InconclusiveError

__all__ = ["BudgetSpent", "ThrottledPastBudget", "WaitPastBudget"]


class ThrottledPastBudget(ClientError, InconclusiveError):
    """An API call still answered with a retryable error (throttling, AccessDenied inside an IAM
    propagation window) when its RetryProfile's attempts or deadline ran out.

    It is the last ClientError (same ``response`` and ``operation_name``, so ``except ClientError``
    and ``error_code`` keep working) and an InconclusiveError: ``operation`` (``s3.get_bucket_versioning``),
    ``attempts`` (calls made), ``seconds`` (since the first call), ``saw`` ("SlowDown: Please reduce
    your request rate.") and ``budget`` ("5 attempts / 60 s").
    """

    def __init__(
        self,
        last: ClientError,
        *,
        operation: str,
        attempts: int,
        seconds: float,
        budget: str,
        why: str = "still throttled",
    ) -> None:
        ClientError.__init__(self, last.response, last.operation_name)
        error = last.response.get("Error") or {}
        self.operation = operation
        self.attempts = attempts
        self.seconds = seconds
        self.saw = f"{error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": ")
        self.budget = budget
        self.next_step = None
        self.message = (
            f"{operation} {why} when its retry budget ({budget}) ran out after {attempts} "
            f"attempts in {seconds:.1f} s; last answer {self.saw}"
        )

    def __reduce__(self) -> Any:  # ClientError pickles as (response, operation_name): keep the INCONCLUSIVE text
        return (_rebuild, (type(self), self.response, self.operation_name, dict(vars(self))))


class WaitPastBudget(WaiterError, InconclusiveError):
    """A named wait (a boto3 waiter) still saw a non-final state (Route 53 PENDING, an ECS
    deployment rolling) or throttling when its WaitProfile's polls ran out.

    It is the WaiterError (``last_response`` kept) and an InconclusiveError: ``waiter``, ``polls``,
    ``seconds`` waited, ``saw`` (the last state, e.g. "Status PENDING, SubmittedAt
    2024-01-01T00:00:00+00:00") and ``budget`` ("60 polls every 5 s").
    """

    def __init__(self, last: WaiterError, *, what: str, polls: int, seconds: float, saw: str, budget: str) -> None:
        WaiterError.__init__(
            self,
            name=last.kwargs.get("name", "?"),
            reason=last.kwargs.get("reason", ""),
            last_response=last.last_response,
        )
        self.waiter = last.kwargs.get("name", "?")
        self.polls = polls
        self.seconds = seconds
        self.saw = saw
        self.budget = budget
        self.next_step = None
        self.message = f"{what} when its wait budget ({budget}) ran out after {seconds:.1f} s; last answer {saw}"

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), None, None, dict(vars(self))))


BudgetSpent = (ThrottledPastBudget, WaitPastBudget)
"""Both kinds, for ``except BudgetSpent``."""


def _rebuild(cls: type[Exception], response: Any, operation_name: Any, state: dict[str, Any]) -> Any:
    exc = Exception.__new__(cls)
    Exception.__init__(exc, state.get("message", ""))
    exc.__dict__.update(state)
    return exc
