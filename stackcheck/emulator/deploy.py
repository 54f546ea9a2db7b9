"""Deploy a cloud assembly to the emulator through boto3 CloudFormation, in dependency order, verify every stack, write outputs; tear down."""

from __future__ import annotations

import graphlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackcheck.assembly import CloudAssembly
from stackcheck.emulator.assets import PublishedAssets, publish_assets
from stackcheck.emulator.capabilities import served_native_types
from stackcheck.emulator.plan import TemplatePlan, plan_templates, references, skip_details
from stackcheck.emulator.process import (
    DEFAULT_OUTPUTS_DIR,
    LOG_FILE,
    EmulatorRecord,
    emulator_session,
    reset,
    status,
    stop,
)
from stackcheck.errors import DeployError, NextStep, OutputCollisionError
from stackcheck.files import ALL_OUTPUTS_FILE, FLAT_OUTPUTS_FILE
from stackcheck.outputs import write_outputs

__all__ = [
    "CDK_BOOTSTRAP_VERSION",
    "DeployResult",
    "DestroyResult",
    "StackResult",
    "TemplatePlan",
    "deploy_assembly",
    "destroy",
    "plan_templates",
    "references",
]

CDK_BOOTSTRAP_VERSION = "30"
"""Value seeded for the CDK bootstrap version parameter; any version >= 6 satisfies the
``CheckBootstrapVersion`` rule the CDK writes into every template."""

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


_UNRESOLVED = re.compile(r"Fn::|\{'Ref'|object at 0x|\{\{resolve:")


@dataclass(frozen=True)
class StackResult:
    """How one stack deployed: CloudFormation ``status``; ``declared``, the resources of the
    stack's template; ``created``, those created live by a CloudFormation model; ``emulated``
    (logical ID → what was done), CDK framework custom resources created by their effect;
    ``skipped`` (logical ID → why it was left out); ``declared == created + len(emulated) +
    len(skipped)`` once the stack is complete. ``missing``: logical IDs sent but not live;
    ``lost_outputs``: output key → the skipped logical ID it depends on (Ref/GetAtt/Sub,
    transitively); ``outputs`` (output key → value), wall ``seconds``, and ``unchanged`` when the
    stack was already there from the same template."""

    artifact_id: str
    stack_name: str
    status: str
    declared: int
    created: int
    missing: tuple[str, ...]
    skipped: Mapping[str, str]
    outputs: Mapping[str, str]
    seconds: float
    unchanged: bool = False
    emulated: Mapping[str, str] = field(default_factory=dict)
    lost_outputs: Mapping[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """``Api  CREATE_COMPLETE  declared 8 / created 6 / emulated 1 / skipped 1 (Stage: unsupported type
        AWS::ApiGateway::Stage); lost outputs: ApiUrl (depend on skipped Stage)`` (+ "already deployed, unchanged")."""
        text = (
            f"{self.stack_name}  {self.status}  declared {self.declared} / created {self.created} / "
            f"emulated {len(self.emulated)} / skipped {len(self.skipped)}"
        )
        text += skip_details(self.skipped, self.lost_outputs)
        if self.unchanged:
            text += "  (already deployed, unchanged)"
        return text


@dataclass(frozen=True)
class DeployResult:
    """Every stack's StackResult in deployment order, the outputs files written (``all-outputs.json``,
    then ``flat-outputs.json`` or None when two stacks declare the same output key: ``flat_skipped``
    says which, and ``all-outputs.json`` holds every value by stack), total wall seconds and the
    assets published before the stacks (``stackcheck.emulator.assets``)."""

    stacks: list[StackResult]
    outputs_files: tuple[Path, Path | None]
    seconds: float
    assets: PublishedAssets = field(default_factory=PublishedAssets)
    flat_skipped: str | None = None


def _seed_bootstrap_parameters(session: Any, record: EmulatorRecord, plans: Iterable[TemplatePlan]) -> list[str]:
    """Put the CDK bootstrap version SSM parameter(s) the templates read; returns their names."""
    ssm = session.client("ssm", endpoint_url=record.endpoint_url)
    names = set()
    for plan in plans:
        for parameter in (plan.template.get("Parameters") or {}).values():
            default = parameter.get("Default")
            if (
                str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
                and isinstance(default, str)
                and default.startswith("/cdk-bootstrap/")
            ):
                names.add(default)
    for name in sorted(names):
        ssm.put_parameter(Name=name, Value=CDK_BOOTSTRAP_VERSION, Type="String", Overwrite=True)
    return sorted(names)


def _cloudformation(session: Any, record: EmulatorRecord) -> Any:
    from botocore.config import Config

    # One attempt: a retried CreateStack meets AlreadyExists and hides the first error.
    return session.client(
        "cloudformation",
        endpoint_url=record.endpoint_url,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=600),
    )


