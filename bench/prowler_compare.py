"""Bench section `prowler`: stackcheck compliance + drift against Prowler on one emulator deployment: run time and out-of-band changes caught.

The app is deployed to a fresh emulator (``make deploy-local`` in the bench's copy). Prowler (from
PyPI, ``PROWLER_REQUIREMENT``, in its own virtual environment: its pins conflict with the project's)
scans the emulator through ``AWS_ENDPOINT_URL`` with fake credentials, in the deployment's region,
with ``--scan-unused-services`` (moto makes no network interfaces, so Prowler would call every
resource unused and skip it) and JSON-OCSF output. ``stackcheck compliance`` and ``stackcheck drift``
run as ``make compliance`` and ``make drift`` run them, whole commands. Both tools run on the
deployment as deployed (the baseline), then ``CHANGES`` are made out of band with boto3 and both run
again. Most of Prowler's FAILs on the emulator are about moto's own resources (its public AMI
snapshots, the CDK bootstrap bucket, account settings), so a change counts as caught by Prowler when
a FAIL (check id, resource uid) absent from the baseline names the changed resource; by stackcheck
when an unsuppressed FAILED finding or a DRIFTED difference absent from the baseline names its
construct path (and, where two changes touch one resource, the rule or property that change breaks).
``prowler_time_ratio`` is the median over the two states of (compliance + drift seconds) / (Prowler
seconds).
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.measure import Run, alternate, run
from bench.workspace import Workspace

__all__ = [
    "PROWLER_REQUIREMENT",
    "Change",
    "ProwlerFinding",
    "ProwlerUnavailable",
    "bench_prowler",
    "caught_by_prowler",
    "caught_by_stackcheck",
    "changes",
    "compliance_failures",
    "drift_differences",
    "ensure_prowler",
    "failures",
    "names_resource",
    "new_failures",
    "read_ocsf",
]

REPO = Path(__file__).resolve().parents[1]
PROWLER_REQUIREMENT = "prowler>=5,<6"
VENV_VARIABLE = "STACKCHECK_BENCH_PROWLER_VENV"
DEFAULT_VENV = Path.home() / ".cache" / "stackcheck-bench" / "prowler-venv"
PROWLER_EXIT_CODES = (0, 3)  # 3: the scan found FAILs (Prowler's default); anything else is its own failure
STATES = ("baseline", "after")


class ProwlerUnavailable(RuntimeError):
    """Prowler cannot be installed or run here; the message says why (the section records it, no figure)."""


# -- Prowler: install, run, read --------------------------------------------------------------------


def prowler_venv() -> Path:
    """Where Prowler's own virtual environment lives: ``$STACKCHECK_BENCH_PROWLER_VENV`` or ``DEFAULT_VENV``."""
    return Path(os.environ.get(VENV_VARIABLE) or DEFAULT_VENV)


def ensure_prowler(venv: Path, log: Path) -> tuple[Path, str]:
    """``(prowler executable, version)`` of the Prowler installed in ``venv``, created there on first use.

    An existing install answering ``prowler --version`` is reused; otherwise ``venv`` is made with
    this interpreter's ``venv`` module and ``pip install PROWLER_REQUIREMENT`` runs in it (output
    to ``log``). Raises ProwlerUnavailable naming the step that failed and the log.
    """
    executable = venv / "bin" / "prowler"

    def version() -> str | None:
        try:
            answer = subprocess.run(
                [str(executable), "--version"], capture_output=True, text=True, timeout=300, env=_clean_env()
            )
        except (OSError, subprocess.SubprocessError):
            return None
        words = answer.stdout.split()
        return words[-1] if answer.returncode == 0 and words else None

    if executable.is_file() and (found := version()):
        return executable, found
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--upgrade",
            "pip",
        ],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            PROWLER_REQUIREMENT,
        ],
    ]
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        for argv in steps:
            try:
                done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=1800, env=_clean_env())
            except (OSError, subprocess.SubprocessError) as exc:
                raise ProwlerUnavailable(f"`{' '.join(argv[-3:])}` could not run ({exc}); see {log}") from exc
            if done.returncode != 0:
                raise ProwlerUnavailable(f"`{' '.join(argv[-3:])}` exited {done.returncode}; see {log}")
    found = version()
    if found is None:
        raise ProwlerUnavailable(f"{PROWLER_REQUIREMENT} installed in {venv} but `prowler --version` fails; see {log}")
    return executable, found


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without the project's PYTHONPATH, virtual environment and AWS settings, plus ``extra``."""
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("AWS_")}
    return {**env, **(extra or {})}


