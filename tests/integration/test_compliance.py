"""`stackcheck compliance` on the real deployment: compliant as deployed; each out-of-band change fails exactly its rule on its construct.

These change shared state, so `make integration` runs them serially after the other checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tenacity

pytestmark = pytest.mark.outofband

OPEN_8080 = [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def eventually(check: Callable[[], bool], *, timeout: float = 30.0, what: str) -> None:
    """Poll ``check`` once a second (tenacity) until it holds: IAM and EC2 changes reach every reader only
    eventually on AWS. AssertionError naming ``what`` after ``timeout`` seconds."""
    __tracebackhide__ = True
    try:
        tenacity.Retrying(
            retry=tenacity.retry_if_result(lambda held: not held),
            wait=tenacity.wait_fixed(1.0),
            stop=tenacity.stop_after_delay(timeout),
        )(check)
    except tenacity.RetryError:
        raise AssertionError(f"{what} not visible after {timeout:g} s") from None


@pytest.fixture
def compliance_cli(
    request,
    cloud_assembly_dir,
    aws_endpoint_url,
    aws_region,
    stackcheck_settings,
    stack_outputs,
    live_compliance,
    tmp_path,
) -> Callable[[], tuple[int, set[tuple[str, str]]]]:
    """``compliance_cli()``: run the `stackcheck compliance` command (its argument parsing, pack and ledger
    loading, reports and exit code; in this process) against the deployment the settings name, through the
    session's live reader (``live_compliance``: what it read already is not read again, and what this reads
    the later checks reuse); (exit code, {(rule id, construct path)} of the unsuppressed FAILED findings in
    reports/compliance.json).

    Needs ``stack_outputs`` so that, like every check, it skips when nothing is deployed and fails
    on an unreadable outputs file."""
    from stackcheck.cli import build_parser
    from stackcheck.compliance.command import run as run_command
    from stackcheck.errors import StackcheckError

    root = Path(request.config.rootpath)
    target: list[str] = []
    if aws_endpoint_url:
        target += ["--aws-endpoint-url", aws_endpoint_url]
    if aws_region:
        target += ["--aws-region", aws_region]
    record_path = stackcheck_settings.emulator_record_path
    target += ["--emulator-record", str(record_path)] if record_path is not None else ["--no-emulator"]

    def run() -> tuple[int, set[tuple[str, str]]]:
        args = build_parser().parse_args(
            [
                "compliance",
                "--assembly",
                str(cloud_assembly_dir),
                "--policies",
                str(root / "policies"),
                "--ledger",
                str(root / "policies" / "suppressions.yaml"),
                "--report-dir",
                str(tmp_path),
                *target,
            ]
        )
        try:
            code = run_command(args, reader=live_compliance.live_reader())
        except StackcheckError as exc:  # what `stackcheck` would exit with; the reports say why
            code = exc.exit_code
        report = json.loads((tmp_path / "compliance.json").read_text())
        if "findings" not in report:  # a run that could not check (exit 2 or 3) says why in `error`
            pytest.fail(f"`stackcheck compliance` could not check (exit {code}): {report.get('error')}", pytrace=False)
        return code, {(f["rule_id"], f["construct_path"]) for f in report["findings"] if f["status"] == "FAILED"}

    return run


@pytest.fixture
def compliance(live_compliance) -> Callable[[], tuple[int, set[tuple[str, str]]]]:
    """``compliance()``: the session's live compliance (``live_compliance``: the pack loaded once, live state
    read once and re-read where a call through ``aws_client`` changed it); (exit code, {(rule id, construct
    path)} of the unsuppressed FAILED findings), as ``compliance_cli()`` gives them. ``live_compliance.last``
    holds the whole result."""
    from stackcheck.errors import StackcheckError

    def run() -> tuple[int, set[tuple[str, str]]]:
        try:
            result = live_compliance.check()
        except StackcheckError as exc:
            problem = f"live compliance could not check (exit {exc.exit_code}): {exc}"
        else:
            failed = {(f.rule_id, f.construct_path) for f in result.scan.findings if f.status.value == "FAILED"}
            return result.exit_code, failed
        pytest.fail(problem, pytrace=False)

    return run


# -- the changes: (make, restore) given the outputs and the client factory ---------------------


class SuspendVersioning:
    """Versioning suspended on the source logs bucket."""

    def __init__(self, outputs, aws_client):
        self.s3, self.bucket = aws_client("s3"), outputs.get(role="source", kind="bucket", attr="name")

    def make(self) -> None:
        self.s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Suspended"})

    def restore(self) -> None:
        self.s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})


class AllowPublicPolicies:
    """Public bucket policies allowed on the source logs bucket (BlockPublicPolicy off)."""

    def __init__(self, outputs, aws_client):
        self.s3, self.bucket = aws_client("s3"), outputs.get(role="source", kind="bucket", attr="name")
        self.original = self.s3.get_public_access_block(Bucket=self.bucket)["PublicAccessBlockConfiguration"]

    def make(self) -> None:
        self.s3.put_public_access_block(
            Bucket=self.bucket, PublicAccessBlockConfiguration={**self.original, "BlockPublicPolicy": False}
        )

    def restore(self) -> None:
        self.s3.put_public_access_block(Bucket=self.bucket, PublicAccessBlockConfiguration=self.original)


class Open8080:
    """tcp 8080 opened to 0.0.0.0/0 on the target service's security group."""

    def __init__(self, outputs, aws_client):
        self.ec2 = aws_client("ec2")
        self.group = outputs.get(role="target", kind="service_security_group", attr="id")

    def _opened(self) -> bool:
        (group,) = self.ec2.describe_security_groups(GroupIds=[self.group])["SecurityGroups"]
        return any(p.get("FromPort") == 8080 for p in group["IpPermissions"])

    def make(self) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=self.group, IpPermissions=OPEN_8080)
        eventually(self._opened, what=f"ingress tcp 8080 on {self.group}")

    def restore(self) -> None:
        if self._opened():
            self.ec2.revoke_security_group_ingress(GroupId=self.group, IpPermissions=OPEN_8080)
        eventually(lambda: not self._opened(), what=f"revoked ingress tcp 8080 on {self.group}")


