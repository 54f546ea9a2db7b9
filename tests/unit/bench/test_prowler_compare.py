"""The `prowler` bench section's pure parts: Prowler's JSON-OCSF read, the baseline diff, who caught which change, the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.prowler_compare import (
    Change,
    ProwlerFinding,
    caught_by_prowler,
    caught_by_stackcheck,
    changes,
    compliance_failures,
    drift_differences,
    ensure_prowler,
    failures,
    names_resource,
    new_failures,
    read_ocsf,
)
from bench.summaries import prowler_lines

DATA = Path(__file__).parent / "data"
BUCKET = "arn:aws:s3:::payment-logs-source-dev"
ASSETS = "arn:aws:s3:::cdk-hnb659fds-assets-123456789012-us-east-1"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f12862e-c62e-4e40-a287-9a7983d276ae"
ENCLAVE = "arn:aws:kms:us-east-1:123456789012:enclave-debug-attestation"


def _nothing(outputs, aws_client) -> None:
    """A change that changes nothing (only what counts as naming it is under test)."""


def test_read_ocsf_gives_check_resource_and_status_of_each_finding():
    assert read_ocsf(DATA / "prowler-baseline.ocsf.json") == [
        ProwlerFinding("s3_bucket_object_versioning", ASSETS, "FAIL"),
        ProwlerFinding("s3_bucket_object_versioning", BUCKET, "PASS"),
        ProwlerFinding("s3_bucket_kms_encryption", BUCKET, "FAIL"),
        ProwlerFinding("kms_cmk_rotation_enabled", KEY, "PASS"),
        ProwlerFinding("kms_key_enclave_debug_attestation_detected", ENCLAVE, "MANUAL"),
    ]


def test_read_ocsf_gives_one_finding_per_resource(tmp_path):
    (finding,) = json.loads((DATA / "prowler-after.ocsf.json").read_text())[:1]
    finding["resources"].append({**finding["resources"][0], "uid": BUCKET})
    (tmp_path / "two.ocsf.json").write_text(json.dumps([finding]))
    assert read_ocsf(tmp_path / "two.ocsf.json") == [
        ProwlerFinding("s3_bucket_object_versioning", ASSETS, "FAIL"),
        ProwlerFinding("s3_bucket_object_versioning", BUCKET, "FAIL"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"findings": []}', "is a list of findings, got dict"),
        ('[{"status_code": "FAIL", "resources": []}]', "finding 0 lacks metadata.event_code"),
        ('[{"metadata": {"event_code": "x"}, "status_code": "FAIL", "resources": [{"name": "n"}]}]', "finding 0 lacks"),
    ],
)
def test_read_ocsf_rejects_what_is_not_a_list_of_findings(tmp_path, text, message):
    (tmp_path / "bad.ocsf.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_ocsf(tmp_path / "bad.ocsf.json")


def test_new_failures_are_the_fails_the_baseline_does_not_have():
    baseline, after = read_ocsf(DATA / "prowler-baseline.ocsf.json"), read_ocsf(DATA / "prowler-after.ocsf.json")
    assert failures(baseline) == {("s3_bucket_object_versioning", ASSETS), ("s3_bucket_kms_encryption", BUCKET)}
    assert new_failures(baseline, after) == [
        ("kms_cmk_rotation_enabled", KEY),
        ("s3_bucket_object_versioning", BUCKET),
    ]
    assert new_failures(after, baseline) == []


@pytest.mark.parametrize(
    "uid, physical_id, named",
    [
        (BUCKET, "payment-logs-source-dev", True),
        ("arn:aws:s3:::payment-logs-source-dev2", "payment-logs-source-dev", False),
        (KEY, "0f12862e-c62e-4e40-a287-9a7983d276ae", True),
        ("arn:aws:ec2:us-east-1:123456789012:security-group/sg-fd9a7c29e97f900a4", "sg-fd9a7c29e97f900a4", True),
        ("arn:aws:iam::123456789012:role/dms-vpc-role", "dms-vpc-role", True),
        ("arn:aws:iam::123456789012:role/my-dms-vpc-role", "dms-vpc-role", False),
        ("arn:aws:rds:us-east-1:123456789012:db:source-db", "source-db", True),
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:S-x",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:S-x",
            True,
        ),
    ],
)
def test_names_resource_matches_an_arn_ending_in_the_physical_id(uid, physical_id, named):
    assert names_resource(uid, physical_id) is named


def test_caught_by_prowler_counts_only_the_changes_own_check_on_a_shared_resource():
    new = [
        ("s3_bucket_object_versioning", BUCKET),
        ("s3_bucket_default_encryption", BUCKET),
        ("s3_bucket_object_versioning", ASSETS),
    ]
    versioning = Change("v", "versioning", "Source", "Logs/Bucket/Resource", _nothing, prowler_words=("versioning",))
    anything = Change("a", "anything", "Source", "Logs/Bucket/Resource", _nothing)
    assert caught_by_prowler(versioning, "payment-logs-source-dev", new) == ["s3_bucket_object_versioning"]
    assert caught_by_prowler(anything, "payment-logs-source-dev", new) == [
        "s3_bucket_default_encryption",
        "s3_bucket_object_versioning",
    ]
    assert caught_by_prowler(anything, "payment-logs-target-dev", new) == []
    assert caught_by_prowler(anything, None, new) == []


def test_caught_by_stackcheck_reads_compliance_and_drift_on_the_construct_path():
    path = "/TapStackdevSource/Logs/Bucket/Resource"
    compliance = {("CKV_AWS_21", path), ("CKV_TAP_3", path), ("CKV_AWS_21", "/TapStackdevTarget/Logs/Bucket/Resource")}
    drift = {(path, "/VersioningConfiguration/Status"), (path, "/BucketEncryption")}
    versioning = Change(
        "v", "versioning", "Source", "Logs/Bucket/Resource", _nothing, ("CKV_AWS_21",), ("/VersioningConfiguration",)
    )
    anything = Change("a", "anything", "Source", "Logs/Bucket/Resource", _nothing)
    assert caught_by_stackcheck(versioning, path, compliance, drift) == [
        "compliance:CKV_AWS_21",
        "drift:/VersioningConfiguration/Status",
    ]
    assert caught_by_stackcheck(anything, path, compliance, drift) == [
        "compliance:CKV_AWS_21",
        "compliance:CKV_TAP_3",
        "drift:/BucketEncryption",
        "drift:/VersioningConfiguration/Status",
    ]
    assert caught_by_stackcheck(anything, "/TapStackdevSource/DataKey/Resource", compliance, drift) == []


def test_stackcheck_reports_give_failed_findings_and_drifted_differences():
    compliance = {
        "findings": [
            {"rule_id": "CKV_AWS_21", "construct_path": "/S/Logs/Bucket/Resource", "status": "FAILED"},
            {"rule_id": "CKV_TAP_8", "construct_path": "/S/Logs/Bucket/Resource", "status": "SUPPRESSED"},
            {"rule_id": "CKV_AWS_7", "construct_path": "/S/DataKey/Resource", "status": "PASSED"},
        ]
    }
    drift = {
        "stacks": [
            {
                "resources": [
                    {
                        "logical_id": "Key",
                        "construct_path": "/S/DataKey/Resource",
                        "differences": [
                            {"property_path": "/EnableKeyRotation", "status": "DRIFTED"},
                            {"property_path": "/Description", "status": "ALLOWED"},
                        ],
                    },
                    {
                        "logical_id": "Raw",
                        "construct_path": None,
                        "differences": [{"property_path": "/P", "status": "DRIFTED"}],
                    },
                ]
            }
        ]
    }
    assert compliance_failures(compliance) == {("CKV_AWS_21", "/S/Logs/Bucket/Resource")}
    assert drift_differences(drift) == {("/S/DataKey/Resource", "/EnableKeyRotation"), ("Raw", "/P")}
    assert compliance_failures({"error": "could not check"}) == set()


def test_changes_are_the_compliance_tests_changes_and_seven_more_on_their_own_resources():
    made = changes()
    names = [c.name for c in made]
    assert len(set(names)) == 12
    assert set(names) >= {
        "versioning_suspended_on_the_source_logs_bucket",
        "public_policies_allowed_on_the_source_logs_bucket",
        "port_8080_open_on_the_target_service",
        "target_database_secret_opened_to_everyone",
        "regional_principal_dropped_from_dms_vpc_role",
    }
    shared = [(c.role, c.path) for c in made]
    # only the source logs bucket takes two changes, and those two say which rule, property and check is theirs
    assert {r for r in shared if shared.count(r) > 1} == {("Source", "Logs/Bucket/Resource")}
    assert all(
        c.rules and c.properties and c.prowler_words
        for c in made
        if (c.role, c.path) == ("Source", "Logs/Bucket/Resource")
    )


def test_ensure_prowler_reuses_an_install_that_answers_its_version(tmp_path):
    executable = tmp_path / "venv" / "bin" / "prowler"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\necho 'Prowler 5.46.0'\n")
    executable.chmod(0o755)
    assert ensure_prowler(tmp_path / "venv", tmp_path / "install.log") == (executable, "5.46.0")
    assert not (tmp_path / "install.log").exists()


def _row(what: str, ours: list[str], theirs: list[str]) -> dict:
    return {
        "what": what,
        "construct_path": "/S/Logs/Bucket/Resource",
        "error": None,
        "stackcheck": bool(ours),
        "stackcheck_by": ours,
        "prowler": bool(theirs),
        "prowler_by": theirs,
    }


def test_prowler_summary_gives_both_tools_times_and_the_changes_each_caught():
    def state(prowler: float, fails: int, exit_code: int) -> dict:
        return {
            "prowler": {"seconds": prowler, "findings": 3000, "fails": fails},
            "compliance": {"seconds": 3.2, "returncode": exit_code},
            "drift": {"seconds": 1.4, "returncode": exit_code},
            "stackcheck_seconds": 4.6,
        }

    section = {
        "measures": "both tools",
        "prowler": {"version": "5.46.0", "argv": ["aws", "--scan-unused-services"], "environment": "own venv"},
        "baseline": state(244.0, 1459, 0),
        "after": state(240.0, 1462, 1),
        "prowler_time_ratio": 0.019,
        "caught": {"changes": 2, "stackcheck": 2, "prowler": 1},
        "changes": [
            _row("versioning suspended", ["compliance:CKV_AWS_21"], ["s3_bucket_object_versioning"]),
            _row("weight changed", ["drift:/Weight"], []),
        ],
        "prowler_new_fails": [["a", "b"], ["c", "d"], ["e", "f"]],
        "prowler_new_fails_elsewhere": 2,
        "caught_means": "new results only",
    }
    lines = prowler_lines(section, lambda s: "")
    assert lines[lines.index("| change | construct path | stackcheck | Prowler |") :] == [
        "| change | construct path | stackcheck | Prowler |",
        "| --- | --- | --- | --- |",
        "| versioning suspended | `/S/Logs/Bucket/Resource` | caught: `compliance:CKV_AWS_21` | caught: "
        "`s3_bucket_object_versioning` |",
        "| weight changed | `/S/Logs/Bucket/Resource` | caught: `drift:/Weight` | missed |",
        "",
        "Caught means: new results only.",
        "",
    ]
    assert (
        "- As deployed: Prowler 244.0s (3000 results, 1459 FAIL); `stackcheck compliance` 3.20s (exit 0) + "
        "`stackcheck drift` 1.40s (exit 0) = 4.60s."
    ) in lines
    assert (
        "- After the 2 changes: Prowler 240.0s (3000 results, 1462 FAIL); `stackcheck compliance` 3.20s (exit 1) + "
        "`stackcheck drift` 1.40s (exit 1) = 4.60s; 3 new Prowler FAILs (2 on resources no change touched)."
    ) in lines
    assert (
        "- `prowler_time_ratio` (stackcheck seconds over Prowler seconds, median of the two states): 0.0190; "
        "caught: stackcheck 2 of 2, Prowler 1 of 2."
    ) in lines


def test_prowler_summary_says_why_when_prowler_could_not_run():
    lines = prowler_lines({"unavailable": "`pip install prowler>=5,<6` exited 1; see x.log"}, lambda s: "")
    assert lines == [
        "## stackcheck vs Prowler on one emulator deployment",
        "",
        "Not measured: `pip install prowler>=5,<6` exited 1; see x.log.",
        "",
    ]
    assert prowler_lines(None, lambda s: "") == []