def prowler_argv(executable: Path, region: str, out_dir: Path) -> list[str]:
    """The Prowler scan: every AWS check, the deployment's region, unused services too, JSON-OCSF to ``out_dir``."""
    return [
        str(executable),
        "aws",
        "--region",
        region,
        "--scan-unused-services",
        "--output-formats",
        "json-ocsf",
        "--output-directory",
        str(out_dir),
        "--output-filename",
        "prowler",
        "--no-banner",
        "--no-color",
    ]


def prowler_env(endpoint_url: str, region: str) -> dict[str, str]:
    """Prowler's environment: every boto3 client pointed at the emulator (``AWS_ENDPOINT_URL``), fake credentials."""
    from stackcheck.aws.clients import FAKE_CREDENTIALS

    return _clean_env(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": FAKE_CREDENTIALS["aws_session_token"],
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )


@dataclass(frozen=True, order=True)
class ProwlerFinding:
    """One (check, resource) result of a Prowler scan: ``status`` is PASS, FAIL or MANUAL."""

    check_id: str
    resource_uid: str
    status: str


def read_ocsf(path: Path) -> list[ProwlerFinding]:
    """The findings of Prowler's JSON-OCSF output (``<dir>/<name>.ocsf.json``, a list of Detection Findings).

    Each finding gives its check as ``metadata.event_code``, its result as ``status_code`` and its
    resources as ``resources[].uid`` (an ARN, or a name where the resource has none); one
    ProwlerFinding per resource. Raises ValueError naming the file when it is not such a list.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: a JSON-OCSF report is a list of findings, got {type(data).__name__}")
    found = []
    for index, item in enumerate(data):
        try:
            check, status = item["metadata"]["event_code"], item["status_code"]
            uids = [resource["uid"] for resource in item.get("resources") or ()]
        except (KeyError, TypeError) as exc:
            raise ValueError(
                f"{path}: finding {index} lacks metadata.event_code, status_code or resources[].uid"
            ) from exc
        found += [ProwlerFinding(check, uid, status) for uid in uids]
    return found


def failures(findings: Iterable[ProwlerFinding]) -> set[tuple[str, str]]:
    """``{(check id, resource uid)}`` of the FAIL findings."""
    return {(f.check_id, f.resource_uid) for f in findings if f.status == "FAIL"}


def new_failures(baseline: Iterable[ProwlerFinding], after: Iterable[ProwlerFinding]) -> list[tuple[str, str]]:
    """The FAILs of ``after`` that ``baseline`` does not have, sorted: what the out-of-band changes made fail."""
    return sorted(failures(after) - failures(baseline))


def names_resource(uid: str, physical_id: str) -> bool:
    """Whether Prowler's resource ``uid`` is the resource of CloudFormation ``physical_id``.

    The uid is an ARN ending in the physical ID after ``:`` or ``/`` (a bucket, role, security
    group, DB instance, KMS key), or the physical ID itself (an ARN: a secret, a listener).
    """
    return uid == physical_id or uid.endswith((f":{physical_id}", f"/{physical_id}"))


# -- stackcheck's reports -----------------------------------------------------------------------------


def compliance_failures(report: Mapping[str, Any]) -> set[tuple[str, str]]:
    """``{(rule id, construct path)}`` of the unsuppressed FAILED findings of a ``compliance.json``."""
    return {(f["rule_id"], f["construct_path"]) for f in report.get("findings") or () if f["status"] == "FAILED"}


def drift_differences(report: Mapping[str, Any]) -> set[tuple[str, str]]:
    """``{(construct path, property path)}`` of the DRIFTED (not allowlisted) differences of a ``drift.json``."""
    return {
        (resource["construct_path"] or resource["logical_id"], difference["property_path"])
        for stack in report.get("stacks") or ()
        for resource in stack["resources"]
        for difference in resource["differences"]
        if difference["status"] == "DRIFTED"
    }


# -- the out-of-band changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One out-of-band change: ``make(outputs, aws_client)`` makes it (an OutputResolver, a ClientFactory).

    It changes the resource at construct path ``/<stack of role>/<path>``. ``rules``, ``properties``
    and ``prowler_words`` narrow what counts as naming it where another change touches the same
    resource: a compliance rule id among ``rules``, a drift property path starting with one of
    ``properties``, a Prowler check id containing one of ``prowler_words`` (empty: anything on the
    resource counts).
    """

    name: str
    what: str
    role: str
    path: str
    make: Callable[[Any, Any], None]
    rules: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    prowler_words: tuple[str, ...] = ()


