"""`stackcheck scan` end to end, in-process: exit codes, console lines, reports/scan.json, ledger handling,
the time and commit of scan.json and scan.md."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from stackcheck.assembly.digest import assembly_digest
from stackcheck.cli import main
from stackcheck.report.provenance import Commit

FAR = "2099-12-31"


@pytest.fixture
def ledger(tmp_path):
    """Write a ledger into tmp_path from YAML text; returns its path."""

    def write(text: str = "[]\n"):
        path = tmp_path / "suppressions.yaml"
        path.write_text(textwrap.dedent(text))
        return path

    return write


def run_scan(capsys, tmp_path, *args, policies=False):
    """``stackcheck scan`` with reports and the findings cache under ``tmp_path`` (never the checkout's)."""
    pack = [] if policies else ["--no-policies"]
    code = main(
        ["scan", *args, *pack, "--report-dir", str(tmp_path / "reports"), "--cache-dir", str(tmp_path / "cache")]
    )
    out, err = capsys.readouterr()
    return code, out, err


def report(tmp_path):
    return json.loads((tmp_path / "reports" / "scan.json").read_text())


def test_bad_template_exits_1_listing_each_failure(capsys, tmp_path, templates, ledger, scanners):
    bad = templates / "s3_public_unencrypted.yaml"
    code, out, _ = run_scan(capsys, tmp_path, "--template", str(bad), "--ledger", str(ledger()))
    assert code == 1
    lines = out.splitlines()
    assert lines[:7] == [
        "stack                  tool      passed  failed  suppressed  unknown",
        "---------------------  --------  ------  ------  ----------  -------",
        "s3_public_unencrypted  cfn-lint     n/a       2           0        0",
        "s3_public_unencrypted  checkov        2       7           0        0",
        "",
        "n/a: cfn-lint reports only failures, so it has no pass count.",
        "",
    ]
    assert (
        f"E3045  s3_public_unencrypted/PublicBucket  {bad}:6  A bucket with 'AccessControl' set should also "
        "have at least one 'OwnershipControl' configured" in lines
    )
    assert (
        f"CKV_AWS_18  s3_public_unencrypted/PublicBucket  {bad}:4  Ensure the S3 bucket has access logging enabled"
        in lines
    )
    assert "FAILED: 9 unsuppressed findings (0 suppressed)" in lines
    data = report(tmp_path)
    assert data["exit_code"] == 1
    assert {f["rule_id"] for f in data["findings"] if f["status"] == "FAILED"} == {
        "E3045",
        "W3045",
        "CKV_AWS_18",
        "CKV_AWS_20",
        "CKV_AWS_21",
        "CKV_AWS_53",
        "CKV_AWS_54",
        "CKV_AWS_55",
        "CKV_AWS_56",
    }


def test_good_template_exits_0(capsys, tmp_path, templates, ledger, scanners):
    code, out, _ = run_scan(
        capsys, tmp_path, "--template", str(templates / "s3_private_encrypted.yaml"), "--ledger", str(ledger())
    )
    assert code == 0
    assert "PASSED: no unsuppressed finding (0 suppressed)" in out.splitlines()
    assert report(tmp_path)["summary"]["totals"] == {"passed": 9, "failed": 0, "suppressed": 0, "unknown": 0}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nonexistent.yaml", "template {path} does not exist"),
        ("malformed.yaml", "template {path} is not valid YAML or JSON (line 6: "),
        ("malformed.json", "template {path} is not valid JSON (line 3, column 42: "),
    ],
)
def test_bad_template_input_exits_2_naming_the_file(capsys, tmp_path, templates, ledger, name, message):
    path = templates / name if name != "nonexistent.yaml" else tmp_path / "nonexistent" / name
    code, out, err = run_scan(capsys, tmp_path, "--template", str(path), "--ledger", str(ledger()))
    assert code == 2
    assert err.startswith("stackcheck scan: error: " + message.format(path=path))
    assert out == ""
    assert not (tmp_path / "reports").exists()


