"""Suppression ledger: validation errors name file, line and entry; matching; expiry; stale entries."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from stackcheck.errors import LedgerError
from stackcheck.findings import Finding, Severity, Status, Suppression
from stackcheck.suppressions import LedgerEntry, apply_ledger, load_ledger

KNOWN = {"CKV_AWS_18", "CKV_AWS_21", "E3045", "W3010"}
TODAY = date(2026, 6, 1)

GOOD_ENTRY = """\
- rule: CKV_AWS_18
  target: TapStackdevSource/Storage/LogsBucket/Resource
  reason: the access-log bucket cannot log to itself
  owner: platform-team
  expires: 2026-12-31
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suppressions.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def finding(
    rule="CKV_AWS_18",
    stack="TapStackdevSource",
    logical_id="StorageLogsBucketA1B2C3D4",
    construct_path="/TapStackdevSource/Storage/LogsBucket/Resource",
    status=Status.FAILED,
) -> Finding:
    return Finding(
        rule_id=rule,
        severity=Severity.ERROR,
        tool="checkov",
        stack=stack,
        logical_id=logical_id,
        construct_path=construct_path,
        template_file=f"cdk.out/{stack}.template.json",
        line=4,
        message="Ensure the S3 bucket has access logging enabled",
        status=status,
    )


def entry(target: str, rule: str = "CKV_AWS_18", index: int = 1, expires: date = date(2026, 12, 31)) -> LedgerEntry:
    return LedgerEntry(
        index=index,
        line=index * 5 - 4,
        rule=rule,
        target=target,
        reason="the access-log bucket cannot log to itself",
        owner="platform-team",
        expires=expires,
    )


def test_good_ledger_loads_with_index_line_and_date(tmp_path):
    ledger = load_ledger(write(tmp_path, "# header comment\n" + GOOD_ENTRY), KNOWN)
    assert ledger.entries == (
        LedgerEntry(
            index=1,
            line=2,
            rule="CKV_AWS_18",
            target="TapStackdevSource/Storage/LogsBucket/Resource",
            reason="the access-log bucket cannot log to itself",
            owner="platform-team",
            expires=date(2026, 12, 31),
        ),
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "[]\n"], ids=["empty", "comment", "empty-list"])
def test_empty_ledgers_load_empty(tmp_path, text):
    assert load_ledger(write(tmp_path, text), KNOWN).entries == ()


def test_repository_ledger_is_valid():
    path = Path(__file__).parents[3] / "policies" / "suppressions.yaml"
    assert load_ledger(path).path == path