def caught_by_stackcheck(
    change: Change,
    construct_path: str,
    compliance: Iterable[tuple[str, str]],
    drift: Iterable[tuple[str, str]],
) -> list[str]:
    """What of stackcheck's new results names ``change``: ``compliance:<rule id>`` and ``drift:<property path>``, sorted.

    ``compliance`` holds the new (rule id, construct path) failures, ``drift`` the new (construct
    path, property path) differences, each of a run that exited 1.
    """
    rules = [
        f"compliance:{rule}"
        for rule, path in compliance
        if path == construct_path and (not change.rules or rule in change.rules)
    ]
    properties = [
        f"drift:{prop}"
        for path, prop in drift
        if path == construct_path and (not change.properties or prop.startswith(change.properties))
    ]
    return sorted(set(rules + properties))


def caught_by_prowler(change: Change, physical_id: str | None, new: Iterable[tuple[str, str]]) -> list[str]:
    """The check ids of Prowler's new FAILs (``new``: (check id, resource uid)) on the resource ``physical_id``, sorted."""
    if not physical_id:
        return []
    return sorted(
        {
            check
            for check, uid in new
            if names_resource(uid, physical_id)
            and (not change.prowler_words or any(word in check for word in change.prowler_words))
        }
    )


def _integration(name: str) -> ModuleType:
    """The integration test module ``tests/integration/<name>.py`` of this repository (its change classes)."""
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", REPO / "tests" / "integration" / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load tests/integration/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _from_test(kind: Any) -> Callable[[Any, Any], None]:
    def make(outputs: Any, aws_client: Any) -> None:
        kind(outputs, aws_client).make()

    return make


def _backup_retention_zero(outputs: Any, aws_client: Any) -> None:
    database = outputs.get(role="source", kind="db_instance", attr="id")
    aws_client("rds").modify_db_instance(DBInstanceIdentifier=database, BackupRetentionPeriod=0, ApplyImmediately=True)


def _deletion_protection_off(outputs: Any, aws_client: Any) -> None:
    database = outputs.get(role="target", kind="db_instance", attr="id")
    aws_client("rds").modify_db_instance(DBInstanceIdentifier=database, DeletionProtection=False, ApplyImmediately=True)


def _listener_port_changed(outputs: Any, aws_client: Any) -> None:
    elbv2 = aws_client("elbv2")
    balancer = outputs.get(role="target", kind="load_balancer", attr="arn")
    (listener,) = elbv2.describe_listeners(LoadBalancerArn=balancer)["Listeners"]
    elbv2.modify_listener(ListenerArn=listener["ListenerArn"], Port=8081)


def _cutover_weight_changed(outputs: Any, aws_client: Any) -> None:
    route53 = aws_client("route53")
    zone = outputs.get(role=None, kind="hosted_zone", attr="id")
    sets = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    (record,) = [r for r in sets if r.get("SetIdentifier") == "target"]
    if "AliasTarget" in record:  # the emulator leaves out EvaluateTargetHealth, which an UPSERT requires
        record = {**record, "AliasTarget": {"EvaluateTargetHealth": False, **record["AliasTarget"]}}
    weighted = {"Action": "UPSERT", "ResourceRecordSet": {**record, "Weight": record["Weight"] + 25}}
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [weighted]})


def _public_access_block_deleted(outputs: Any, aws_client: Any) -> None:
    aws_client("s3").delete_public_access_block(Bucket=outputs.get(role="target", kind="bucket", attr="name"))


def _key_rotation_off(outputs: Any, aws_client: Any) -> None:
    aws_client("kms").disable_key_rotation(KeyId=outputs.get(role="source", kind="kms_key", attr="arn"))


def _star_on_star(outputs: Any, aws_client: Any) -> None:
    module = _integration("test_compliance")
    role = outputs.get(role=None, kind="dms_role", attr="name", qualifier="cloudwatch logs")
    aws_client("iam").put_role_policy(
        RoleName=role, PolicyName=module.WIDENED, PolicyDocument=json.dumps(module.STAR_ON_STAR)
    )