def test_template_slash_nonexistent_exits_2(capsys, tmp_path, ledger):
    code, _, err = run_scan(capsys, tmp_path, "--template", "/nonexistent", "--ledger", str(ledger()))
    assert (code, err) == (
        2,
        "stackcheck scan: error: template /nonexistent does not exist; give the path of a "
        "CloudFormation template file, or scan the whole cloud assembly with --assembly "
        "cdk.out\n",
    )


def test_missing_assembly_exits_2(capsys, tmp_path, ledger):
    code, _, err = run_scan(capsys, tmp_path, "--assembly", str(tmp_path / "cdk.out"), "--ledger", str(ledger()))
    assert code == 2
    assert f"cloud assembly directory {tmp_path / 'cdk.out'} does not exist" in err


LEDGER_ERRORS = [
    ("short-reason", {"reason": "too short"}, "entry 1 (rule CKV_AWS_18): reason is 9 characters"),
    ("missing-owner", {"owner": None}, "entry 1 (rule CKV_AWS_18): missing 'owner'"),
    ("bad-date", {"expires": "2026-02-30"}, "entry 1 (rule CKV_AWS_18): expires '2026-02-30' is not a date"),
    ("unknown-rule", {"rule": "CKV_AWS_9999"}, "entry 1 (rule CKV_AWS_9999): unknown rule id 'CKV_AWS_9999'"),
]


@pytest.mark.parametrize(("case", "change", "message"), LEDGER_ERRORS, ids=[c[0] for c in LEDGER_ERRORS])
def test_bad_ledger_entry_exits_2_naming_the_entry(
    capsys, tmp_path, templates, ledger, scanners, case, change, message
):
    fields = {
        "rule": "CKV_AWS_18",
        "target": "PublicBucket",
        "reason": "public test fixture bucket",
        "owner": "qa",
        "expires": FAR,
        **change,
    }
    path = ledger("- " + "\n  ".join(f"{k}: {v}" for k, v in fields.items() if v is not None) + "\n")
    code, out, err = run_scan(
        capsys, tmp_path, "--template", str(templates / "s3_public_unencrypted.yaml"), "--ledger", str(path)
    )
    assert code == 2
    assert f"{path}:1: {message}" in err
    assert out == ""


def test_suppressed_expired_and_stale_entries(capsys, tmp_path, templates, ledger, scanners):
    bad = templates / "s3_public_unencrypted.yaml"
    path = ledger(f"""\
        - rule: CKV_AWS_18
          target: s3_public_unencrypted/PublicBucket
          reason: fixture bucket; access logs are not wanted here
          owner: qa-team
          expires: {FAR}
        - rule: CKV_AWS_21
          target: PublicBucket
          reason: versioning waiver that ran out
          owner: qa-team
          expires: 2020-01-01
        - rule: E3045
          target: SomeOtherBucket
          reason: points at a resource that does not exist
          owner: qa-team
          expires: {FAR}
        """)
    code, out, _ = run_scan(capsys, tmp_path, "--template", str(bad), "--ledger", str(path))
    assert code == 1
    lines = out.splitlines()
    assert "s3_public_unencrypted  checkov        2       6           1        0" in lines
    assert (
        f"ledger expired: {path}:6: entry 2 (rule CKV_AWS_21 on PublicBucket) expired on 2020-01-01 and no longer "
        "suppresses (1 finding it covered now count as failures); fix the finding, or renew the entry with a new "
        "expiry date"
    ) in lines
    assert (
        f"ledger stale: {path}:11: entry 3 (rule E3045 on SomeOtherBucket) matches no failed finding; remove it, "
        "or correct its target"
    ) in lines
    assert not any(line.startswith("CKV_AWS_18 ") for line in lines)
    assert any(line.startswith("CKV_AWS_21 ") for line in lines)
    data = report(tmp_path)
    (suppressed,) = [f for f in data["findings"] if f["status"] == "SUPPRESSED"]
    assert (suppressed["rule_id"], suppressed["logical_id"], suppressed["line"], suppressed["suppression"]) == (
        "CKV_AWS_18",
        "PublicBucket",
        4,
        {
            "reason": "fixture bucket; access logs are not wanted here",
            "owner": "qa-team",
            "expires": FAR,
            "source": f"{path} entry 1",
        },
    )
    assert [(w["kind"], w["entry"]) for w in data["ledger"]["warnings"]] == [("expired", 2), ("stale", 3)]
    md = (tmp_path / "reports" / "scan.md").read_text()
    failures, _, rest = md.partition("### Suppressed (1)\n\n")
    assert (
        "<details>" not in failures
        and "| `CKV_AWS_21` | checkov | s3_public_unencrypted | `PublicBucket` |" in failures
    )
    assert rest.startswith(
        f"<details>\n<summary>1 suppressed finding (ledger {path}; earliest expiry {FAR})</summary>\n\n"
        "| rule | stack | construct path | reason | owner | expires |\n"
    )
    assert (
        f"- **expired**: {path}:6: entry 2 (rule CKV_AWS_21 on PublicBucket) expired on 2020-01-01 and no longer "
        "suppresses (1 finding it covered now count as failures); fix the finding, or renew the entry with a new "
        f"expiry date\n\n<details>\n<summary>1 stale ledger entry in {path} (matches no failed finding)</summary>\n\n"
        f"- **stale**: {path}:11: entry 3"
    ) in rest