BAD_ENTRIES = [
    ("short-reason", {"reason": "too short"}, "entry 2 (rule CKV_AWS_18): reason is 9 characters; write at least 10"),
    ("missing-owner", {"owner": None}, "entry 2 (rule CKV_AWS_18): missing 'owner'; add `owner: <team or person>`"),
    ("blank-owner", {"owner": "'   '"}, "entry 2 (rule CKV_AWS_18): owner must be a team or person"),
    (
        "bad-date",
        {"expires": "2026-13-01"},
        "entry 2 (rule CKV_AWS_18): expires '2026-13-01' is not a date; write it as YYYY-MM-DD",
    ),
    ("date-with-slashes", {"expires": "31/12/2026"}, "entry 2 (rule CKV_AWS_18): expires '31/12/2026' is not a date"),
    (
        "unknown-rule",
        {"rule": "CKV_AWS_181"},
        "entry 2 (rule CKV_AWS_181): unknown rule id 'CKV_AWS_181': no cfn-lint rule or checkov check has it; "
        "did you mean CKV_AWS_18",
    ),
    ("missing-target", {"target": None}, "entry 2 (rule CKV_AWS_18): missing 'target'"),
    (
        "globstar-inside-segment",
        {"target": "TapStackdevSource/Stor**/Resource"},
        "entry 2 (rule CKV_AWS_18): target 'TapStackdevSource/Stor**/Resource': '**' must be a whole path segment",
    ),
    (
        "pattern-names-no-construct",
        {"target": "TapStackdevSource/**"},
        "entry 2 (rule CKV_AWS_18): target 'TapStackdevSource/**' would suppress whole stacks; name a construct",
    ),
    (
        "other-glob-characters",
        {"target": "TapStackdevSource/Stor?ge/[ab]"},
        "entry 2 (rule CKV_AWS_18): target 'TapStackdevSource/Stor?ge/[ab]': ? [ ] not allowed; "
        "the only wildcards are '*' and '**'",
    ),
    (
        "framework-owned-not-bool",
        {"framework_owned": "maybe"},
        "entry 2 (rule CKV_AWS_18): framework_owned must be true or false, got 'maybe'",
    ),
    (
        "whole-stack",
        {"target": "TapStackdevSource/*"},
        "entry 2 (rule CKV_AWS_18): target 'TapStackdevSource/*' would suppress a whole stack; name the construct",
    ),
    ("bare-star", {"target": "'*'"}, "entry 2 (rule CKV_AWS_18): target '*' would suppress whole stacks"),
    (
        "unknown-key",
        {"expiry": "2026-12-31"},
        "entry 2 (rule CKV_AWS_18): unknown key(s) expiry; allowed keys: rule, target, reason, owner, expires, "
        "framework_owned",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_ENTRIES, ids=[c[0] for c in BAD_ENTRIES])
def test_bad_entry_raises_ledger_error_naming_file_line_and_entry(tmp_path, case, change, message):
    fields = {
        "rule": "CKV_AWS_18",
        "target": "TapStackdevSource/Storage/DataBucket/Resource",
        "reason": "the data bucket logs elsewhere",
        "owner": "platform-team",
        "expires": "2026-12-31",
    }
    fields.update(change)
    body = "".join(f"  {k}: {v}\n" for k, v in fields.items() if v is not None)
    path = write(tmp_path, GOOD_ENTRY + "- " + body[2:])
    with pytest.raises(LedgerError) as err:
        load_ledger(path, KNOWN)
    assert f"{path}:6: {message}" in str(err.value)
    assert err.value.exit_code == 2


def test_every_problem_is_listed_at_once(tmp_path):
    path = write(
        tmp_path,
        """\
        - rule: E3045
          target: Bucket
          reason: short
          owner: me
          expires: 2026-12-31
        - rule: W3010
          target: Subnet
          reason: literal AZs come from context
          expires: tomorrow
        """,
    )
    with pytest.raises(LedgerError) as err:
        load_ledger(path, KNOWN)
    lines = str(err.value).splitlines()
    assert lines == [
        "suppression ledger is invalid:",
        f"  {path}:1: entry 1 (rule E3045): reason is 5 characters; write at least 10 saying why the finding is acceptable",
        f"  {path}:6: entry 2 (rule W3010): missing 'owner'; add `owner: <team or person>`",
        f"  {path}:6: entry 2 (rule W3010): expires 'tomorrow' is not a date; write it as YYYY-MM-DD, "
        "e.g. `expires: 2026-03-31`",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rule: CKV_AWS_18\n", "must be a YAML list of entries (- rule: ...), got a dict"),
        ("- [CKV_AWS_18]\n", "entry 1: must be a mapping with keys rule, target, reason, owner, expires, got list"),
        ("- rule: CKV_AWS_18\n  target: [unclosed\n", "not valid YAML"),
        (
            GOOD_ENTRY + GOOD_ENTRY.replace("CKV_AWS_18\n", "CKV_AWS_18\n", 1).replace("target: ", "target: /"),
            "entry 2 (rule CKV_AWS_18): duplicates entry 1 (same rule and target); keep one",
        ),
    ],
    ids=["mapping", "entry-not-mapping", "malformed-yaml", "duplicate"],
)
def test_malformed_ledgers_raise(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(LedgerError) as err:
        load_ledger(path, KNOWN)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_ledger_file_raises_naming_it(tmp_path):
    with pytest.raises(LedgerError, match=r"suppression ledger .*nope\.yaml does not exist; create it holding `\[\]`"):
        load_ledger(tmp_path / "nope.yaml", KNOWN)


def test_rule_ids_are_not_checked_without_a_registry(tmp_path):
    path = write(tmp_path, GOOD_ENTRY.replace("CKV_AWS_18", "CKV_TAP_1"))
    assert load_ledger(path, None).entries[0].rule == "CKV_TAP_1"


@pytest.mark.parametrize(
    ("target", "matches"),
    [
        ("TapStackdevSource/Storage/LogsBucket/Resource", True),
        ("/TapStackdevSource/Storage/LogsBucket/Resource", True),
        ("StorageLogsBucketA1B2C3D4", True),
        ("TapStackdevSource/StorageLogsBucketA1B2C3D4", True),
        ("TapStackdevTarget/StorageLogsBucketA1B2C3D4", False),
        ("TapStackdevSource/Storage/*", True),
        ("TapStackdevSource/Storage/LogsBucket/*", True),
        ("TapStackdevSource/Storage/LogsBucket/Resource/*", False),
        ("TapStackdevSource/Stor/*", False),
        ("TapStackdevSource/Storage/LogsBucket", False),
        ("TapStackdevSource/Storage/DataBucket/Resource", False),
    ],
)
def test_entry_target_matching(target, matches):
    assert entry(target).matches(finding()) is matches


def test_entry_never_matches_another_rule():
    assert entry("StorageLogsBucketA1B2C3D4", rule="CKV_AWS_21").matches(finding()) is False


def test_logical_id_targets_work_without_construct_paths():
    bare = finding(construct_path=None)
    assert entry("StorageLogsBucketA1B2C3D4").matches(bare) is True
    assert entry("TapStackdevSource/Storage/*").matches(bare) is False


def test_suppressed_finding_keeps_data_with_status_and_reason(tmp_path):
    ledger = load_ledger(write(tmp_path, GOOD_ENTRY), KNOWN)
    failed = finding()
    findings, warnings = apply_ledger([failed, finding(status=Status.PASSED)], ledger, TODAY)
    assert findings == [
        failed.suppress(
            Suppression(
                reason="the access-log bucket cannot log to itself",
                owner="platform-team",
                expires=date(2026, 12, 31),
                source=f"{ledger.path} entry 1",
            )
        ),
        finding(status=Status.PASSED),
    ]
    assert warnings == []


def test_narrowest_entry_wins(tmp_path):
    ledger = load_ledger(
        write(
            tmp_path,
            """\
        - rule: CKV_AWS_18
          target: TapStackdevSource/Storage/*
          reason: buckets of the storage construct log centrally
          owner: storage-team
          expires: 2026-12-31
        - rule: CKV_AWS_18
          target: StorageLogsBucketA1B2C3D4
          reason: the access-log bucket cannot log to itself
          owner: platform-team
          expires: 2026-12-31
        """,
        ),
        KNOWN,
    )
    other = finding(
        logical_id="StorageDataBucketE5F6A7B8", construct_path="/TapStackdevSource/Storage/DataBucket/Resource"
    )
    findings, warnings = apply_ledger([finding(), other], ledger, TODAY)
    assert [(f.status, f.suppression.owner) for f in findings] == [
        (Status.SUPPRESSED, "platform-team"),
        (Status.SUPPRESSED, "storage-team"),
    ]
    assert warnings == []


@pytest.mark.parametrize(("today", "expired"), [(date(2026, 12, 30), False), (date(2026, 12, 31), True)])
def test_entry_expires_on_its_expiry_date(tmp_path, today, expired):
    ledger = load_ledger(write(tmp_path, GOOD_ENTRY), KNOWN)
    findings, warnings = apply_ledger([finding()], ledger, today)
    assert findings[0].status is (Status.FAILED if expired else Status.SUPPRESSED)
    assert [w.kind for w in warnings] == (["expired"] if expired else [])


def test_expired_entry_does_not_suppress_and_is_reported(tmp_path):
    path = write(tmp_path, GOOD_ENTRY.replace("2026-12-31", "2026-01-15"))
    findings, warnings = apply_ledger([finding()], load_ledger(path, KNOWN), TODAY)
    assert findings == [finding()]
    assert [(w.kind, w.entry, w.line, w.rule, w.target, w.message) for w in warnings] == [
        (
            "expired",
            1,
            1,
            "CKV_AWS_18",
            "TapStackdevSource/Storage/LogsBucket/Resource",
            f"{path}:1: entry 1 (rule CKV_AWS_18 on TapStackdevSource/Storage/LogsBucket/Resource) expired on "
            "2026-01-15 and no longer suppresses (1 finding it covered now count as failures); fix the finding, "
            "or renew the entry with a new expiry date",
        )
    ]


def test_stale_entry_is_reported(tmp_path):
    path = write(tmp_path, GOOD_ENTRY)
    findings, warnings = apply_ledger([finding(status=Status.PASSED)], load_ledger(path, KNOWN), TODAY)
    assert findings == [finding(status=Status.PASSED)]
    assert [(w.kind, w.message) for w in warnings] == [
        (
            "stale",
            f"{path}:1: entry 1 (rule CKV_AWS_18 on TapStackdevSource/Storage/LogsBucket/Resource) matches no failed "
            "finding; remove it, or correct its target",
        )
    ]