def _live_resources(cfn: Any, stack_name: str) -> dict[str, str]:
    """Logical ID → resource type of the stack's live resources (moto lists an uncreatable one with no logical ID)."""
    live = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for summary in page["StackResourceSummaries"]:
            if summary.get("LogicalResourceId"):
                live[summary["LogicalResourceId"]] = summary.get("ResourceType", "")
    return live


_TRACEBACK_LAST_LINE = re.compile(r"^[A-Za-z_.]*(?:Error|Exception|Fault)\b.*$", re.MULTILINE)


def _server_error(log: Path | None) -> str:
    """The last exception line of the emulator log: what a 500 from moto was."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")[-20000:] if log else ""
    except OSError:
        text = ""
    found = _TRACEBACK_LAST_LINE.findall(text)
    where = f" (emulator log {log})" if log else ""
    return f"the emulator failed internally: {found[-1]}{where}" if found else f"the emulator failed internally{where}"


def _error_text(exc: Exception, log: Path | None) -> str:
    """One line for a failed call: the API error, or for moto's HTML 500 page the exception in the emulator log."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        details = exc.response.get("Error", {})
        text = f"{details.get('Code', 'Error')}: {details.get('Message', str(exc))}"
        # Only an exception moto did not handle is a 500 with a traceback in the log; the server's own
        # 501 NotImplemented (and any other 5xx answer) says what happened itself.
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) == 500:
            text = f"{text}; {_server_error(log)}"
        return text
    if "Internal Server Error" in str(exc):
        return _server_error(log)
    return f"{type(exc).__name__}: {exc}"


def _stack_status(cfn: Any, stack_name: str) -> str | None:
    """The stack's status without DescribeStacks (which makes moto evaluate outputs, and so create resources)."""
    for page in cfn.get_paginator("list_stacks").paginate():
        for summary in page["StackSummaries"]:
            if summary["StackName"] == stack_name and summary["StackStatus"] != "DELETE_COMPLETE":
                return summary["StackStatus"]
    return None


def _check_unchanged(cfn: Any, stack_name: str, state: str, template: Mapping[str, Any]) -> None:
    """Accept a stack already on the emulator only when it is CREATE_COMPLETE from this very template.

    moto cannot update most stacks faithfully (a VPC stack orphans resources), so a changed
    template is a DeployError saying to tear down and deploy again, rather than an update.
    """
    body = cfn.get_template(StackName=stack_name)["TemplateBody"]
    deployed = json.loads(body) if isinstance(body, str) else body
    if state == "CREATE_COMPLETE" and deployed == json.loads(json.dumps(template)):
        return
    what = "from a different template" if state == "CREATE_COMPLETE" else f"in state {state}"
    raise DeployError(
        f"stack {stack_name} is already on the emulator {what}; the emulator does not update stacks",
        next_step=NextStep.DESTROY_LOCAL,
    )


def _failure(cfn: Any, stack_name: str, declared: Mapping[str, Any], error: str | None) -> DeployError:
    """A DeployError for a stack that did not deploy, read from its events (which create nothing)."""
    state = _stack_status(cfn, stack_name)
    if state is None:
        return DeployError(f"stack {stack_name} was not created: {error}")
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    completed = {e["LogicalResourceId"] for e in events if e.get("ResourceStatus") == "CREATE_COMPLETE"}
    failed: dict[str, str] = {}
    for event in reversed(events):  # oldest first: the first failure is the cause
        if event.get("ResourceStatus") == "CREATE_FAILED" and event["LogicalResourceId"] in declared:
            failed.setdefault(event["LogicalResourceId"], event.get("ResourceStatusReason") or "")
    missing = sorted(set(declared) - completed)
    causes = [
        f"{logical_id} ({declared[logical_id].get('Type', '?')}): {reason}"
        for logical_id, reason in failed.items()
        if not reason.startswith("Resource creation cancelled")
    ]
    shown = ", ".join(missing[:15]) + (f" and {len(missing) - 15} more" if len(missing) > 15 else "")
    return DeployError(
        f"stack {stack_name} is {state} with {len(set(declared) & completed)}/{len(declared)} resources"
        + (f"; failed: {'; '.join(causes)}" if causes else "")
        + (f"; error: {error}" if error and not causes else "")
        + (f"; missing logical IDs: {shown}" if missing else "")
    )