def test_assembly_scan_with_subtree_suppression_exits_0_when_all_covered(capsys, tmp_path, templates, ledger, scanners):
    path = ledger(f"""\
        - rule: CKV_AWS_18
          target: /TapStackTestSource/Storage/*
          reason: the storage construct's buckets log to the central account
          owner: storage-team
          expires: {FAR}
        - rule: CKV_AWS_26
          target: TapStackTestTarget/Alerts/Topic/Resource
          reason: alert topic carries no payment data
          owner: ops-team
          expires: {FAR}
        """)
    code, out, _ = run_scan(capsys, tmp_path, "--assembly", str(templates / "assembly"), "--ledger", str(path))
    assert code == 0
    assert "PASSED: no unsuppressed finding (3 suppressed)" in out.splitlines()
    # scan.json records what was scanned, for deploy to compare
    report = json.loads((tmp_path / "reports" / "scan.json").read_text())
    assert report["assembly"] == {
        "directory": str(templates / "assembly"),
        "digest": assembly_digest(templates / "assembly"),
    }
    # scan.sarif, uploaded to code scanning, leaves the suppressed findings out; --sarif-suppressed keeps them
    sarif = json.loads((tmp_path / "reports" / "scan.sarif").read_text())
    assert [r for run in sarif["runs"] for r in run["results"] if r["properties"]["status"] == "SUPPRESSED"] == []
    assert sum(run["properties"]["stackcheck/suppressed"] for run in sarif["runs"]) == 3
    code, _, _ = run_scan(
        capsys, tmp_path, "--assembly", str(templates / "assembly"), "--ledger", str(path), "--sarif-suppressed"
    )
    sarif = json.loads((tmp_path / "reports" / "scan.sarif").read_text())
    kept = [r for run in sarif["runs"] for r in run["results"] if r["properties"]["status"] == "SUPPRESSED"]
    assert (code, sorted(r["ruleId"] for r in kept)) == (0, ["CKV_AWS_18", "CKV_AWS_18", "CKV_AWS_26"])
    assert {r["suppressions"][0]["status"] for r in kept} == {"accepted"}


