"""The policy pack's registry: well-formed unique ids, one RULES.md row per rule, docs and fixtures for each."""

from __future__ import annotations

import re

import pytest

from stackcheck.findings import Severity
from stackcheck.scan.custom import pack_rules

from .conftest import FIXTURES, POLICIES

RULES = pack_rules(POLICIES)
ID_FORMAT = {"cfn-lint": r"[EW]9\d{3}", "stackcheck-assembly": r"[EW]9\d{3}", "checkov": r"CKV_TAP_[1-9]\d*"}
ROW = re.compile(r"^\| (?P<id>[^|]+?) \| (?P<cause>[^|]+?) \| (?P<why>[^|]+?) \| (?P<source>[^|]+?) \|$")
# Ids of rules removed from the pack: never given to another rule, so an old finding, baseline or ledger entry
# cannot come to mean something else.
RETIRED = {"CKV_TAP_6": "CKV_AWS_21", "CKV_TAP_7": "CKV_AWS_7"}


def rules_md_rows() -> dict[str, dict[str, str]]:
    rows = {}
    for line in (POLICIES / "RULES.md").read_text().splitlines():
        match = ROW.match(line)
        if match and match["id"] not in ("id", "---"):
            assert match["id"] not in rows, f"RULES.md has two rows for {match['id']}"
            rows[match["id"]] = match.groupdict()
    return rows


def test_ids_are_unique_and_well_formed():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert [r.id for r in RULES if not re.fullmatch(ID_FORMAT[r.tool], r.id)] == []


def test_the_pack_holds_the_expected_rules():
    assert {(r.tool, r.id, r.name) for r in RULES} == {
        ("cfn-lint", "E9001", "EcsAlbPortAlignment"),
        ("cfn-lint", "E9002", "NoPlaintextSecrets"),
        ("cfn-lint", "E9003", "S3TlsOnlyBucketPolicy"),
        ("cfn-lint", "E9004", "RdsPrivateIsolatedSubnets"),
        ("cfn-lint", "E9005", "EcsServiceIngressOnlyFromLoadBalancer"),
        ("cfn-lint", "E9006", "OpenIngress"),
        ("cfn-lint", "E9007", "HardcodedPartition"),
        ("cfn-lint", "E9008", "PublicResourcePolicy"),
        ("checkov", "CKV_TAP_1", "DmsRoleTrustsBothPrincipals"),
        ("checkov", "CKV_TAP_2", "DmsEndpointSecretsManager"),
        ("checkov", "CKV_TAP_3", "EncryptionAtRest"),
        ("checkov", "CKV_TAP_4", "S3PublicAccessBlock"),
        ("checkov", "CKV_TAP_5", "IamLeastPrivilege"),
        ("checkov", "CKV_TAP_8", "KmsCustomerKey"),
        ("checkov", "CKV_TAP_10", "DmsTaskLogging"),
        ("checkov", "CKV_TAP_9", "ServiceTrustConfusedDeputy"),
        ("stackcheck-assembly", "E9101", "CrossStackContract"),
        ("stackcheck-assembly", "E9102", "Route53WeightedCutover"),
    }


def test_retired_ids_are_not_reused_and_rules_md_says_what_replaced_them():
    assert {r.id for r in RULES} & set(RETIRED) == set()
    paragraphs = [" ".join(p.split()) for p in (POLICIES / "RULES.md").read_text().split("\n\n")]
    (retired,) = [p for p in paragraphs if p.startswith("Retired ids:")]
    for old, replacement in RETIRED.items():
        assert f"{old} (now checkov's {replacement})" in retired


def test_every_rule_has_a_rules_md_row_and_every_row_a_rule():
    rows = rules_md_rows()
    assert set(rows) == {rule.id for rule in RULES}
    for rule in RULES:
        assert rows[rule.id]["cause"].startswith(rule.outcome), rule.id
        assert rows[rule.id]["source"] == rule.source_url, rule.id


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_documented_one_per_file_with_fixtures(rule):
    assert rule.file.stem == rule.name
    assert rule.outcome.startswith("Ensure ") and "\n" not in rule.outcome
    assert len(rule.description) > 80
    assert rule.source_url.startswith("https://docs.aws.amazon.com/")
    assert rule.severity is (Severity.WARNING if rule.id.startswith("W") else Severity.ERROR)
    assert callable(rule.evaluate) and rule.evaluate.__qualname__ == rule.evaluate.__name__  # module level, reusable
    assert {"pass.json", "fail.json"} <= {p.name for p in (FIXTURES / rule.id).glob("*.json")}


def test_fixture_folders_are_rules():
    assert {d.name for d in FIXTURES.iterdir() if d.is_dir()} == {rule.id for rule in RULES}


def test_loaded_scanners_carry_exactly_the_pack(pack_scanners):
    by_tool = {tool: {r.id for r in RULES if r.tool == tool} for tool in ID_FORMAT}
    assert pack_scanners["cfn-lint"].pack_rule_ids == by_tool["cfn-lint"]
    assert {c.id for c in pack_scanners["checkov"].pack_checks} == by_tool["checkov"]
    assert pack_scanners["stackcheck-assembly"].rule_ids() == by_tool["stackcheck-assembly"]
    known = frozenset().union(*(s.rule_ids() for s in pack_scanners.values()))
    assert {r.id for r in RULES} <= known
