"""ComplianceSession: checks from a snapshot of live state equal fresh checks, re-reading only what a change named."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from stackcheck.compliance import LiveTarget
from stackcheck.compliance.snapshot import (
    ComplianceSession,
    SnapshotReader,
    is_identifier,
    is_read_operation,
    names_in,
)
from stackcheck.emulator.process import client
from tests.unit.stackcheck.test_compliance import CHANGES, Live, suspend_versioning


def session_on(live: Live) -> ComplianceSession:
    """A ComplianceSession on ``live``'s stacks whose changes made through ``live.aws`` it watches."""
    forms, template_only = live.forms
    session = ComplianceSession(
        live.assembly.dependency_order(),
        live.factory(),
        forms,
        target=LiveTarget(live.record.endpoint_url, live.record.region, True, "test"),
        template_only=template_only,
    )

    def watched(service: str) -> Any:
        made = client(service, live.record)
        session.watch(made.meta.events)
        return made

    live.aws = watched  # type: ignore[method-assign]
    return session


def as_dicts(result: Any) -> list[dict[str, Any]]:
    return [f.to_dict() for f in result.scan.findings]


@pytest.mark.emulator
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_check_after_a_watched_change_equals_a_fresh_check(deploy, change):
    name, make_change, expected = CHANGES[change]
    live = deploy(name)
    session = session_on(live)
    assert as_dicts(session.check()) == as_dicts(live.check())
    make_change(live)
    after = session.check()
    assert {(f.rule_id, f.logical_id) for f in after.scan.failures()} == expected
    assert as_dicts(after) == as_dicts(live.check())


@pytest.mark.emulator
def test_watched_change_rereads_exactly_the_answers_it_dropped(deploy):
    live = deploy("storage")
    session = session_on(live)
    session.check()
    assert session.reader is not None
    read = session.reader.kept
    suspend_versioning(live)
    kept = session.reader.kept
    result = session.check()
    assert 0 < kept < read
    assert result.api_calls == read - kept
    assert session.reads[1].answers_kept == kept
    assert session.reader.kept == read


@pytest.mark.emulator
def test_change_through_an_unwatched_client_is_seen_once_named(deploy):
    live = deploy("storage")
    session = session_on(live)
    session.check()
    bucket = live.physical_id("Bucket")
    client("s3", live.record).put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert session.check().exit_code == 0  # the snapshot still holds the answer read before the change
    assert session.changed(bucket) > 0
    assert {(f.rule_id, f.logical_id) for f in session.check().scan.failures()} == {("CKV_AWS_21", "Bucket")}


@pytest.mark.emulator
def test_read_calls_keep_the_snapshot_and_forget_all_reads_everything_again(deploy):
    live = deploy("storage")
    session = session_on(live)
    session.check()
    live.aws("s3").get_bucket_versioning(Bucket=live.physical_id("Bucket"))
    assert session.check().api_calls == 0
    suspend_versioning(live)
    session.forget_all()
    result = session.check()
    assert result.api_calls == session.reads[0].api_calls
    assert {(f.rule_id, f.logical_id) for f in result.scan.failures()} == {("CKV_AWS_21", "Bucket")}


@pytest.mark.parametrize(
    ("operation", "reads"),
    [
        ("GetBucketVersioning", True),
        ("DescribeSecurityGroups", True),
        ("ListRolePolicies", True),
        ("HeadBucket", True),
        ("PutBucketVersioning", False),
        ("AuthorizeSecurityGroupIngress", False),
        ("UpdateAssumeRolePolicy", False),
        ("DeleteBucketEncryption", False),
    ],
)
def test_is_read_operation_by_aws_naming(operation, reads):
    assert is_read_operation(operation) is reads


def test_names_in_walks_nested_parameters():
    params = {"GroupId": "sg-1", "IpPermissions": [{"FromPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    assert list(names_in(params)) == ["sg-1", "0.0.0.0/0"]


class _Answers:
    """A stand-in ClientFactory for SnapshotReader: ``factory(service).<operation>(**kwargs)`` answers ``ANSWERS[operation]``,
    else echoes the kwargs."""

    ANSWERS: ClassVar[dict[str, Any]] = {
        "describe_route_tables": {
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "Associations": [{"SubnetId": "subnet-1", "RouteTableAssociationId": "rtbassoc-1"}],
                }
            ]
        },
    }

    class _Client:
        def __getattr__(self, operation: str) -> Any:
            return lambda **kwargs: _Answers.ANSWERS.get(operation, {operation: kwargs})

    def __call__(self, service: str) -> Any:
        return self._Client()


def test_forget_drops_answers_naming_the_resource_by_name_or_arn_and_the_services_listings():
    reader = SnapshotReader(_Answers(), [])
    reader.call("iam", "get_role", RoleName="app")
    reader.call("iam", "list_roles")
    reader.call("kms", "describe_key", KeyId="arn:aws:kms:us-east-1:123456789012:key/k-1")
    reader.call("s3", "list_buckets")
    reader.call("s3", "get_bucket_policy", Bucket="logs")
    assert reader.forget(["app"], "iam") == 2  # get_role(app) and the iam listing
    assert reader.forget(["k-1"], "kms") == 1  # the key named by its ARN
    assert reader.kept == 2
    assert reader.forget([], "s3") == 2  # a change naming nothing drops the whole service
    assert reader.kept == 0


def test_forget_drops_answers_that_mention_the_changed_resource_but_not_for_plain_words():
    reader = SnapshotReader(_Answers(), [])
    filters = [{"Name": "association.subnet-id", "Values": ["subnet-1"]}]
    reader.call("ec2", "describe_route_tables", Filters=filters)
    reader.call("ec2", "describe_subnets", SubnetIds=["subnet-2"])
    assert reader.forget(["Enabled", "tcp"], "s3") == 0
    assert reader.forget(["rtbassoc-1"], "ec2") == 1  # the association is in the route table's answer
    assert reader.kept == 1


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("sg-0a1b", True),
        ("arn:aws:s3:::logs", True),
        ("my_role", True),
        ("Enabled", False),
        ("tcp", False),
        ("a1", False),
    ],
)
def test_is_identifier(name, identifier):
    assert is_identifier(name) is identifier