def test_help_does_not_import_the_scanners():
    probe = (
        "import sys; from stackcheck.cli import build_parser; build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'checkov', 'cfnlint'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_repository_ledger_names_only_known_rule_ids():
    from pathlib import Path

    from stackcheck.scan.runner import load_scanners
    from stackcheck.suppressions import load_ledger

    root = Path(__file__).parents[4]
    path = root / "policies" / "suppressions.yaml"
    known = frozenset().union(*(s.rule_ids() for s in load_scanners(cdk_nag=True, policies=root / "policies")))
    assert load_ledger(path, known).path == path


def test_bad_template_with_the_policy_pack_names_the_pack_rules_too(capsys, tmp_path, templates, ledger):
    bad = templates / "s3_public_unencrypted.yaml"
    code, out, _ = run_scan(capsys, tmp_path, "--template", str(bad), "--ledger", str(ledger()), policies=True)
    assert code == 1
    assert "FAILED: 13 unsuppressed findings (0 suppressed)" in out.splitlines()
    assert {f["rule_id"] for f in report(tmp_path)["findings"] if f["status"] == "FAILED"} == {
        "E3045",
        "W3045",
        "CKV_AWS_18",
        "CKV_AWS_20",
        "CKV_AWS_21",
        "CKV_AWS_53",
        "CKV_AWS_54",
        "CKV_AWS_55",
        "CKV_AWS_56",
        "E9003",
        "CKV_TAP_3",
        "CKV_TAP_4",
        "CKV_TAP_8",
    }


def test_one_mistake_gives_one_finding_with_the_policy_pack(capsys, tmp_path, templates, ledger):
    """Versioning Suspended and rotation off, on resources otherwise clean: checkov's CKV_AWS_21 and CKV_AWS_7 each
    fail once, and no pack rule adds a second finding for the same mistake."""
    path = templates / "versioning_suspended_rotation_off.yaml"
    code, out, _ = run_scan(capsys, tmp_path, "--template", str(path), "--ledger", str(ledger()), policies=True)
    assert code == 1
    assert "FAILED: 2 unsuppressed findings (0 suppressed)" in out.splitlines()
    findings = report(tmp_path)["findings"]
    assert sorted((f["rule_id"], f["tool"], f["logical_id"]) for f in findings if f["status"] == "FAILED") == [
        ("CKV_AWS_21", "checkov", "SuspendedBucket"),
        ("CKV_AWS_7", "checkov", "UnrotatedKey"),
    ]
    passed = {
        lid: {f["rule_id"] for f in findings if f["logical_id"] == lid and f["status"] == "PASSED"}
        for lid in ("SuspendedBucket", "UnrotatedKey")
    }
    assert passed == {
        "SuspendedBucket": {
            "CKV_AWS_18",
            "CKV_AWS_19",
            "CKV_AWS_20",
            "CKV_AWS_53",
            "CKV_AWS_54",
            "CKV_AWS_55",
            "CKV_AWS_56",
            "CKV_AWS_57",
            "E9003",
            "E9008",
            "CKV_TAP_3",
            "CKV_TAP_4",
            "CKV_TAP_8",
            "E9007",
        },
        "UnrotatedKey": {"CKV_AWS_33", "E9007"},
    }
    assert {f["status"] for f in findings} == {"PASSED", "FAILED"}


def test_time_and_commit_reach_scan_json_and_scan_md_only(capsys, tmp_path, templates, ledger, scanners, monkeypatch):
    """Two scans of one template at different times and commits: scan.json and scan.md say which; scan.sarif is
    byte-identical, the baseline fingerprints are the same, and the second scan is answered from the findings
    cache (its key did not change)."""
    bad = str(templates / "s3_public_unencrypted.yaml")
    path = str(ledger())
    runs = []
    for moment, commit in (
        (datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), Commit("1a2b3c4", True)),
        (datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC), Commit("5d6e7f8", False)),
    ):
        monkeypatch.setattr("stackcheck.report.provenance.utc_now", lambda moment=moment: moment)
        monkeypatch.setattr("stackcheck.report.provenance.read_commit", lambda commit=commit: commit)
        baseline = tmp_path / f"baseline{len(runs)}.json"
        code, out, _ = run_scan(
            capsys, tmp_path, "--template", bad, "--ledger", path, "--write-baseline", str(baseline)
        )
        reports = tmp_path / "reports"
        data = report(tmp_path)
        runs.append(
            {
                "code": code,
                "out": out,
                "json": (data["generated"], data["commit"]),
                "md": (reports / "scan.md").read_text().splitlines()[:3],
                "sarif": (reports / "scan.sarif").read_bytes(),
                "fingerprints": [e["fingerprint"] for e in json.loads(baseline.read_text())["findings"]],
            }
        )
    first, second = runs
    assert (first["code"], second["code"]) == (1, 1)
    assert [r["json"] for r in runs] == [
        ("2026-03-04T05:06:07Z", {"sha": "1a2b3c4", "dirty": True, "reason": None}),
        ("2026-03-05T00:00:01Z", {"sha": "5d6e7f8", "dirty": False, "reason": None}),
    ]
    assert [r["md"] for r in runs] == [
        ["## stackcheck scan: FAILED", "", "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty)."],
        ["## stackcheck scan: FAILED", "", "Generated 2026-03-05T00:00:01Z from commit 5d6e7f8."],
    ]
    assert first["sarif"] == second["sarif"]
    assert len(first["fingerprints"]) == 9 and first["fingerprints"] == second["fingerprints"]
    assert "findings cache" not in first["out"].splitlines()[-1]
    assert second["out"].splitlines()[-1].endswith(", 2 of 2 scan units from the findings cache)")