def _deploy_stack(session: Any, record: EmulatorRecord, plan: TemplatePlan, log: Path | None = None) -> StackResult:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    api_errors = (ClientError, BotoCoreError, ResponseParserError)
    started = time.perf_counter()
    artifact = plan.artifact
    cfn = _cloudformation(session, record)
    declared = dict(plan.template.get("Resources", {}) or {})
    skipped = dict(plan.skipped)
    existing = _stack_status(cfn, artifact.stack_name)
    if existing is not None:
        _check_unchanged(cfn, artifact.stack_name, existing, plan.template)
    else:
        try:
            cfn.create_stack(
                StackName=artifact.stack_name, TemplateBody=json.dumps(plan.template), Capabilities=CAPABILITIES
            )
        except api_errors as exc:
            raise _failure(cfn, artifact.stack_name, declared, _error_text(exc, log)) from None
    try:
        stack = cfn.describe_stacks(StackName=artifact.stack_name)["Stacks"][0]
        live = _live_resources(cfn, artifact.stack_name)
    except api_errors as exc:
        raise _failure(cfn, artifact.stack_name, declared, _error_text(exc, log)) from None
    for logical_id in set(declared) - set(live):
        condition = declared[logical_id].get("Condition")
        if condition:  # CloudFormation leaves out a resource whose condition is false; so does moto
            skipped[logical_id] = f"condition {condition} is false"
            del declared[logical_id]
    missing = tuple(sorted(set(declared) - set(live)))
    state = stack["StackStatus"]
    if state != "CREATE_COMPLETE" or missing:
        raise _failure(cfn, artifact.stack_name, declared, None)
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or []}
    declared_outputs = set(plan.template.get("Outputs") or {})
    problems = [f"{k} (not answered)" for k in sorted(declared_outputs - set(outputs))]
    problems += [f"{k} = {v!r}" for k, v in sorted(outputs.items()) if not isinstance(v, str) or _UNRESOLVED.search(v)]
    if problems:
        raise DeployError(
            f"stack {artifact.stack_name} is {state} but outputs did not resolve: {'; '.join(problems)}. "
            "An intrinsic the emulator cannot evaluate is involved; see `stackcheck emulator capabilities`"
        )
    emulated = {k: v for k, v in plan.emulated.items() if k in live}
    return StackResult(
        artifact_id=artifact.artifact_id,
        stack_name=artifact.stack_name,
        status=state,
        declared=len(declared) + len(skipped),
        created=len((set(declared) & set(live)) - set(emulated)),
        missing=missing,
        skipped=skipped,
        outputs=outputs,
        seconds=time.perf_counter() - started,
        unchanged=existing is not None,
        emulated=emulated,
        lost_outputs=dict(plan.lost_outputs),
    )


