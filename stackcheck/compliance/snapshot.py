"""Live compliance checked again and again on one deployment: live state read once, re-read only where it was changed.

A test suite that changes a deployment out of band and checks that compliance sees it (then
restores it and checks again) would otherwise read every live resource of every stack for each
check. ``ComplianceSession`` loads the policy pack, the ledger and the deployed stacks once and
keeps every API answer the live readers got (a snapshot); a change made through a watched
client (``ComplianceSession.watch``), or named with ``ComplianceSession.changed``, drops the
answers about the resources it names, so the next check re-reads exactly those. A change made
any other way is not seen until ``ComplianceSession.forget_all``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from stackcheck.compliance.evaluate import (
    ComplianceResult,
    LiveTarget,
    TemplateOutcomes,
    check_compliance,
    deployed_at,
)
from stackcheck.compliance.forms import LiveForm
from stackcheck.compliance.live import LiveReader

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.assembly import StackArtifact
    from stackcheck.suppressions import Ledger

__all__ = [
    "READ_PREFIXES",
    "ComplianceSession",
    "Snapshot",
    "SnapshotReader",
    "is_identifier",
    "is_read_operation",
    "names_in",
]

READ_PREFIXES = (
    "Describe",
    "Get",
    "List",
    "Head",
    "Lookup",
    "Search",
    "Select",
    "Query",
    "Scan",
    "Simulate",
    "Validate",
    "Estimate",
    "Preview",
)
"""API operation name prefixes that only read (AWS's naming convention); any other operation may change state."""


def is_read_operation(operation: str) -> bool:
    """True for an operation that only reads (``GetBucketVersioning``, ``DescribeSecurityGroups``), by its name."""
    return operation.startswith(READ_PREFIXES)


def names_in(value: Any) -> Iterator[str]:
    """Every string in ``value`` (API parameters: nested dicts and lists), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from names_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from names_in(item)


def _same(read: str, changed: str) -> bool:
    """Whether a read's parameter and a change's parameter name one resource: equal, or one an ARN ending in the other."""
    if read == changed:
        return True
    longer, shorter = (read, changed) if len(read) > len(changed) else (changed, read)
    return longer.startswith("arn:") and (longer.endswith(f":{shorter}") or longer.endswith(f"/{shorter}"))


@dataclass(frozen=True)
class Snapshot:
    """What one ``ComplianceSession.check`` read: ``api_calls`` made (0: the snapshot answered all),
    ``answers_kept`` reused from earlier checks."""

    api_calls: int
    answers_kept: int


def is_identifier(name: str) -> bool:
    """Whether ``name`` may name a resource (an ID, ARN or name with a digit or one of ``-_:/.``), as opposed
    to a plain word such as ``Enabled`` or ``tcp`` that many answers hold."""
    return len(name) >= 3 and any(c.isdigit() or c in "-_:/." for c in name)


class SnapshotReader(LiveReader):
    """A LiveReader whose answers outlive a run, each kept with its service, the names its parameters
    hold and the identifiers its answer mentions.

    ``forget(names, service)`` drops every answer about a resource ``names`` name: whose parameters
    name one (or an ARN ending in one), or whose answer mentions one (a route table's answer names
    the associations and routes a change goes through); and, for ``service``, the answers of calls
    that name nothing (listings of a whole account or region). Returns how many were dropped.
    """

    def __init__(self, factory: Any, stacks: Iterable[Any]):
        super().__init__(factory, stacks)
        self._named: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """``LiveReader.call``, the answer kept until ``forget`` drops it."""
        return self._named_by(service, operation, kwargs, super().call(service, operation, **kwargs))

    def call_keeping(self, service: str, operation: str, keep: Callable[[Any], Any], **kwargs: Any) -> Any:
        """``LiveReader.call_keeping``, what is kept kept until ``forget`` drops it."""
        return self._named_by(service, operation, kwargs, super().call_keeping(service, operation, keep, **kwargs))

    def _named_by(self, service: str, operation: str, kwargs: dict[str, Any], answer: Any) -> Any:
        key = json.dumps([service, operation, kwargs], sort_keys=True, default=str)
        if key not in self._named:
            mentions = frozenset(n for n in names_in(answer) if is_identifier(n))
            self._named[key] = (service, frozenset(names_in(kwargs)), mentions)
        return answer

    @property
    def kept(self) -> int:
        """How many API answers the snapshot holds."""
        return len(self._answers)

    def forget(self, names: Iterable[str], service: str | None = None) -> int:
        """Drop the answers about ``names`` (and the nameless ones of ``service``); returns how many were dropped."""
        changed = {n for n in names if n}
        identifiers = {n for n in changed if is_identifier(n)}
        dropped = [
            key
            for key, (answered_by, named, mentions) in self._named.items()
            if ((not named or not changed) and answered_by == service)
            or not identifiers.isdisjoint(mentions)
            or any(_same(r, c) for r in named for c in changed)
        ]
        for key in dropped:
            self._answers.pop(key, None)
            del self._named[key]
        return len(dropped)


class ComplianceSession:
    """``check()`` gives what ``check_compliance`` would on the deployed stacks of ``artifacts``, from a snapshot.

    ``factory`` is a ClientFactory (calls retried on throttling); ``forms``, ``template_only``
    come from ``live_forms``; ``ledger`` and ``target`` as for ``check_compliance``. The first
    check discovers the stacks (DescribeStacks, ListStackResources) and reads every live
    resource; later checks re-read only what ``changed``, a watched client's change (``watch``) or
    ``forget_all`` dropped. ``last`` is the latest ComplianceResult, ``reads`` one Snapshot per check.
    Raises what ``check_compliance`` raises.
    """

    def __init__(
        self,
        artifacts: Sequence[StackArtifact],
        factory: Any,
        forms: Sequence[LiveForm],
        *,
        ledger: Ledger | None = None,
        target: LiveTarget | None = None,
        template_only: Sequence[str] = (),
        today: date | None = None,
    ):
        self.artifacts = list(artifacts)
        self.factory = factory
        self.forms = tuple(forms)
        self.ledger = ledger
        self.target = target or LiveTarget()
        self.template_only = tuple(template_only)
        self.today = today
        self.reader: SnapshotReader | None = None
        self.outcomes = TemplateOutcomes()
        self.last: ComplianceResult | None = None
        self.reads: list[Snapshot] = []

    def check(self) -> ComplianceResult:
        """The compliance of the deployment now, as far as the snapshot knows it (see the class)."""
        reader = self.live_reader()
        kept = reader.kept
        self.last = check_compliance(
            self.artifacts,
            self.factory,
            self.forms,
            ledger=self.ledger,
            target=self.target,
            template_only=self.template_only,
            today=self.today,
            reader=reader,
            outcomes=self.outcomes,
        )
        self.reads.append(Snapshot(api_calls=self.last.api_calls, answers_kept=kept))
        return self.last

    def live_reader(self) -> SnapshotReader:
        """The session's snapshot reader (discovering the stacks first, when no check has yet), for other
        live-template users of the same deployment (``stackcheck.drift.live.LiveDrift(reader=...)``)."""
        if self.reader is None:
            self.reader = SnapshotReader(self.factory, deployed_at(self.factory, self.artifacts, self.target))
        return self.reader

    def changed(self, *names: str, service: str | None = None) -> int:
        """Forget what the snapshot holds about the resources ``names`` name (names, IDs or ARNs); returns
        how many answers were dropped. ``service`` (``"s3"``) also drops that service's nameless listings."""
        return self.reader.forget(names, service) if self.reader is not None else 0

    def forget_all(self) -> None:
        """Drop the whole snapshot: the next check discovers the stacks and reads everything again."""
        self.reader = None

    def on_call(self, model: Any, params: Any, **_: Any) -> None:
        """botocore ``before-parameter-build`` handler: a call that may change state drops what it names
        (a CloudFormation change drops the whole snapshot: the stacks' resources may differ)."""
        if is_read_operation(model.name):
            return
        service = model.service_model.service_name
        if service == "cloudformation":
            self.forget_all()
            return
        self.changed(*names_in(params), service=service)

    def watch(self, events: Any) -> None:
        """Register ``on_call`` once on ``events``: a ClientFactory (its every client), a boto3 Session's
        ``events`` or one client's ``meta.events``; their changes then reach the snapshot."""
        events.register("before-parameter-build", self.on_call, unique_id=f"stackcheck-snapshot-{id(self)}")