def slowest_rules(text):
    """The slowest-rules lines of console output (from ``slowest rules:`` to the next blank line) or of scan.md
    (from ``### Slowest rules`` to the end: the last section)."""
    lines = text.splitlines()
    if "### Slowest rules" in lines:
        return lines[lines.index("### Slowest rules") :]
    start = next(i for i, line in enumerate(lines) if line.startswith("slowest rules: "))
    return lines[start : lines.index("", start)]


def test_cold_partly_cached_and_warm_scans_say_what_the_rule_timings_cover(
    capsys, tmp_path, templates, ledger, scanners
):
    """Cold: the five slowest rules over every unit; one template edited: over the units that ran; warm: one line
    saying none ran, in the console and in scan.md."""
    copy = tmp_path / "bucket.yaml"
    copy.write_text((templates / "s3_public_unencrypted.yaml").read_text())
    args = ("--template", str(copy), str(templates / "s3_private_encrypted.yaml"), "--ledger", str(ledger()))
    seen = {}
    for name in ("cold", "warm", "partly"):
        if name == "partly":
            copy.write_text(copy.read_text() + "\n# edited: only the bytes change\n")
        _, out, _ = run_scan(capsys, tmp_path, *args)
        seen[name] = (slowest_rules(out), slowest_rules((tmp_path / "reports" / "scan.md").read_text()), out)
    cold_console, cold_md, cold_out = seen["cold"]
    assert cold_console[0] == (
        "slowest rules: CPU seconds of each rule's own code, timings of the 4 scan units that "
        "ran (none came from the findings cache)."
    )
    assert len(cold_console) == 6 and {line.split()[0] for line in cold_console[1:]} <= {"cfn-lint", "checkov"}
    assert cold_md[:5] == [
        "### Slowest rules",
        "",
        "CPU seconds of each rule's own code, timings of the 4 scan units that ran (none came from "
        "the findings cache).",
        "",
        "| rule | tool | seconds |",
    ]
    assert len(cold_md) == 11
    assert "findings cache" not in cold_out.splitlines()[-1]
    warm_console, warm_md, warm_out = seen["warm"]
    warm = (
        "one ran in this scan; all 4 scan units came from the findings cache (timings are recorded when the "
        "scanners run)."
    )
    assert warm_console == [f"slowest rules: n{warm}"]
    assert warm_md == ["### Slowest rules", "", f"N{warm}"]
    assert warm_out.splitlines()[-1].endswith(", 4 of 4 scan units from the findings cache)")
    partly_console, partly_md, partly_out = seen["partly"]
    assert partly_console[0] == (
        "slowest rules: CPU seconds of each rule's own code, timings of the 2 of 4 scan units "
        "that ran (2 came from the findings cache)."
    )
    assert len(partly_console) == 6
    assert partly_md[2] == partly_console[0].removeprefix("slowest rules: ")
    assert partly_out.splitlines()[-1].endswith(", 2 of 4 scan units from the findings cache)")


