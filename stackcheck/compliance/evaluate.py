"""Re-evaluate the policy pack and checkov's checks with a live form on live state, findings under the template rule ids."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck import __version__
from stackcheck.aws.target import AwsTarget
from stackcheck.compliance.checkov_checks import Coverage, coverage, declared_types
from stackcheck.compliance.deployed import DEPLOY_FIRST, DeployedResource, DeployedStack, deployed_stacks
from stackcheck.compliance.forms import LiveForm
from stackcheck.compliance.gone import GONE_RULE, gone_findings
from stackcheck.compliance.live import READ_TYPES, LiveReader, LiveResource, LiveTemplate, read_live_templates
from stackcheck.errors import BadInputError, DetectionUnavailableError, NextStep, ScannerError
from stackcheck.findings import Finding, Severity, Status, deduplicate
from stackcheck.scan.policy import Outcome, TemplateView, Verdict

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.assembly import StackArtifact
    from stackcheck.progress import Progress
    from stackcheck.scan.runner import ScanResult
    from stackcheck.suppressions import Ledger

__all__ = [
    "GONE_RULE",
    "LIVE_TOOL",
    "READ_ERROR_RULE",
    "ComplianceResult",
    "LiveForm",
    "LiveTarget",
    "TemplateOutcomes",
    "check_compliance",
    "deployed_at",
    "live_forms",
]

LIVE_TOOL = "stackcheck-live"
"""Tool name of every live finding (the template findings of the same rules are cfn-lint's or checkov's)."""

READ_ERROR_RULE = "stackcheck.live-read-error"
"""Rule id of the finding that stands for a live resource that could not be read (its live forms did not run)."""

_DRIFTED = (
    "; the cloud assembly's template passes this rule, so the live resource was changed outside "
    "CloudFormation: restore it, or redeploy the stack"
)
_ALSO_IN_TEMPLATE = NextStep.SEE_SCAN


LiveTarget = AwsTarget  # where live state is read


def live_forms(policies: str | Path | None = "policies") -> tuple[tuple[LiveForm, ...], tuple[str, ...]]:
    """(live forms, ids of the pack's rules without one): the policy pack's in ``policies`` (None: no pack) and the
    scanners' own, by id.

    A pack rule has a live form when its class sets ``live_resource_types`` (see policies/RULES.md);
    checkov's own checks in ``stackcheck.compliance.library.LIBRARY_CHECKS`` have one under their
    checkov id, and every other checkov check runs as it is on the live resource types whose reader
    reads all it reads (``stackcheck.compliance.checkov_checks``). Raises ScannerError (exit 3) when the pack or a library check cannot be loaded,
    when an assembly rule declares a live form (assembly rules judge the whole cloud assembly, not
    live resources), when a rule names a type the compliance stage cannot read (READ_TYPES), or
    when a pack rule takes the id of a library check.
    """
    from stackcheck.compliance.checkov_checks import checkov_forms
    from stackcheck.compliance.library import library_forms
    from stackcheck.scan.custom import pack_rules

    forms: list[LiveForm] = []
    template_only: list[str] = []
    for rule in pack_rules(policies) if policies is not None else ():
        owner = getattr(sys.modules.get(getattr(rule.evaluate, "__module__", "")), rule.name, None)
        types = tuple(getattr(owner, "live_resource_types", ()) or ())
        if not types:
            template_only.append(rule.id)
            continue
        if rule.tool not in ("checkov", "cfn-lint"):
            raise ScannerError(
                f"rule {rule.id} ({rule.file}) declares live_resource_types, but only cfn-lint rules and "
                "checkov checks have live forms"
            )
        unreadable = sorted(set(types) - READ_TYPES)
        if unreadable:
            raise ScannerError(
                f"rule {rule.id} ({rule.file}) names live resource types the compliance stage cannot read: "
                f"{unreadable}; readable types: {sorted(READ_TYPES)}"
            )
        forms.append(LiveForm(rule=rule, resource_types=types))
    taken = {form.id for form in forms} | set(template_only)
    for form in library_forms():
        if form.id in taken:
            raise ScannerError(
                f"policy pack rule {form.id} takes the id of checkov's own check {form.id}, which has a "
                "live form in stackcheck.compliance.library; give the pack rule the next free id"
            )
        unreadable = sorted(set(form.resource_types) - READ_TYPES)
        if unreadable:
            raise ScannerError(
                f"the live form of {form.id} (stackcheck.compliance.library) names live resource types "
                f"the compliance stage cannot read: {unreadable}; readable types: {sorted(READ_TYPES)}"
            )
        forms.append(form)
    forms += checkov_forms({form.id for form in forms} | set(template_only))
    return tuple(sorted(forms, key=lambda f: f.id)), tuple(template_only)


@dataclass(frozen=True)
class NotDeployed:
    """A resource of a stack's template (``stack``, the artifact id; ``logical_id``, ``resource_type``) that the
    deployed stack does not have; ``reason``: why, when the deployment said (the emulator's
    ``deploy --allow-unsupported`` leaves out what it cannot create), else None."""

    stack: str
    logical_id: str
    resource_type: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"stack", "logical_id", "resource_type", "reason"}`` for the JSON report."""
        return asdict(self)


@dataclass(frozen=True)
class ComplianceResult:
    """One live compliance run: ``scan`` holds the findings (ledger applied), one unit per stack, ledger
    warnings and timings, in the shape the scan reports take; ``forms`` are the live forms run,
    ``template_only`` the pack's rules without one; ``api_calls`` counts the API calls made; ``coverage`` says,
    per rule and resource type the stacks declare, whether the rule judged it live or at template time only,
    and why (``stackcheck.compliance.checkov_checks.coverage``); ``not_deployed`` lists every resource the
    templates declare that is not in its deployed stack (nothing checks it live: whatever its type), of
    ``declared`` resources in all."""

    scan: ScanResult
    target: LiveTarget
    forms: tuple[LiveForm, ...]
    template_only: tuple[str, ...] = ()
    api_calls: int = 0
    coverage: tuple[Coverage, ...] = ()
    not_deployed: tuple[NotDeployed, ...] = ()
    declared: int = 0

    @property
    def exit_code(self) -> int:
        """1 when any unsuppressed FAILED finding (or UNKNOWN finding of severity ERROR) is left, else 0."""
        return self.scan.exit_code


def check_compliance(
    artifacts: Sequence[StackArtifact],
    factory: Any,
    forms: Sequence[LiveForm],
    *,
    ledger: Ledger | None = None,
    target: LiveTarget | None = None,
    template_only: Sequence[str] = (),
    today: date | None = None,
    reader: LiveReader | None = None,
    outcomes: TemplateOutcomes | None = None,
    progress: Progress | None = None,
    left_out: Mapping[str, Mapping[str, str]] | None = None,
) -> ComplianceResult:
    """Run every live form on the deployed stacks of ``artifacts``; apply the ledger entries of the live rule ids.

    ``factory`` is a ClientFactory (every call retried on throttling under its profile). Per
    stack: ListStackResources gives the physical IDs, the live template is read (LiveReader),
    and each rule's function runs on it. Findings carry the stack, logical ID and construct
    path of the resource judged (a resource of another stack under that stack), the template
    file and line of its declaration, the rule's message plus the live evidence, and, for a
    FAILED finding, whether the template form of the rule passes or does not apply to the
    resource (an out-of-band change: an inline policy put on a role that declares none) or
    fails too.
    Also: FAILED findings (severity ERROR, rule GONE_RULE) for declared resources that are gone
    (deleted outside CloudFormation, see ``gone_findings``), UNKNOWN findings (severity ERROR, rule
    READ_ERROR_RULE) for other live resources that could not be read, and UNKNOWN (WARNING) for
    resources the template declares but the stack lacks.

    ``reader``: a LiveReader over the deployed stacks of ``artifacts`` whose cached answers are
    reused (``stackcheck.compliance.snapshot``); its stacks are then not discovered again.
    ``outcomes``: the template forms' outcomes kept from an earlier run on the same templates.
    ``progress`` (``stackcheck.progress``) hears of each stack as it is judged: ``<stack> (N API
    calls, F failed)``, N the calls its live read made. ``left_out``: artifact id → logical ID → why
    the deployment left that resource out (``stackcheck.emulator.plan.left_out``); their findings and
    ``not_deployed`` rows say so instead of asking for a deploy.

    Raises BadInputError (exit 2) when a stack is not deployed, DetectionUnavailableError
    (exit 3) when the endpoint does not answer, there are no credentials or CloudFormation
    refuses the calls.
    """
    from stackcheck.scan.runner import ScanResult, UnitResult
    from stackcheck.suppressions import Ledger, apply_ledger, scan_scope

    target = target or LiveTarget()
    started = time.perf_counter()
    stacks = reader.stacks if reader is not None else deployed_at(factory, artifacts, target)
    discovered = time.perf_counter()
    calls_before = reader.calls if reader is not None else 0
    reader = reader if reader is not None else LiveReader(factory, stacks)
    by_id = {s.artifact_id: s for s in stacks}
    types = {t for form in forms for t in form.resource_types}
    outcomes = outcomes if outcomes is not None else TemplateOutcomes()
    units = []
    if progress is not None:
        progress.start(len(stacks), "compliance")
    read = read_live_templates(reader, stacks, types)
    for stack in stacks:
        began = time.perf_counter()
        live, calls = read[stack.artifact_id].result()
        skipped = (left_out or {}).get(stack.artifact_id, {})
        findings = [
            *gone_findings(stack, live, LIVE_TOOL),
            *_read_errors(stack, live, forms),
            *_not_live(stack, forms, skipped),
        ]
        for form in forms:
            findings += _evaluate(form, stack, live, by_id, outcomes)
        if progress is not None:
            failed = sum(f.status is Status.FAILED for f in findings)
            progress.advance(stack.artifact_id, f"{calls} API calls, {failed} failed")
        units.append(
            UnitResult(
                tool=LIVE_TOOL,
                stack=stack.artifact_id,
                template_file=str(stack.artifact.template_file),
                findings=tuple(findings),
                seconds=time.perf_counter() - began,
            )
        )
    if progress is not None:
        progress.finish()
    findings = deduplicate(f for unit in units for f in unit.findings)
    warnings: list[Any] = []
    if ledger is not None:
        ids = {form.id for form in forms} | {READ_ERROR_RULE, GONE_RULE}
        # Entries for stacks not evaluated here are neither applied nor reported stale.
        scope = scan_scope(by_id, (p for s in stacks for p in s.artifact.construct_paths.values()))
        findings, warnings = apply_ledger(
            findings, Ledger(ledger.path, tuple(e for e in ledger.entries if e.rule in ids)), today, scope=scope
        )
    tools = {LIVE_TOOL: {"version": __version__, "reports_passes": True}}
    timings = {
        "discover": discovered - started,
        "live": time.perf_counter() - discovered,
        "total": time.perf_counter() - started,
    }
    scan = ScanResult(
        findings=tuple(findings), units=tuple(units), ledger_warnings=tuple(warnings), tools=tools, timings=timings
    )
    return ComplianceResult(
        scan=scan,
        target=target,
        forms=tuple(forms),
        template_only=tuple(template_only),
        api_calls=reader.calls - calls_before,
        coverage=coverage(forms, declared_types(s.artifact.template for s in stacks)),
        not_deployed=tuple(row for s in stacks for row in _not_deployed(s, (left_out or {}).get(s.artifact_id, {}))),
        declared=sum(len(s.artifact.resources) for s in stacks),
    )


def _not_deployed(stack: DeployedStack, left_out: Mapping[str, str]) -> Iterator[NotDeployed]:
    """The resources ``stack``'s template declares that the deployed stack lacks, in template order."""
    deployed = {r.logical_id for r in stack.resources}
    for logical_id, resource in stack.artifact.resources.items():
        if logical_id not in deployed:
            kind = str(resource.get("Type", "?"))
            yield NotDeployed(stack.artifact_id, logical_id, kind, left_out.get(logical_id))


def not_deployed_line(result: ComplianceResult) -> str | None:
    """``8 of 10 declared resources are not in their deployed stacks, so nothing checks them live: AWS::AppSync::ApiKey
    ×1, …, AWS::AppSync::Resolver ×4 (8 left out by the deployment, e.g. ItemsApi: unsupported type
    AWS::AppSync::GraphQLApi)`` (types sorted; the first resource with a reason as the example); None when every
    one is deployed."""
    if not result.not_deployed:
        return None
    counts: dict[str, int] = {}
    for row in result.not_deployed:
        counts[row.resource_type] = counts.get(row.resource_type, 0) + 1
    kinds = ", ".join(f"{kind} ×{n}" for kind, n in sorted(counts.items()))
    left = [row for row in result.not_deployed if row.reason is not None]
    why = ""
    if left:
        why = f" ({len(left)} left out by the deployment, e.g. {left[0].logical_id}: {left[0].reason})"
    return (
        f"{len(result.not_deployed)} of {result.declared} declared resources are not in their deployed stacks, "
        f"so nothing checks them live: {kinds}{why}"
    )


def deployed_at(factory: Any, artifacts: Sequence[StackArtifact], target: LiveTarget) -> list[DeployedStack]:
    """``deployed_stacks`` through ``factory``'s CloudFormation client, its failures classified: BadInputError
    (exit 2) when a stack is not deployed, DetectionUnavailableError (exit 3) when ``target`` cannot be read."""
    from stackcheck.aws.unavailable import unavailable_reason

    try:
        return deployed_stacks(factory("cloudformation"), artifacts, where=target.describe())
    except BadInputError:
        raise
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        reason = unavailable_reason(exc)
        if reason is None and not isinstance(exc, (BotoCoreError, ClientError)):
            raise
        kind, detail = (reason.kind, reason.detail) if reason else ("error", " ".join(str(exc).split()))
        raise DetectionUnavailableError(
            f"cannot read the deployed stacks at {target.describe()} ({kind}): {detail}",
            next_step=DEPLOY_FIRST if target.emulator and kind == "unreachable" else None,
        ) from exc


class TemplateOutcomes:
    """The template form's outcomes per (rule id, stack, logical ID), computed once per rule and stack."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], dict[str, set[Outcome]]] = {}

    def get(self, form: LiveForm, stack: DeployedStack, logical_id: str) -> set[Outcome]:
        """Outcomes of the template form on ``logical_id``; for a per-template rule that gave the resource
        no verdict (a rule added out of band lands on its security group), its outcomes on the whole template."""
        key = (form.id, stack.artifact_id)
        if key not in self._cache:
            self._cache[key] = self._compute(form, stack.artifact)
        found = self._cache[key].get(logical_id, set())
        if not found and form.kind == "template":
            found = set().union(*self._cache[key].values())
        return found

    @staticmethod
    def _compute(form: LiveForm, artifact: StackArtifact) -> dict[str, set[Outcome]]:
        found: dict[str, set[Outcome]] = {}
        template = artifact.template
        try:
            if form.kind == "template":
                for verdict in form.rule.evaluate(TemplateView(template)):
                    if verdict.logical_id:
                        found.setdefault(verdict.logical_id, set()).add(verdict.outcome)
            else:
                for lid, resource in TemplateView(template).of_type(*form.resource_types).items():
                    props = resource.get("Properties")
                    view = TemplateView({"Resources": {lid: resource}}, whole=False)
                    verdict = form.rule.evaluate(lid, resource["Type"], props if isinstance(props, dict) else {}, view)
                    found.setdefault(lid, set()).add(verdict.outcome)
        except Exception:
            return {}
        return found


def _evaluate(
    form: LiveForm,
    stack: DeployedStack,
    live: LiveTemplate,
    stacks: dict[str, DeployedStack],
    outcomes: TemplateOutcomes,
) -> Iterator[Finding]:
    """The findings of one live form on one live template."""
    from stackcheck.scan.policy import crash_message

    readable = {k: v for k, v in live.template["Resources"].items() if not live.resources[k].error}
    judged: list[tuple[str | None, Verdict, bool]] = []  # (key, verdict, the rule crashed)
    if form.kind == "template":
        try:
            judged = [(v.logical_id, v, False) for v in form.rule.evaluate(TemplateView({"Resources": readable}))]
        except Exception as exc:
            yield _crash(form, stack, crash_message(form.id, exc))
            return
    else:
        for key, resource in readable.items():
            entry = live.resources[key]
            if entry.resource_type not in form.resource_types or not entry.full:
                continue
            if entry.owner is None or entry.owner.stack != stack.artifact_id:
                continue  # another stack's resource is judged with that stack
            view = TemplateView({"Resources": {key: resource}}, whole=False)
            try:
                judged.append((key, form.rule.evaluate(key, entry.resource_type, resource["Properties"], view), False))
            except Exception as exc:
                judged.append((key, Verdict(Outcome.UNKNOWN, crash_message(form.id, exc)), True))
    for key, verdict, crashed in judged:
        if verdict.outcome is not Outcome.NOT_APPLICABLE:
            yield _finding(form, stack, live, key, verdict, stacks, outcomes, crashed=crashed)


def _crash(form: LiveForm, stack: DeployedStack, message: str) -> Finding:
    return Finding(
        rule_id=form.id,
        severity=Severity.ERROR,
        tool=LIVE_TOOL,
        stack=stack.artifact_id,
        message=message,
        status=Status.UNKNOWN,
        template_file=str(stack.artifact.template_file),
        help_url=form.rule.source_url,
    )


def _where(
    owner: DeployedResource | None, stack: DeployedStack, stacks: dict[str, DeployedStack]
) -> tuple[DeployedStack, str | None, str | None]:
    """(stack, logical ID, construct path) a finding about ``owner`` belongs to."""
    if owner is not None and owner.stack in stacks:
        return stacks[owner.stack], owner.logical_id, owner.construct_path
    return stack, None, None


def _finding(
    form: LiveForm,
    stack: DeployedStack,
    live: LiveTemplate,
    key: str | None,
    verdict: Verdict,
    stacks: dict[str, DeployedStack],
    outcomes: TemplateOutcomes,
    *,
    crashed: bool = False,
) -> Finding:
    from stackcheck.scan.assembly_rules import template_line
    from stackcheck.scan.custom import UNRESOLVED_SEVERITY

    entry: LiveResource | None = live.resources.get(key) if key else None
    home, logical_id, construct_path = _where(entry.owner if entry else None, stack, stacks)
    template_file = str(home.artifact.template_file)
    status = {Outcome.PASSED: Status.PASSED, Outcome.FAILED: Status.FAILED}.get(verdict.outcome, Status.UNKNOWN)
    severity = form.rule.severity if status is not Status.UNKNOWN else UNRESOLVED_SEVERITY
    message = verdict.message
    if crashed:
        severity = Severity.ERROR
    elif entry is not None:
        message += f" [live: {entry.evidence(verdict.path)}]"
    if status is Status.FAILED and logical_id:
        template = outcomes.get(form, home, logical_id)
        if template and template <= {Outcome.PASSED, Outcome.NOT_APPLICABLE}:
            message += _DRIFTED  # the template form found nothing to fail: the live state is not what was deployed
        elif Outcome.FAILED in template:
            message += f"; {_ALSO_IN_TEMPLATE.render()}"
    path = () if crashed else verdict.path
    line = template_line(template_file, ("Resources", logical_id, *path)) if logical_id else None
    return Finding(
        rule_id=form.id,
        severity=severity,
        tool=LIVE_TOOL,
        stack=home.artifact_id,
        message=message,
        status=status,
        template_file=template_file,
        logical_id=logical_id,
        resource_type=entry.resource_type if entry else None,
        construct_path=construct_path,
        line=line,
        property_path=path,
        help_url=form.rule.source_url or None,
    )


def _read_errors(stack: DeployedStack, live: LiveTemplate, forms: Sequence[LiveForm]) -> Iterator[Finding]:
    """One UNKNOWN ERROR finding per live resource that could not be read (but a gone one of this stack: FAILED)."""
    for entry in live.errors():
        if entry.gone and entry.owner is not None and entry.owner.stack == stack.artifact_id:
            continue  # gone_findings reports it
        home, logical_id, construct_path = _where(entry.owner, stack, {stack.artifact_id: stack})
        rules = sorted(f.id for f in forms if entry.resource_type in f.resource_types) or [
            "the live forms that read it"
        ]
        yield Finding(
            rule_id=READ_ERROR_RULE,
            severity=Severity.ERROR,
            tool=LIVE_TOOL,
            stack=home.artifact_id,
            message=(
                f"{entry.resource_type} {entry.physical_id}: its live state cannot be read ({entry.error}); "
                f"{', '.join(rules)} did not run on it. If it was deleted outside CloudFormation, "
                "`stackcheck drift` reports it"
            ),
            status=Status.UNKNOWN,
            template_file=str(home.artifact.template_file),
            logical_id=logical_id,
            resource_type=entry.resource_type,
            construct_path=construct_path,
        )


def _not_live(stack: DeployedStack, forms: Sequence[LiveForm], left_out: Mapping[str, str]) -> Iterator[Finding]:
    """UNKNOWN findings for resources of live-form types the template declares but the stack lacks (or lost);
    ``left_out``: logical ID → why the deployment left it out."""
    artifact = stack.artifact
    deployed = {r.logical_id: r for r in stack.resources}
    for logical_id, resource in artifact.resources.items():
        kind = resource.get("Type")
        current = deployed.get(logical_id)
        if current is not None and current.live:
            continue
        for form in forms:
            if kind not in form.resource_types or kind not in READ_TYPES:
                continue  # a type read as part of another (a security group's rule) is judged when that is read
            if current is None and logical_id in left_out:
                message = (
                    f"{kind} `{logical_id}` was left out of the deployed stack {artifact.stack_name} "
                    f"({left_out[logical_id]}); it can be checked live only where it is created (AWS)"
                )
                severity = Severity.WARNING
            elif current is None:
                message = (
                    f"{kind} `{logical_id}` is declared in the cloud assembly but not in the deployed stack "
                    f"{artifact.stack_name}; deploy the current cloud assembly to check it live"
                )
                severity = Severity.WARNING
            else:
                message = (
                    f"{kind} `{logical_id}`: CloudFormation reports {current.status or 'no status'} and "
                    f"{'physical ID ' + current.physical_id if current.physical_id else 'no physical ID'}; "
                    "its live state cannot be checked"
                )
                severity = Severity.ERROR
            yield Finding(
                rule_id=form.id,
                severity=severity,
                tool=LIVE_TOOL,
                stack=artifact.artifact_id,
                message=message,
                status=Status.UNKNOWN,
                template_file=str(artifact.template_file),
                logical_id=logical_id,
                resource_type=kind,
                construct_path=artifact.construct_path(logical_id),
                help_url=form.rule.source_url or None,
            )
