"""`stackcheck scan` on input edge cases: empty Resources, one file name in two folders, ledger entries for other stacks."""

from __future__ import annotations

import json
import re
import shutil
import textwrap

from stackcheck.cli import main

FAR = "2099-12-31"


def run_scan(capsys, tmp_path, *args):
    code = main(
        [
            "scan",
            *args,
            "--no-policies",
            "--report-dir",
            str(tmp_path / "reports"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def report(tmp_path):
    return json.loads((tmp_path / "reports" / "scan.json").read_text())


def empty_ledger(tmp_path):
    path = tmp_path / "suppressions.yaml"
    path.write_text("[]\n")
    return path


def test_empty_resources_template_is_scanned_with_its_batch(capsys, tmp_path, templates, scanners):
    empty = tmp_path / "empty.json"
    empty.write_text('{"Resources": {}}\n')
    bad = templates / "s3_public_unencrypted.yaml"
    code, out, err = run_scan(capsys, tmp_path, str(empty), str(bad), "--ledger", str(empty_ledger(tmp_path)))
    assert code == 1
    # stderr holds only the progress: one plain line per unit as it finishes (not a terminal), numbered
    assert [line.split(" ", 2)[1] for line in err.splitlines()] == ["1/4", "2/4", "3/4", "4/4"]
    assert {re.sub(r"^scan: \d/4 (.*), \d+\.\d s\)$", r"\1)", line) for line in err.splitlines()} == {
        "cfn-lint empty (0 findings, 0 failed)",
        "checkov empty (0 findings, 0 failed)",
        "cfn-lint s3_public_unencrypted (2 findings, 2 failed)",
        "checkov s3_public_unencrypted (9 findings, 7 failed)",
    }
    assert out.splitlines()[:6] == [
        "stack                  tool      passed  failed  suppressed  unknown",
        "---------------------  --------  ------  ------  ----------  -------",
        "empty                  cfn-lint     n/a       0           0        0",
        "empty                  checkov        0       0           0        0",
        "s3_public_unencrypted  cfn-lint     n/a       2           0        0",
        "s3_public_unencrypted  checkov        2       7           0        0",
    ]
    assert [(t["stack"], t["tool"], t["crashed"]) for t in report(tmp_path)["templates"]] == [
        ("empty", "cfn-lint", False),
        ("empty", "checkov", False),
        ("s3_public_unencrypted", "cfn-lint", False),
        ("s3_public_unencrypted", "checkov", False),
    ]


def test_template_without_resources_exits_2_naming_it(capsys, tmp_path, templates):
    bad = templates / "no_resources.yaml"
    code, out, err = run_scan(capsys, tmp_path, "--template", str(bad), "--ledger", str(empty_ledger(tmp_path)))
    assert (code, out) == (2, "")
    assert err == (
        f"stackcheck scan: error: template {bad} has no Resources object; is it a CloudFormation template? "
        "CloudFormation requires one (an empty `Resources: {}` is valid)\n"
    )
    assert not (tmp_path / "reports").exists()


def test_same_file_name_in_two_folders_scans_both_apart(capsys, tmp_path, templates, scanners):
    first, second = tmp_path / "a" / "t.yaml", tmp_path / "b" / "t.yaml"
    for path, source in ((first, "s3_public_unencrypted.yaml"), (second, "s3_private_encrypted.yaml")):
        path.parent.mkdir()
        shutil.copy(templates / source, path)
    code, out, _ = run_scan(capsys, tmp_path, str(first), str(second), "--ledger", str(empty_ledger(tmp_path)))
    assert code == 1
    assert out.splitlines()[:6] == [
        "stack  tool      passed  failed  suppressed  unknown",
        "-----  --------  ------  ------  ----------  -------",
        "a/t    cfn-lint     n/a       2           0        0",
        "a/t    checkov        2       7           0        0",
        "b/t    cfn-lint     n/a       0           0        0",
        "b/t    checkov        9       0           0        0",
    ]
    data = report(tmp_path)
    assert {(f["stack"], f["template_file"]) for f in data["findings"] if f["status"] == "FAILED"} == {
        ("a/t", str(first))
    }
    assert {(f["stack"], f["template_file"]) for f in data["findings"] if f["status"] == "PASSED"} == {
        ("a/t", str(first)),
        ("b/t", str(second)),
    }
    sarif = json.loads((tmp_path / "reports" / "scan.sarif").read_text())
    located = {
        (res["properties"]["stack"], res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for run in sarif["runs"]
        for res in run["results"]
    }
    assert located == {("a/t", first.as_uri())}


def test_same_file_name_in_two_folders_keeps_two_cache_entries(capsys, tmp_path, templates, scanners):
    first, second = tmp_path / "a" / "t.yaml", tmp_path / "b" / "t.yaml"
    for path in (first, second):
        path.parent.mkdir()
        shutil.copy(templates / "s3_public_unencrypted.yaml", path)
    ledger = str(empty_ledger(tmp_path))
    run_scan(capsys, tmp_path, str(first), str(second), "--ledger", ledger)
    second.write_text((templates / "s3_private_encrypted.yaml").read_text())
    code, out, _ = run_scan(capsys, tmp_path, str(first), str(second), "--ledger", ledger)
    assert code == 1
    # a/t is unchanged and comes from the cache; b/t changed and runs again, under its own key
    assert "timings of the 2 of 4 scan units that ran (2 came from the findings cache)." in out
    assert out.splitlines()[-1].endswith("2 of 4 scan units from the findings cache)")
    assert {f["stack"] for f in report(tmp_path)["findings"] if f["status"] == "FAILED"} == {"a/t"}


def test_ledger_entries_for_stacks_not_scanned_are_left_out(capsys, tmp_path, templates, scanners):
    ledger = tmp_path / "suppressions.yaml"
    ledger.write_text(
        textwrap.dedent(
            f"""\
            - rule: CKV_AWS_18
              target: TapStackdevSource/Storage/LogsBucket/Resource
              reason: the access-log bucket cannot log to itself
              owner: platform-team
              expires: {FAR}
            - rule: CKV_AWS_21
              target: TapStackdevTarget/Storage/DataBucket/Resource
              reason: versioning is off while the data is disposable
              owner: platform-team
              expires: {FAR}
            - rule: CKV_AWS_18
              target: s3_public_unencrypted/PublicBucket
              reason: the public bucket is a test fixture of its own
              owner: platform-team
              expires: {FAR}
            - rule: CKV_AWS_20
              target: s3_public_unencrypted/NoSuchBucket
              reason: an entry of the scanned stack that matches nothing
              owner: platform-team
              expires: {FAR}
            """
        )
    )
    bad = templates / "s3_public_unencrypted.yaml"
    code, out, _ = run_scan(capsys, tmp_path, "--template", str(bad), "--ledger", str(ledger))
    assert code == 1
    data = report(tmp_path)
    assert [(w["kind"], w["entry"]) for w in data["ledger"]["warnings"]] == [("stale", 4)]
    assert data["ledger"]["out_of_scope"] == [
        {"entry": 1, "rule": "CKV_AWS_18", "target": "TapStackdevSource/Storage/LogsBucket/Resource"},
        {"entry": 2, "rule": "CKV_AWS_21", "target": "TapStackdevTarget/Storage/DataBucket/Resource"},
    ]
    assert [f["suppression"]["source"] for f in data["findings"] if f["status"] == "SUPPRESSED"] == [
        f"{ledger} entry 3"
    ]
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("ledger")] == [
        f"ledger stale: {ledger}:16: entry 4 (rule CKV_AWS_20 on s3_public_unencrypted/NoSuchBucket) matches no "
        "failed finding; remove it, or correct its target",
        f"ledger: 2 entries of {ledger} name stacks not scanned (TapStackdevSource, TapStackdevTarget), so they "
        "were neither applied nor checked for staleness",
    ]


def test_scan_reports_are_published_as_one_set(capsys, tmp_path, templates, scanners, monkeypatch):
    import stackcheck.files

    calls = []
    real = stackcheck.files.publish_reports
    monkeypatch.setattr(
        stackcheck.files, "publish_reports", lambda d, files: calls.append((str(d), sorted(files))) or real(d, files)
    )
    good = templates / "s3_private_encrypted.yaml"
    code, _, _ = run_scan(capsys, tmp_path, str(good), "--ledger", str(empty_ledger(tmp_path)))
    assert code == 0
    assert calls == [(str(tmp_path / "reports"), ["scan.json", "scan.md", "scan.sarif"])]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["scan.json", "scan.md", "scan.sarif"]


def test_templates_and_assembly_together_exit_2(capsys, tmp_path, templates):
    good = templates / "s3_private_encrypted.yaml"
    code, out, err = run_scan(capsys, tmp_path, str(good), "--assembly", "cdk.out", "--ledger", "x.yaml")
    assert (code, out) == (2, "")
    assert err == f"stackcheck scan: error: give templates ({good}) or --assembly cdk.out, not both\n"