def test_a_project_without_a_ledger_or_policy_pack_scans_with_the_generic_scanners(
    capsys, tmp_path, templates, monkeypatch
):
    # another project's first scan: no policies/ folder, so no pack and no ledger, and nothing to create first
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "scan",
            "--template",
            str(templates / "s3_public_unencrypted.yaml"),
            "--report-dir",
            "reports",
            "--cache-dir",
            "cache",
        ]
    )
    assert code == 1
    written = json.loads((tmp_path / "reports" / "scan.json").read_text())
    assert set(written["tools"]) == {"cfn-lint", "checkov"}
    assert written["ledger"]["path"] is None
    assert "error" not in capsys.readouterr().err


def test_a_ledger_given_must_exist(capsys, tmp_path, templates):
    code = main(
        ["scan", "--template", str(templates / "s3_private_encrypted.yaml"), "--ledger", str(tmp_path / "none.yaml")]
    )
    assert code == 2
    assert "none.yaml does not exist" in capsys.readouterr().err


def test_pattern_targets_suppress_instead_of_aborting_the_scan(capsys, tmp_path, templates, ledger, scanners):
    path = ledger(f"""\
        - rule: CKV_AWS_18
          target: TapStackTestSource/**/Resource
          reason: the storage construct's buckets log to the central account
          owner: storage-team
          expires: {FAR}
        - rule: CKV_AWS_26
          target: '*/Alerts/*/Resource'
          reason: alert topic carries no payment data
          owner: ops-team
          expires: {FAR}
          framework_owned: false
        """)
    code, out, _ = run_scan(capsys, tmp_path, "--assembly", str(templates / "assembly"), "--ledger", str(path))
    assert code == 0
    assert "PASSED: no unsuppressed finding (3 suppressed)" in out.splitlines()
    suppressed = [f for f in report(tmp_path)["findings"] if f["status"] == "SUPPRESSED"]
    assert sorted((f["rule_id"], f["suppression"]["source"].rsplit(" ", 1)[1]) for f in suppressed) == [
        ("CKV_AWS_18", "1"),
        ("CKV_AWS_18", "1"),
        ("CKV_AWS_26", "2"),
    ]


def test_synth_synthesizes_then_scans_the_fresh_assembly(capsys, tmp_path, monkeypatch):
    from tests.unit.stackcheck.test_assembly import write_app

    app = write_app(tmp_path / "app")
    monkeypatch.chdir(app)
    code, out, _ = run_scan(capsys, tmp_path, "--synth", "--synth-arg=-c", "--synth-arg=name=from-scan")
    assert (code, failure_lines(out)) == (1, ["FAILED: 4 unsuppressed findings (0 suppressed)"])
    scanned = report(tmp_path)
    assert scanned["assembly"] == {"directory": "cdk.out", "digest": assembly_digest(app / "cdk.out")}
    assert {(t["stack"], t["tool"]) for t in scanned["templates"]} == {
        (stack, tool) for stack in ("First", "Second") for tool in ("cfn-lint", "checkov", "cdk-nag")
    }
    template = json.loads((app / "cdk.out" / "First.template.json").read_text())
    assert [r["Properties"]["DisplayName"] for r in template["Resources"].values()] == ["from-scan"]
    assert scanned["timings"]["synth"] > 0


def test_synth_that_fails_exits_with_its_code_and_writes_no_report(capsys, tmp_path, monkeypatch):
    from tests.unit.stackcheck.test_assembly import write_app

    app = write_app(tmp_path / "app", app="raise RuntimeError('no app today')\n")
    monkeypatch.chdir(app)
    code, _, err = run_scan(capsys, tmp_path, "--synth")
    assert code == 2
    assert "scan: not run, synthesis exited 2" in err
    assert not (tmp_path / "reports").exists()