def changes() -> list[Change]:
    """The out-of-band changes, in the order they are made: the five of tests/integration/test_compliance.py's
    CHANGES (made by its own classes), its inline ``*`` on ``*``, the drift of tests/integration/test_drift.py
    (DB backups and deletion protection, listener port, cutover weight; here on one resource each), public
    access block deleted and key rotation off."""
    tests = _integration("test_compliance")

    def from_test(name: str, what: str, **narrow: tuple[str, ...]) -> Change:
        kind, failing = tests.CHANGES[name]
        ((role, path),) = {(role, path) for _, role, path in failing}
        return Change(name, what, role, path, _from_test(kind), **narrow)

    return [
        from_test(
            "versioning_suspended_on_the_source_logs_bucket",
            "S3 versioning suspended (source logs bucket)",
            rules=("CKV_AWS_21",),
            properties=("/VersioningConfiguration",),
            prowler_words=("versioning",),
        ),
        from_test(
            "public_policies_allowed_on_the_source_logs_bucket",
            "S3 BlockPublicPolicy off (source logs bucket)",
            rules=("CKV_TAP_4", "CKV_AWS_54"),
            properties=("/PublicAccessBlockConfiguration",),
            prowler_words=("public_access",),
        ),
        from_test("port_8080_open_on_the_target_service", "tcp 8080 opened to 0.0.0.0/0 (target service SG)"),
        from_test("target_database_secret_opened_to_everyone", 'secret resource policy Principal "*" (target DB)'),
        from_test(
            "regional_principal_dropped_from_dms_vpc_role", "regional DMS principal dropped (dms-vpc-role trust)"
        ),
        Change(
            "star_on_star_on_the_dms_cloudwatch_logs_role",
            'inline policy "*" on "*" (DMS CloudWatch Logs role)',
            "DmsPrereq",
            "DmsCloudwatchLogsRole/Resource",
            _star_on_star,
        ),
        Change(
            "backup_retention_zero_on_the_source_database",
            "RDS backup retention 0 (source DB)",
            "Source",
            "Database/Instance/Resource",
            _backup_retention_zero,
        ),
        Change(
            "deletion_protection_off_on_the_target_database",
            "RDS deletion protection off (target DB)",
            "Target",
            "Database/Instance/Resource",
            _deletion_protection_off,
        ),
        Change(
            "listener_port_changed_on_the_target_load_balancer",
            "ALB listener port 80 → 8081 (target)",
            "Target",
            "Web/LoadBalancer/HttpListener/Resource",
            _listener_port_changed,
        ),
        Change(
            "cutover_weight_changed",
            "Route 53 cutover weight +25 (target record)",
            "Route53",
            "TargetAliasRecord/Resource",
            _cutover_weight_changed,
        ),
        Change(
            "public_access_block_deleted_on_the_target_logs_bucket",
            "S3 public access block deleted (target logs bucket)",
            "Target",
            "Logs/Bucket/Resource",
            _public_access_block_deleted,
        ),
        Change(
            "key_rotation_off_on_the_source_key",
            "KMS key rotation disabled (source key)",
            "Source",
            "DataKey/Resource",
            _key_rotation_off,
        ),
    ]


# -- the section ---------------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{path} is missing or not JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}


