"""`stackcheck scan --shard K/N` and several assemblies in one scan: each unit in exactly one shard, merged back whole."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from stackcheck.cli import main
from stackcheck.errors import BadInputError
from stackcheck.report.merge import MERGED_JSON, MERGED_SARIF
from stackcheck.scan.base import StackContext
from stackcheck.scan.shard import Shard, parse_shard, shard_units

FAR = "2099-12-31"


@pytest.mark.parametrize(("spec", "shard"), [("1/1", Shard(1, 1)), ("2/3", Shard(2, 3)), (" 3 / 3 ", Shard(3, 3))])
def test_parse_shard_reads_k_of_n(spec, shard):
    assert parse_shard(spec) == shard


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "0/0", "a/b", "3", "1/2/3", "-1/2", ""])
def test_scan_with_a_bad_shard_exits_2_naming_it(spec, capsys, tmp_path):
    with pytest.raises(BadInputError):
        parse_shard(spec)
    code = main(["scan", f"--shard={spec}", "--report-dir", str(tmp_path / "r"), "--assembly", str(tmp_path / "none")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("stackcheck scan: error: --shard ")
    assert "K/N" in err or "between 1 and N" in err
    assert not (tmp_path / "r").exists()


def units_of(tools: list[str], stacks: list[str]) -> list[tuple[str, StackContext]]:
    return [(tool, StackContext(stack, Path(f"cdk.out/{stack}.template.json"))) for stack in stacks for tool in tools]


def test_every_unit_lands_in_exactly_one_shard_and_each_tool_is_spread_evenly():
    units = units_of(["cfn-lint", "checkov", "cdk-nag"], ["B", "A", "C", "D"])
    tool_of = {i: tool for i, (tool, _) in enumerate(units)}
    shards = {k: shard_units(units, Shard(k, 3), tool_of) for k in (1, 2, 3)}
    # ranked by (tool, path, stack): cdk-nag A..D, cfn-lint A..D, checkov A..D, dealt out round-robin
    named = {k: sorted((units[i][0], units[i][1].stack) for i in picked) for k, picked in shards.items()}
    assert named == {
        1: [("cdk-nag", "A"), ("cdk-nag", "D"), ("cfn-lint", "C"), ("checkov", "B")],
        2: [("cdk-nag", "B"), ("cfn-lint", "A"), ("cfn-lint", "D"), ("checkov", "C")],
        3: [("cdk-nag", "C"), ("cfn-lint", "B"), ("checkov", "A"), ("checkov", "D")],
    }
    assert sorted(i for picked in shards.values() for i in picked) == list(range(len(units)))
    # each shard keeps the scan's own order, and the split does not depend on the order units come in
    assert all(picked == sorted(picked) for picked in shards.values())
    reversed_units = units[::-1]
    again = shard_units(reversed_units, Shard(2, 3), {i: t for i, (t, _) in enumerate(reversed_units)})
    assert sorted((reversed_units[i][0], reversed_units[i][1].stack) for i in again) == named[2]
    assert shard_units(units, Shard(1, 1), tool_of) == shard_units(units, None, tool_of) == list(range(len(units)))


def test_more_shards_than_units_leaves_the_extra_shards_empty():
    units = units_of(["cfn-lint"], ["A", "B"])
    tool_of = dict.fromkeys(range(2), "cfn-lint")
    assert [shard_units(units, Shard(k, 4), tool_of) for k in (1, 2, 3, 4)] == [[0], [1], [], []]


def second_assembly(root: Path, templates: Path) -> Path:
    """A cloud assembly of one stack, ``Other``, whose template is the public unencrypted bucket."""
    import yaml

    root.mkdir(parents=True)
    template = yaml.safe_load((templates / "s3_public_unencrypted.yaml").read_text())
    (root / "Other.template.json").write_text(json.dumps(template, indent=1))
    manifest = {
        "version": "41.0.0",
        "artifacts": {
            "Other": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": "Other.template.json"},
                "metadata": {
                    f"/Other/{lid}": [{"type": "aws:cdk:logicalId", "data": lid}] for lid in template["Resources"]
                },
            }
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


LEDGER = textwrap.dedent(
    f"""\
    - rule: E3012
      target: TapStackTestSource/NoSuchResource
      reason: an entry only the shard running cfn-lint on TapStackTestSource can judge
      owner: platform-team
      expires: {FAR}
    - rule: CKV_AWS_18
      target: NoSuchResource
      reason: a bare logical ID, matching in every stack checkov scans
      owner: platform-team
      expires: {FAR}
    """
)


@pytest.fixture(scope="module")
def shard_scans(tmp_path_factory):
    """Two assemblies (three stacks) scanned whole and in three shards, each into its own report folder."""
    from tests.unit.stackcheck.scan.conftest import TEMPLATES

    root = tmp_path_factory.mktemp("shards")
    first = root / "app-one"
    shutil.copytree(TEMPLATES / "assembly", first)
    other = second_assembly(root / "app-two", TEMPLATES)
    (root / "ledger.yaml").write_text(LEDGER)
    common = ["scan", "--assembly", str(first), "--assembly", str(other), "--no-policies", "--no-cache"]
    common += ["--ledger", str(root / "ledger.yaml")]
    codes = {"whole": main([*common, "--report-dir", str(root / "whole")])}
    for k in (1, 2, 3):
        codes[f"shard-{k}"] = main([*common, "--shard", f"{k}/3", "--report-dir", str(root / f"shard-{k}")])
    return root, codes


def scan_json(folder: Path) -> dict:
    return json.loads((folder / "scan.json").read_text())


def canonical(findings) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in findings)


@pytest.mark.slow
def test_three_shards_findings_together_are_the_whole_scans_each_once(shard_scans):
    root, codes = shard_scans
    whole = scan_json(root / "whole")
    shards = [scan_json(root / f"shard-{k}") for k in (1, 2, 3)]
    assert [a["directory"] for a in whole["assemblies"]] == [str(root / "app-one"), str(root / "app-two")]
    assert {(u["stack"], u["tool"]) for u in whole["templates"]} == {
        (stack, tool)
        for stack in ("TapStackTestSource", "TapStackTestTarget", "Other")
        for tool in ("cfn-lint", "checkov", "cdk-nag")
    }
    units = [{(u["stack"], u["tool"]) for u in s["templates"]} for s in shards]
    assert [len(u) for u in units] == [3, 3, 3]
    assert set().union(*units) == {(u["stack"], u["tool"]) for u in whole["templates"]}
    assert [s["shard"] for s in shards] == [{"index": k, "count": 3, "units": 3, "of": 9} for k in (1, 2, 3)]
    merged = [f for s in shards for f in s["findings"]]
    assert len(whole["findings"]) > 20
    assert canonical(merged) == canonical(whole["findings"])
    assert len({(f["fingerprint"], f["status"]) for f in merged}) == len(merged)
    assert codes["whole"] == 1
    assert max(codes[f"shard-{k}"] for k in (1, 2, 3)) == 1


@pytest.mark.slow
def test_a_shard_reports_stale_only_the_ledger_entries_all_of_whose_units_it_ran(shard_scans):
    root, _ = shard_scans
    whole = scan_json(root / "whole")
    assert [(w["kind"], w["entry"]) for w in whole["ledger"]["warnings"]] == [("stale", 1), ("stale", 2)]
    assert "stale_not_judged" not in whole["ledger"]
    shards = [scan_json(root / f"shard-{k}") for k in (1, 2, 3)]
    stale = [[w["entry"] for w in s["ledger"]["warnings"]] for s in shards]
    unjudged = [s["ledger"]["stale_not_judged"] for s in shards]
    # entry 1 can only match cfn-lint on one stack: the one shard that ran that unit judges it
    assert sorted(stale) == [[], [], [1]]
    # entry 2 can match checkov on every stack, whose units are spread over all three shards
    assert [sorted(u + s) for u, s in zip(unjudged, stale, strict=True)] == [[1, 2], [1, 2], [1, 2]]


@pytest.mark.slow
def test_report_merge_of_the_shards_holds_every_sarif_result_of_the_whole_scan_once(shard_scans, tmp_path):
    root, _ = shard_scans
    code = main(["report", "merge", *(str(root / f"shard-{k}") for k in (1, 2, 3)), "--output", str(tmp_path / "m")])
    assert code == 1

    def key(result):
        # ruleIndex points into its own run's rules, which differ from shard to shard; ruleId is kept
        props = {k: v for k, v in result.get("properties", {}).items() if k not in ("target", "account", "region")}
        rest = {k: v for k, v in result.items() if k != "ruleIndex"}
        return json.dumps({**rest, "properties": props}, sort_keys=True)

    whole = [key(r) for run in json.loads((root / "whole" / "scan.sarif").read_text())["runs"] for r in run["results"]]
    merged_sarif = json.loads((tmp_path / "m" / MERGED_SARIF).read_text())
    merged = [key(r) for run in merged_sarif["runs"] for r in run["results"]]
    assert len(whole) > 10
    assert sorted(merged) == sorted(whole)
    assert len(set(merged)) == len(merged)
    merged_json = json.loads((tmp_path / "m" / MERGED_JSON).read_text())
    assert canonical(
        {k: v for k, v in f.items() if k not in ("target", "account", "region", "report")}
        for f in merged_json["findings"]
    ) == canonical(scan_json(root / "whole")["findings"])


def test_two_assemblies_holding_the_same_stack_id_exit_2(tmp_path, capsys):
    from tests.unit.stackcheck.scan.conftest import TEMPLATES

    shutil.copytree(TEMPLATES / "assembly", tmp_path / "a")
    shutil.copytree(TEMPLATES / "assembly", tmp_path / "b")
    code = main(["scan", "--assembly", str(tmp_path / "a"), "--assembly", str(tmp_path / "b"), "--no-policies"])
    _, err = capsys.readouterr()
    assert code == 2
    assert (
        f"stack TapStackTestSource is in two of the scanned assemblies ({tmp_path / 'a'} and {tmp_path / 'b'})" in err
    )