def test_synth_with_templates_or_two_assemblies_is_bad_input(capsys, tmp_path, templates):
    for args in (
        ["--synth", str(templates / "s3_private_encrypted.yaml")],
        ["--synth", "--assembly", "a", "--assembly", "b"],
    ):
        code, _, err = run_scan(capsys, tmp_path, *args)
        assert code == 2
        assert "--synth synthesizes one cloud assembly" in err


def test_synth_of_an_app_in_another_folder_writes_the_assembly_the_scan_reads(capsys, tmp_path, monkeypatch):
    # `stackcheck synth --app-dir app --output cdk.out` alone would write app/cdk.out; the scan reads ./cdk.out
    from tests.unit.stackcheck.test_assembly import write_app

    write_app(tmp_path / "app")
    monkeypatch.chdir(tmp_path)  # no cdk.json here
    code, out, _ = run_scan(capsys, tmp_path, "--synth-arg=--app-dir", "--synth-arg=app")
    assert (code, failure_lines(out)) == (1, ["FAILED: 4 unsuppressed findings (0 suppressed)"])
    assert (tmp_path / "cdk.out" / "First.template.json").is_file()
    assert not (tmp_path / "app" / "cdk.out").exists()
    assert report(tmp_path)["assembly"] == {"directory": "cdk.out", "digest": assembly_digest(tmp_path / "cdk.out")}


@pytest.mark.parametrize(
    ("synth_args", "message"),
    [
        (
            ["--synth-arg=--output", "--synth-arg=elsewhere"],
            "--synth-arg --output elsewhere: the scan names the cloud assembly it synthesizes and reads; "
            "give it as --assembly DIR",
        ),
        (["--synth-arg=-c", "--synth-arg=stage"], "--context 'stage' is not KEY=VALUE"),
        (["--synth-arg=--watch"], "--synth-arg --watch: not an option of `stackcheck synth` (see its --help)"),
        (["--synth-arg=--app-dir"], "--synth-arg: argument --app-dir: expected one argument"),
    ],
)
def test_synth_args_the_synthesis_would_refuse_fail_before_it_starts(
    capsys, tmp_path, monkeypatch, synth_args, message
):
    from tests.unit.stackcheck.test_assembly import write_app

    monkeypatch.chdir(write_app(tmp_path / "app"))
    code, _, err = run_scan(capsys, tmp_path, *synth_args)
    assert code == 2
    assert message in err
    assert not (tmp_path / "app" / "cdk.out").exists()
    assert not (tmp_path / "reports").exists()


def test_synth_with_new_context_loads_the_scanners_while_the_app_synthesizes(capsys, tmp_path, monkeypatch):
    # the assembly on disk was synthesized with other context: the synthesis replaces it, so its templates must be scanned
    from stackcheck.scan import runner
    from tests.unit.stackcheck.test_assembly import write_app

    app = write_app(tmp_path / "app")
    monkeypatch.chdir(app)
    assert run_scan(capsys, tmp_path, "--synth", "--synth-arg=-c", "--synth-arg=name=first")[0] == 1
    real, names_on_disk = runner.loaded, []

    def loaded(scanner):  # which assembly is on disk when a scanner is first asked for: the old one, or the new
        template = json.loads((app / "cdk.out" / "First.template.json").read_text())
        names_on_disk.extend(r["Properties"]["DisplayName"] for r in template["Resources"].values())
        return real(scanner)

    monkeypatch.setattr(runner, "loaded", loaded)
    code, out, _ = run_scan(capsys, tmp_path, "--synth", "--synth-arg=-c", "--synth-arg=name=second", "--jobs", "1")
    assert (code, failure_lines(out)) == (1, ["FAILED: 4 unsuppressed findings (0 suppressed)"])
    assert names_on_disk[0] == "first"  # asked for while the app was still synthesizing
    assert "2 of 6 scan units from the findings cache" in out  # Second's template did not change


def failure_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("FAILED", "PASSED"))]


WAITS_FOR_THE_SCANNERS = """
import os
import signal
from pathlib import Path

signal.alarm(120)  # a scan that never tells this app its scanners are loaded fails the test instead of hanging
Path("scanners-loaded-by").write_text(Path(os.environ["STACKCHECK_TEST_FIFO"]).read_text())
"""