def bench_prowler(ws: Workspace, logs: Path, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """Deploy to a fresh emulator; Prowler and stackcheck on the deployment as deployed, then after ``changes()``.

    ``env`` names the repository on PYTHONPATH (this tree's stackcheck runs); Prowler's reports go
    under ``workdir``. Returns ``{"unavailable": why, ...}`` (no figure) when Prowler cannot be
    installed. Raises RuntimeError (naming the log) when the deployment fails, Prowler exits other
    than 0 or 3, or compliance or drift exits other than 0 or 1. The emulator is torn down
    whatever happened.
    """
    from stackcheck.assembly import read_assembly
    from stackcheck.aws.clients import ClientFactory
    from stackcheck.emulator.record import read_emulator_record, record_path
    from stackcheck.outputs import OutputResolver, read_outputs
    from stackcheck.outputs.registry import project_registry

    log_file = logs / "prowler.log"
    venv = prowler_venv()
    try:
        executable, version = ensure_prowler(venv, logs / "prowler-install.log")
    except ProwlerUnavailable as exc:
        return {"unavailable": str(exc), "requirement": PROWLER_REQUIREMENT, "venv": str(venv)}
    print(f"[bench prowler] Prowler {version} in {venv}", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(ws.make("destroy-local"), cwd=ws.root, env=env, **quiet)  # type: ignore[call-overload]
    deploy = run("make deploy-local", ws.make("deploy-local"), cwd=ws.root, env=env, log=log_file)
    try:
        if deploy.returncode != 0:
            raise RuntimeError(f"make deploy-local exited {deploy.returncode}; see {log_file}")
        record = read_emulator_record(record_path(ws.root / "cfn-outputs"))
        if record is None:
            raise RuntimeError(f"no emulator record in {ws.root / 'cfn-outputs'} after make deploy-local")
        assembly = read_assembly(ws.root / "cdk.out")
        commands = {
            "compliance": [ws.bin("stackcheck"), "compliance", "--assembly", "cdk.out", "--report-dir"],
            "drift": [
                ws.bin("stackcheck"),
                *("drift", "--assembly", "cdk.out", "--allowlist", "policies/drift-allowlist.yaml", "--report-dir"),
            ],
        }
        env_prowler = prowler_env(record.endpoint_url, record.region)

        def measure(state: str) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for side in alternate(["prowler", "stackcheck"], STATES.index(state)):
                if side == "prowler":
                    out_dir = workdir / "prowler" / state
                    argv = prowler_argv(executable, record.region, out_dir)
                    measured = run(f"prowler ({state})", argv, cwd=workdir, env=env_prowler, log=log_file)
                    if measured.returncode not in PROWLER_EXIT_CODES:
                        raise RuntimeError(f"{measured.label} exited {measured.returncode}; see {log_file}")
                    found["prowler"] = {**measured.to_dict(), "findings": read_ocsf(out_dir / "prowler.ocsf.json")}
                else:
                    for kind, argv in commands.items():
                        reports = ws.root / "reports" / f"prowler-{state}"
                        measured = run(f"{kind} ({state})", [*argv, str(reports)], cwd=ws.root, env=env, log=log_file)
                        if measured.returncode not in (0, 1):
                            raise RuntimeError(f"{measured.label} exited {measured.returncode}; see {log_file}")
                        found[kind] = {**measured.to_dict(), "report": _read_json(reports / f"{kind}.json")}
            found["order"] = alternate(["prowler", "stackcheck"], STATES.index(state))
            print(
                f"[bench prowler] {state}: prowler {found['prowler']['seconds']:.1f}s, compliance "
                f"{found['compliance']['seconds']:.2f}s (exit {found['compliance']['returncode']}), drift "
                f"{found['drift']['seconds']:.2f}s (exit {found['drift']['returncode']})",
                flush=True,
            )
            return found

        baseline = measure("baseline")
        kinds, roles = project_registry(ws.root / "pyproject.toml")
        flat, nested = read_outputs(ws.root / "cfn-outputs" / "flat-outputs.json", repeated_keys=True)
        outputs = OutputResolver(flat, nested=nested, kinds=kinds, roles=roles)
        clients = ClientFactory.for_emulator(record)
        made = changes()
        stacks = {change.role: _stack_of(assembly, change.role) for change in made}
        physical = _physical_ids(clients, assembly, stacks.values())
        applied: list[tuple[Change, str | None]] = []
        for change in made:
            try:
                change.make(outputs, clients)
                applied.append((change, None))
            except Exception as exc:  # a change the emulator refuses is recorded, not fatal
                applied.append((change, f"{type(exc).__name__}: {exc}"))
        after = measure("after")
    finally:
        subprocess.run(ws.make("destroy-local"), cwd=ws.root, env=env, **quiet)  # type: ignore[call-overload]
    return _figures(version, executable, record.region, deploy, baseline, after, applied, stacks, physical)


def _stack_of(assembly: Any, role: str) -> str:
    """The artifact id of the stack of ``role`` (``TapStack{suffix}{role}``)."""
    (found,) = [s for s in assembly.stacks if s.startswith("TapStack") and s.endswith(role)]
    return found


def _physical_ids(clients: Any, assembly: Any, stacks: Iterable[str]) -> dict[str, str]:
    """``{construct path: physical ID}`` of every resource of ``stacks`` (ListStackResources on the emulator)."""
    cloudformation = clients("cloudformation")
    found = {}
    for artifact_id in sorted(set(stacks)):
        stack = assembly.stack(artifact_id)
        pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack.stack_name)
        for page in pages:
            for summary in page["StackResourceSummaries"]:
                path = stack.construct_path(summary["LogicalResourceId"])
                if path and summary.get("PhysicalResourceId"):
                    found[path] = summary["PhysicalResourceId"]
    return found


def _stackcheck_seconds(state: dict[str, Any]) -> float:
    return state["compliance"]["seconds"] + state["drift"]["seconds"]


def _figures(
    version: str,
    executable: Path,
    region: str,
    deploy: Run,
    baseline: dict[str, Any],
    after: dict[str, Any],
    applied: list[tuple[Change, str | None]],
    stacks: dict[str, str],
    physical: dict[str, str],
) -> dict[str, Any]:
    """The section's record from the two states' measurements and the changes made."""
    new_fails = new_failures(baseline["prowler"]["findings"], after["prowler"]["findings"])

    def new(kind: str, read: Callable[[Mapping[str, Any]], set[tuple[str, str]]]) -> set[tuple[str, str]]:
        if after[kind]["returncode"] != 1:
            return set()  # exit 0: the command reported nothing
        return read(after[kind]["report"]) - read(baseline[kind]["report"])

    compliance, drift = new("compliance", compliance_failures), new("drift", drift_differences)
    rows: list[dict[str, Any]] = []
    for change, error in applied:
        construct_path = f"/{stacks[change.role]}/{change.path}"
        physical_id = physical.get(construct_path)
        ours = caught_by_stackcheck(change, construct_path, compliance, drift) if error is None else []
        theirs = caught_by_prowler(change, physical_id, new_fails) if error is None else []
        rows.append(
            {
                "name": change.name,
                "what": change.what,
                "construct_path": construct_path,
                "physical_id": physical_id,
                "error": error,
                "stackcheck": bool(ours),
                "stackcheck_by": ours,
                "prowler": bool(theirs),
                "prowler_by": theirs,
            }
        )
    changed = {r["physical_id"] for r in rows if r["physical_id"]}
    elsewhere = [f for f in new_fails if not any(names_resource(f[1], p) for p in changed)]
    ratios = [_stackcheck_seconds(s) / s["prowler"]["seconds"] for s in (baseline, after)]

    def state_record(state: dict[str, Any]) -> dict[str, Any]:
        findings = state["prowler"]["findings"]
        return {
            "order": state["order"],
            "prowler": {
                **{k: v for k, v in state["prowler"].items() if k != "findings"},
                "findings": len(findings),
                "fails": len(failures(findings)),
            },
            "compliance": {
                **{k: v for k, v in state["compliance"].items() if k != "report"},
                "failed": sorted(map(list, compliance_failures(state["compliance"]["report"]))),
            },
            "drift": {
                **{k: v for k, v in state["drift"].items() if k != "report"},
                "drifted": sorted(map(list, drift_differences(state["drift"]["report"]))),
            },
            "stackcheck_seconds": round(_stackcheck_seconds(state), 3),
        }

    return {
        "measures": "Prowler (all AWS checks, the deployment's region, --scan-unused-services, JSON-OCSF) against "
        "`stackcheck compliance` + `stackcheck drift` (whole commands, as make compliance / make drift run them) "
        "on one emulator deployment, before and after out-of-band changes made with boto3",
        "prowler": {
            "version": version,
            "requirement": PROWLER_REQUIREMENT,
            "argv": prowler_argv(executable, region, Path("<workdir>/prowler/<state>"))[1:],
            "environment": "AWS_ENDPOINT_URL=<the emulator>, fake credentials, its own virtual environment",
        },
        "caught_means": "stackcheck: an unsuppressed FAILED finding or a DRIFTED difference on the change's construct "
        "path, absent from the baseline, in a run exiting 1; Prowler: a FAIL (check id, resource uid) on the change's "
        "resource (its physical ID), absent from the baseline. Where two changes touch one resource, only the rule, "
        "property or check of that change counts",
        "deploy": deploy.to_dict(),
        "baseline": state_record(baseline),
        "after": state_record(after),
        "median_seconds": {
            "prowler": round(statistics.median(s["prowler"]["seconds"] for s in (baseline, after)), 3),
            "stackcheck": round(statistics.median(_stackcheck_seconds(s) for s in (baseline, after)), 3),
        },
        "prowler_time_ratio": round(statistics.median(ratios), 4),
        "ratios": {state: round(r, 4) for state, r in zip(STATES, ratios, strict=True)},
        "changes": rows,
        "caught": {
            "changes": len(rows),
            "stackcheck": sum(r["stackcheck"] for r in rows),
            "prowler": sum(r["prowler"] for r in rows),
        },
        "prowler_new_fails": [list(f) for f in new_fails],
        "prowler_new_fails_elsewhere": len(elsewhere),
    }
