"""`stackcheck report merge`: many targets' report folders as one SARIF, JSON and Markdown, nothing dropped."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from stackcheck.cli import main
from stackcheck.report.merge import MERGED_JSON, MERGED_MARKDOWN, MERGED_SARIF, Part, merge_reports, parse_part

ROOT = Path(__file__).resolve().parents[4]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
TEMPLATES = ROOT / "tests" / "data" / "templates"


@pytest.fixture(scope="module")
def two_scans(tmp_path_factory):
    """Real scans (cfn-lint and checkov) of two different templates, each into its own report folder."""
    root = tmp_path_factory.mktemp("scans")
    (root / "ledger.yaml").write_text("[]\n")
    codes = {}
    for name, template in (
        ("prod-eu", "s3_public_unencrypted.yaml"),
        ("dev-us", "versioning_suspended_rotation_off.yaml"),
    ):
        codes[name] = main(
            [
                "scan",
                "--template",
                str(TEMPLATES / template),
                "--no-policies",
                "--ledger",
                str(root / "ledger.yaml"),
                "--report-dir",
                str(root / name),
                "--cache-dir",
                str(root / "cache"),
            ]
        )
    return root, codes


def results(sarif_path):
    return [r for run in json.loads(sarif_path.read_text())["runs"] for r in run.get("results") or []]


@pytest.mark.slow
def test_merge_of_two_scans_holds_every_result_of_both_once(two_scans, tmp_path, capsys):
    root, codes = two_scans
    assert codes == {"prod-eu": 1, "dev-us": 1}
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(
        "- name: prod-eu\n  account: '111111111111'\n  region: eu-west-1\n"
        "  role_arn: arn:aws:iam::111111111111:role/r\n"
    )
    code = main(
        [
            "report",
            "merge",
            str(root / "prod-eu"),
            str(root / "dev-us"),
            "--output",
            str(tmp_path / "m"),
            "--fleet",
            str(fleet),
        ]
    )
    assert code == 1  # the worst part's
    sarif = json.loads((tmp_path / "m" / MERGED_SARIF).read_text())
    jsonschema.validate(sarif, SCHEMA)
    parts = {name: results(root / name / "scan.sarif") for name in ("prod-eu", "dev-us")}
    merged = results(tmp_path / "m" / MERGED_SARIF)
    assert len(merged) == len(parts["prod-eu"]) + len(parts["dev-us"]) > 0
    # each result once, under its own target, with account and region where the fleet knows them
    for name, where in (("prod-eu", ("111111111111", "eu-west-1")), ("dev-us", (None, None))):
        mine = [r for r in merged if r["properties"]["target"] == name]
        assert [{k: v for k, v in r.items() if k != "properties"} for r in mine] == [
            {k: v for k, v in r.items() if k != "properties"} for r in parts[name]
        ]
        assert mine
        assert {(r["properties"]["account"], r["properties"]["region"]) for r in mine} == {where}
    assert {run["automationDetails"]["id"] for run in sarif["runs"]} == {"scan/prod-eu/", "scan/dev-us/"}
    report = json.loads((tmp_path / "m" / MERGED_JSON).read_text())
    scanned = {name: json.loads((root / name / "scan.json").read_text())["findings"] for name in parts}
    assert len(report["findings"]) == len(scanned["prod-eu"]) + len(scanned["dev-us"])
    assert [(p["target"], p["report"], p["status"], p["exit_code"]) for p in report["parts"]] == [
        ("prod-eu", "scan", "RAN", 1),
        ("dev-us", "scan", "RAN", 1),
    ]
    markdown = (tmp_path / "m" / MERGED_MARKDOWN).read_text()
    assert markdown.startswith("# Merged reports: FAILED (exit 1)\n")
    assert "| prod-eu | 111111111111 | eu-west-1 | scan | RAN | 1 |" in markdown


def test_a_missing_or_unreadable_part_is_not_run_never_dropped(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "drift.json").write_text(json.dumps({"schema": "stackcheck.drift/1", "exit_code": 0, "verdict": "IN_SYNC"}))
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "scan.json").write_text("{")
    empty = tmp_path / "empty"
    empty.mkdir()
    merged = merge_reports(
        [
            Part("good", good, "111111111111", "eu-west-1"),
            Part("corrupt", corrupt),
            Part("gone", tmp_path / "gone"),
            Part("empty", empty),
        ]
    )
    rows = [(p["target"], p["report"], p["status"], p["exit_code"]) for p in merged.parts]
    assert rows == [
        ("good", "drift", "RAN", 0),
        ("corrupt", "scan", "NOT RUN", 3),
        ("gone", "*", "NOT RUN", 3),
        ("empty", "*", "NOT RUN", 3),
    ]
    reasons = {p["target"]: p["reason"] for p in merged.parts}
    assert reasons["corrupt"].startswith(f"{corrupt / 'scan.json'} cannot be read (JSONDecodeError")
    assert reasons["gone"] == f"report folder {tmp_path / 'gone'} does not exist"
    assert reasons["empty"] == f"no report in {empty} (scan.json, drift.json, compliance.json)"
    assert merged.exit_code == 3
    assert merged.parts[0]["summary"] == "IN_SYNC"


def test_parts_are_named_after_their_folder_or_given_names(tmp_path):
    assert parse_part(str(tmp_path / "prod-eu")) == Part("prod-eu", tmp_path / "prod-eu")
    assert parse_part(f"eu={tmp_path / 'x'}") == Part("eu", tmp_path / "x")


def test_two_parts_with_one_name_are_refused(tmp_path, capsys):
    code = main(["report", "merge", f"a={tmp_path}/x", f"a={tmp_path}/y", "--output", str(tmp_path / "m")])
    assert code == 2
    assert "name the same target twice: a" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