@pytest.mark.parametrize("process_ends", [False, True], ids=["in-process caller", "the stackcheck command"])
def test_synth_loads_the_scanners_in_the_scan_process_while_the_app_synthesizes(
    capsys, tmp_path, monkeypatch, process_ends
):
    """The app below cannot finish until this process has loaded every scanner: proof the two overlap.

    The command (whose process ends after it) then collects and freezes its heap while it waits for
    the synthesis; an in-process caller's collector is left alone."""
    import gc
    import os
    import threading

    from stackcheck import cli
    from stackcheck.scan import runner
    from tests.unit.stackcheck.test_assembly import TINY_APP, write_app

    fifo = tmp_path / "loaded"
    os.mkfifo(fifo)
    monkeypatch.setenv("STACKCHECK_TEST_FIFO", str(fifo))
    app = write_app(tmp_path / "app", app=WAITS_FOR_THE_SCANNERS + TINY_APP)
    monkeypatch.chdir(app)
    real, tools = runner.loaded, []

    def loaded(scanner):
        scanner = real(scanner)
        tools.append(scanner.tool)
        if len(tools) == 3:  # every one: tell the app, which must be running and waiting to hear it
            writer = threading.Thread(target=lambda: fifo.write_text(str(os.getpid())), daemon=True)
            writer.start()
            writer.join(120)
            assert not writer.is_alive(), "the app was not running while the scanners loaded"
        return scanner

    monkeypatch.setattr(runner, "loaded", loaded)
    monkeypatch.setattr(cli, "_PROCESS_ENDS", process_ends)
    gc.unfreeze()  # whatever an earlier test in this worker froze (the gate freezes its heap)
    try:
        code, out, _ = run_scan(capsys, tmp_path, "--synth")
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert (code, failure_lines(out)) == (1, ["FAILED: 4 unsuppressed findings (0 suppressed)"])
    assert tools[:3] == ["cfn-lint", "checkov", "cdk-nag"]  # then again per unit, already loaded
    assert (app / "scanners-loaded-by").read_text() == str(os.getpid())
    if process_ends:
        assert frozen > 100_000  # the loaded scanners' objects at least
    else:
        assert frozen == 0


def test_synth_of_a_current_assembly_with_a_warm_cache_loads_no_scanner(capsys, tmp_path, monkeypatch):
    from stackcheck.scan import runner
    from tests.unit.stackcheck.test_assembly import write_app

    monkeypatch.chdir(write_app(tmp_path / "app"))
    assert run_scan(capsys, tmp_path, "--synth")[0] == 1
    tools: list[str] = []
    monkeypatch.setattr(runner, "loaded", lambda scanner: tools.append(scanner.tool) or scanner)
    code, out, _ = run_scan(capsys, tmp_path, "--synth")
    assert (code, failure_lines(out), tools) == (1, ["FAILED: 4 unsuppressed findings (0 suppressed)"], [])
    assert "6 of 6 scan units from the findings cache" in out


def test_a_scanner_that_cannot_load_during_synth_lets_the_synthesis_finish_and_writes_no_report(
    capsys, tmp_path, monkeypatch
):
    from stackcheck.errors import ScannerError
    from stackcheck.scan import runner
    from tests.unit.stackcheck.test_assembly import write_app

    app = write_app(tmp_path / "app")
    monkeypatch.chdir(app)

    def cannot(scanner):
        raise ScannerError("cannot load the scanners: ModuleNotFoundError: No module named 'checkov'")

    monkeypatch.setattr(runner, "loaded", cannot)
    code, _, err = run_scan(capsys, tmp_path, "--synth")
    assert code == 3
    assert "stackcheck scan: error: cannot load the scanners: ModuleNotFoundError" in err
    assert (app / "cdk.out" / "manifest.json").is_file()
    assert [p.name for p in app.iterdir() if p.is_dir() and p.name.startswith(".cdk.out.")] == []  # no staging left
    assert not (tmp_path / "reports").exists()