class OpenTargetSecretToEveryone:
    """A resource policy allowing Principal "*" GetSecretValue put on the target database secret.

    Its condition never holds (no request is made before 2000), so against AWS nobody gains access while the
    test runs; E9008 reads only whether a condition names who may call, and this one does not.
    """

    def __init__(self, outputs, aws_client):
        self.secrets = aws_client("secretsmanager")
        self.secret = outputs.get(role="target", kind="db_secret", attr="arn")

    def make(self) -> None:
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        }
        document = {"Version": "2012-10-17", "Statement": [statement]}
        self.secrets.put_resource_policy(SecretId=self.secret, ResourcePolicy=json.dumps(document))

    def restore(self) -> None:
        self.secrets.delete_resource_policy(SecretId=self.secret)


class DropRegionalDmsPrincipal:
    """dms.<region>.amazonaws.com dropped from dms-vpc-role's trust policy."""

    def __init__(self, outputs, aws_client):
        self.iam = aws_client("iam")
        self.role = outputs.get(role=None, kind="dms_role", attr="name", qualifier="vpc")
        self.original = self.iam.get_role(RoleName=self.role)["Role"]["AssumeRolePolicyDocument"]

    def _services(self) -> set[str]:
        document = self.iam.get_role(RoleName=self.role)["Role"]["AssumeRolePolicyDocument"]
        return {
            s
            for st in document["Statement"]
            for s in (
                [st["Principal"]["Service"]]
                if isinstance(st["Principal"]["Service"], str)
                else st["Principal"]["Service"]
            )
        }

    def make(self) -> None:
        changed = json.loads(json.dumps(self.original))
        for statement in changed["Statement"]:
            services = statement["Principal"]["Service"]
            statement["Principal"]["Service"] = [
                s for s in ([services] if isinstance(services, str) else services) if s == "dms.amazonaws.com"
            ]
        self.iam.update_assume_role_policy(RoleName=self.role, PolicyDocument=json.dumps(changed))
        eventually(lambda: self._services() == {"dms.amazonaws.com"}, what=f"the trust policy change on {self.role}")

    def restore(self) -> None:
        self.iam.update_assume_role_policy(RoleName=self.role, PolicyDocument=json.dumps(self.original))
        eventually(lambda: len(self._services()) == 2, what=f"the restored trust policy of {self.role}")