def deploy_assembly(
    assembly: CloudAssembly,
    record: EmulatorRecord,
    *,
    outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR,
    allow_unsupported: bool = False,
    max_parallel: int = 4,
    on_stack: Callable[[StackResult], None] | None = None,
    log_file: str | os.PathLike[str] | None = None,
    on_assets: Callable[[PublishedAssets], None] | None = None,
    account: str | None = None,
) -> DeployResult:
    """Create every stack of ``assembly`` on the emulator ``record`` names, each once all it depends on is up.

    Stacks are scheduled by their dependencies (``graphlib.TopologicalSorter``): a stack starts as
    soon as every stack it depends on is complete, in up to ``max_parallel`` threads, each with its
    own boto3 Session (boto3 documents Sessions as not thread-safe:
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/session.html#multithreading-or-multiprocessing-with-sessions).
    The CDK bootstrap version parameter is seeded and the assembly's assets are published first
    (``on_assets`` is called with what was published). Each stack must end CREATE_COMPLETE with
    every declared resource live and every output resolved; ``on_stack`` is called with each
    StackResult as it completes. After a failure no further stack starts; those running finish.
    Then ``all-outputs.json`` (stack -> key -> value) and ``flat-outputs.json`` are written to
    ``outputs_dir``. ``log_file`` is the server log an internal error is looked up in (default:
    ``<outputs_dir>/emulator.log``). ``account`` (12 digits) deploys into that account of the
    emulator (``emulator_session``), in the record's region (pass a record with another ``region``
    for another); None is the emulator's default account.

    Outputs files of an earlier deployment are removed first. Raises UnsupportedResourceError
    (see ``plan_templates``), DeployError naming each failed stack, its status, the error and the
    missing logical IDs (no outputs are written then). When two stacks declare the same output key
    the deploy still succeeds: ``all-outputs.json`` is written, ``flat-outputs.json`` is not, and
    ``DeployResult.flat_skipped`` says why (checks then read ``all-outputs.json``, stack-qualified).
    """
    started = time.perf_counter()
    for name in (ALL_OUTPUTS_FILE, FLAT_OUTPUTS_FILE):
        # Outputs of an earlier deployment must not outlive a failed one and mislead the checks.
        (Path(outputs_dir) / name).unlink(missing_ok=True)
    plans = {
        p.artifact.artifact_id: p
        for wave in plan_templates(
            assembly, allow_unsupported=allow_unsupported, native=served_native_types(record.endpoint_url)
        )
        for p in wave
    }
    session = emulator_session(record, account=account)
    _seed_bootstrap_parameters(session, record, plans.values())
    assets = publish_assets(assembly.directory, session, record.endpoint_url, record.region)
    if on_assets:
        on_assets(assets)
    log = Path(log_file) if log_file is not None else Path(outputs_dir) / LOG_FILE
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
        {artifact_id: set(plan.artifact.dependencies) & set(plans) for artifact_id, plan in plans.items()}
    )
    sorter.prepare()
    results: dict[str, StackResult] = {}
    failures: list[DeployError] = []
    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(plans)))) as pool:
        running: dict[Future[StackResult], str] = {}
        while True:
            if not failures:
                for artifact_id in sorted(sorter.get_ready()):
                    running[pool.submit(_deploy_stack_in_own_session, record, plans[artifact_id], log, account)] = (
                        artifact_id
                    )
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f]):
                artifact_id = running.pop(future)
                try:
                    result = future.result()
                except DeployError as exc:
                    failures.append(exc)
                    continue
                results[artifact_id] = result
                sorter.done(artifact_id)
                if on_stack:
                    on_stack(result)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        raise DeployError("; ".join(str(f) for f in failures))
    ordered = [results[artifact_id] for artifact_id in plans]
    nested = {r.stack_name: dict(r.outputs) for r in ordered}
    try:
        files: tuple[Path, Path | None] = write_outputs(nested, outputs_dir)
    except OutputCollisionError as exc:
        # every stack is up and all-outputs.json (written first) holds every value by stack: not a failed deploy
        return DeployResult(
            ordered, (Path(outputs_dir) / ALL_OUTPUTS_FILE, None), time.perf_counter() - started, assets, str(exc)
        )
    return DeployResult(ordered, files, time.perf_counter() - started, assets)


def _deploy_stack_in_own_session(
    record: EmulatorRecord, plan: TemplatePlan, log: Path | None, account: str | None = None
) -> StackResult:
    """``_deploy_stack`` with a boto3 Session made in (and used only by) the calling thread."""
    return _deploy_stack(emulator_session(record, account=account), record, plan, log)


@dataclass(frozen=True)
class DestroyResult:
    """What ``destroy`` did: whether the server was reset and stopped, and the files removed."""

    reset: bool
    stopped: bool
    removed: tuple[Path, ...]


def destroy(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR) -> DestroyResult:
    """Reset the emulator (every resource dropped), stop it and remove the emulator record,
    ``all-outputs.json`` and ``flat-outputs.json`` from ``outputs_dir``.

    moto's DeleteStack orphans resources of VPC stacks, so the whole server is reset instead.
    A stale or absent emulator is not an error: the files are removed all the same.
    Raises EmulatorError when a running emulator does not accept the reset.
    """
    current = status(outputs_dir)
    was_reset = False
    if current.state == "running" and current.record is not None:
        reset(current.record)
        was_reset = True
    stopped = stop(outputs_dir) is not None and current.state == "running"
    removed = []
    for name in (ALL_OUTPUTS_FILE, FLAT_OUTPUTS_FILE):
        path = Path(outputs_dir) / name
        if path.exists():
            path.unlink()
            removed.append(path)
    return DestroyResult(was_reset, stopped, tuple(removed))