# change -> the (rule id, stack role, construct path below the stack) it must fail (CKV_TAP_8 on the logs
# bucket stays ledgered when its encryption is deleted; 8080 from anywhere fails E9005 and E9006)
CHANGES = {
    "versioning_suspended_on_the_source_logs_bucket": (
        SuspendVersioning,
        {("CKV_AWS_21", "Source", "Logs/Bucket/Resource")},
    ),
    # not "encryption deleted": AWS puts a bucket back on SSE-S3 (DeleteBucketEncryption), which this app declares
    "public_policies_allowed_on_the_source_logs_bucket": (
        AllowPublicPolicies,
        {("CKV_TAP_4", "Source", "Logs/Bucket/Resource"), ("CKV_AWS_54", "Source", "Logs/Bucket/Resource")},
    ),
    "port_8080_open_on_the_target_service": (
        Open8080,
        {
            ("E9005", "Target", "Web/ServiceSecurityGroup/Resource"),
            ("E9006", "Target", "Web/ServiceSecurityGroup/Resource"),
        },
    ),
    "target_database_secret_opened_to_everyone": (
        OpenTargetSecretToEveryone,
        {("E9008", "Target", "Database/Instance/Secret/Resource")},
    ),
    "regional_principal_dropped_from_dms_vpc_role": (
        DropRegionalDmsPrincipal,
        {("CKV_TAP_1", "DmsPrereq", "DmsVpcRole/Resource")},
    ),
}


def test_compliance_exits_0_on_the_deployment_as_deployed(compliance_cli):
    assert compliance_cli() == (0, set())


def test_live_compliance_exits_0_on_the_deployment_as_deployed(compliance):
    assert compliance() == (0, set())


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_out_of_band_change_fails_exactly_its_rule_on_its_construct(change, compliance, outputs, aws_client, stack_id):
    kind, failing = CHANGES[change]
    made: Any = kind(outputs, aws_client)
    try:
        made.make()
        assert compliance() == (1, {(rule, f"/{stack_id(role)}/{path}") for rule, role, path in failing})
    finally:
        made.restore()
    assert compliance() == (0, set())


def test_all_changes_at_once_fail_exactly_their_rules(compliance, outputs, aws_client, stack_id):
    changes = [kind(outputs, aws_client) for kind, _ in CHANGES.values()]
    made = []
    try:
        for change in changes:
            made.append(change)
            change.make()
        expected = {
            (rule, f"/{stack_id(role)}/{path}") for _, failing in CHANGES.values() for rule, role, path in failing
        }
        assert compliance() == (1, expected)
    finally:
        for change in reversed(made):
            change.restore()
    assert compliance() == (0, set())


# -- CKV_TAP_5: a role's permissions widened out of band ---------------------------------------------

# Allow * on * is what CKV_TAP_5 fails (it does not read conditions); this condition never holds (no request is
# made before 2000), so against AWS the role gains no permission while the test runs.
STAR_ON_STAR = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        }
    ],
}
WIDENED = "stackcheck-out-of-band-star-on-star"


def inline_policy_names(iam: Any, role: str) -> set[str]:
    """The names of the role's inline policies (ListRolePolicies, every page)."""
    pages = iam.get_paginator("list_role_policies").paginate(RoleName=role)
    return {name for page in pages for name in page["PolicyNames"]}


# checkov's own checks that "*" on "*" fails (full administrative privileges, "*" as an action), run on the live role
# as well as the pack's CKV_TAP_5
STAR_ON_STAR_RULES = ("CKV_TAP_5", "CKV_AWS_62", "CKV_AWS_63")


def test_inline_star_on_star_put_on_a_role_fails_ckv_tap_5_and_checkovs_policy_checks_on_the_role(
    compliance, live_compliance, outputs, aws_client, stack_id
):
    iam = aws_client("iam")
    role = outputs.get(role=None, kind="dms_role", attr="name", qualifier="cloudwatch logs")
    iam.put_role_policy(RoleName=role, PolicyName=WIDENED, PolicyDocument=json.dumps(STAR_ON_STAR))
    try:
        eventually(lambda: WIDENED in inline_policy_names(iam, role), what=f"inline policy {WIDENED} on {role}")
        path = f"/{stack_id('DmsPrereq')}/DmsCloudwatchLogsRole/Resource"
        assert compliance() == (1, {(rule, path) for rule in STAR_ON_STAR_RULES})
        (finding,) = [
            f for f in live_compliance.last.scan.findings if f.status.value == "FAILED" and f.rule_id == "CKV_TAP_5"
        ]
        assert f'policy `{WIDENED}` Statement[0] allows Action "*" on Resource "*"' in finding.message
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName=WIDENED)
        eventually(
            lambda: WIDENED not in inline_policy_names(iam, role), what=f"deleted inline policy {WIDENED} on {role}"
        )
    assert compliance() == (0, set())
