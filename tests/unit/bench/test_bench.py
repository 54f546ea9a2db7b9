"""The benchmark's own logic: alternating order, median of pair ratios, measuring a process, the scaled ledger, verdicts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bench.gate import gate_stages
from bench.measure import alternate, median_ratio, run, tree_rss_mb
from bench.report import summary_markdown
from bench.run import verdicts
from bench.workspace import Workspace, scaled_ledger
from stackcheck.suppressions import load_ledger

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "labels, index, order",
    [
        (["naive", "ours"], 0, ["naive", "ours"]),
        (["naive", "ours"], 1, ["ours", "naive"]),
        (["naive", "ours"], 2, ["naive", "ours"]),
        ([1, 3, 10], 1, [3, 10, 1]),
        ([1, 3, 10], 2, [10, 1, 3]),
    ],
)
def test_alternate_rotates_who_goes_first(labels, index, order):
    assert alternate(labels, index) == order


def test_median_ratio_is_the_median_of_per_pair_ratios_not_a_ratio_of_medians():
    assert median_ratio([1.0, 4.0, 9.0], [2.0, 2.0, 3.0]) == 2.0
    assert median_ratio([1.0, 3.0], [2.0, 2.0]) == 1.0


@pytest.mark.parametrize(
    "numerators, denominators, message",
    [
        ([1.0], [1.0, 2.0], "need pairs"),
        ([], [], "need pairs"),
        ([1.0], [0.0], "zero or negative"),
    ],
)
def test_median_ratio_rejects_what_is_not_pairs(numerators, denominators, message):
    with pytest.raises(ValueError, match=message):
        median_ratio(numerators, denominators)


def test_run_measures_a_process_tree(tmp_path):
    code = (
        "import subprocess, sys; b = bytearray(50_000_000); subprocess.run([sys.executable, '-c', 'pass']); sys.exit(3)"
    )
    measured = run("child", [sys.executable, "-c", code], cwd=tmp_path, log=tmp_path / "log")
    assert measured.returncode == 3
    assert measured.seconds > 0
    assert measured.peak_rss_mb >= 50
    assert measured.to_dict()["label"] == "child"
    assert tree_rss_mb(os.getpid()) > 0


def test_scaled_ledger_repeats_environment_entries_for_each_added_set(tmp_path):
    text = (REPO / "policies" / "suppressions.yaml").read_text()
    one = load_ledger(REPO / "policies" / "suppressions.yaml")
    scaled = tmp_path / "ledger.yaml"
    scaled.write_text(scaled_ledger(text, 3))
    three = load_ledger(scaled)
    per_set = [
        e for e in one.entries if e.target.startswith(("TapStackdevSource", "TapStackdevTarget", "TapStackdevRoute53"))
    ]
    assert len(three.entries) == len(one.entries) + 2 * len(per_set)
    added = {(e.rule, e.target) for e in three.entries} - {(e.rule, e.target) for e in one.entries}
    assert added == {(e.rule, e.target.replace("TapStackdev", f"TapStackdev{k}", 1)) for e in per_set for k in (2, 3)}
    assert scaled_ledger(text, 1) == text


def test_workspace_runs_make_with_its_own_stamp_never_the_shared_venvs(tmp_path):
    ws = Workspace(REPO, tmp_path / "app")
    argv = ws.make("scan")
    assert argv[:5] == ["make", "--no-print-directory", "-C", str(tmp_path / "app"), "scan"]
    assert f"STAMP={tmp_path / 'app' / '.bench-installed'}" in argv
    assert not any(arg.startswith("STAMP=") and str(REPO) in arg for arg in argv)


def test_verdicts_compare_each_figure_with_its_target():
    results = {
        "scan_vs_naive_cold": 0.72,
        "scan_vs_naive_warm": 0.05,
        "scaling_time_ratio_10x": 5.1,
        "scaling": {"resource_ratio": 9.88},
    }
    assert verdicts(results) == {
        "scan_vs_naive_cold": {"value": 0.72, "target": "<= 0.3", "met": False},
        "scan_vs_naive_warm": {"value": 0.05, "target": "<= 0.15", "met": True},
        "scaling_time_ratio_10x": {"value": 5.1, "target": "<= 9.88", "met": True},
        "xdist_ratio": {"value": None, "target": "<= 0.65", "met": None},
        "fleet_6_vs_1": {"value": None, "target": "<= 3.5", "met": None},
        "gate_warm_vs_naive_cold": {"value": None, "target": "<= 0.6", "met": None},
        "compliance_per_resource_10x": {"value": None, "target": "<= 1.2", "met": None},
        "xdist_ratio_latency": {"value": None, "target": "<= 0.6", "met": None},
        "prowler_time_ratio": {"value": None, "target": "<= 0.1", "met": None},
    }
    headline = {k: v for k, v in results.items() if k != "scaling"}
    summary = summary_markdown({**headline, "targets": verdicts(results)}, None)
    assert "| `scan_vs_naive_cold` | 0.720 | <= 0.3 | **not met** |" in summary.splitlines()
    assert "| `xdist_ratio` | not measured | <= 0.65 | – |" in summary.splitlines()


def test_summary_shows_what_bounds_the_xdist_ratio():
    xdist = {
        "suite": "the suite",
        "median_seconds": {"serial": 2.0, "n2": 2.9},
        "floor": {
            "repeated_suite": {"repeats": 8, "median_seconds": {"serial": 7.0, "n2": 6.16}, "ratio": 0.88},
            "empty_suite": {"tests": 54, "median_seconds": {"serial": 0.52, "n2": 1.5}, "fixed_cost_seconds": 0.98},
            "api_calls": {"calls": 240, "median_seconds": {"one": 3.37, "two": 2.48}, "ratio": 0.8},
        },
    }
    lines = summary_markdown({"xdist": xdist, "targets": {}}, None).splitlines()
    start = lines.index("What bounds it on this machine:")
    assert lines[start:] == [
        "What bounds it on this machine:",
        "",
        "- A longer suite: the same checks 8 times over in one session take 7.00s serially and 6.16s under `-n 2`: "
        "ratio 0.88.",
        "- `-n 2` by itself: 54 tests that do nothing take 0.52s serially and 1.50s under `-n 2` "
        "(0.98s of worker start-up, median of pairs).",
        "- Two clients against one emulator: the same 240 read calls take 3.37s from one process and 2.48s "
        "split over two at once: ratio 0.80.",
        "",
        "A longer suite does not get there: 8 times the checks give a ratio of 0.88. Most of the suite's time is "
        "calls to the emulator, one moto server process, which answers two clients together only 1.25x as fast as "
        "one on this machine; 0.98s of worker start-up comes on top. Against real AWS the calls wait on the "
        "network, which two workers overlap; no AWS account is reachable here. Ratios are medians of per-pair "
        "ratios, seconds medians of each side, so the two need not divide exactly.",
    ]


def test_gate_stages_reads_the_stage_table_of_gate_md(tmp_path):
    (tmp_path / "gate.md").write_text(
        "## Gate: PASSED\n\n| stage | result | exit | seconds |\n|---|---|---|---|\n"
        "| synth | PASSED | 0 | 0.1 |\n| deploy | PASSED | 0 | 4.5 |\n| out-of-band | NOT RUN |  |  |\n"
        "\n| passed | failed | suppressed | unknown | exit |\n|---|---|---|---|---|\n| 390 | 0 | 22 | 0 | 0 |\n"
    )
    assert gate_stages(tmp_path / "gate.md") == {
        "synth": {"status": "PASSED", "seconds": 0.1},
        "deploy": {"status": "PASSED", "seconds": 4.5},
        "out-of-band": {"status": "NOT RUN", "seconds": None},
    }
    assert gate_stages(tmp_path / "missing.md") == {}


def test_summary_shows_the_gate_and_compliance_at_scale():
    gate = {
        "naive_chain": ["npx cdk synth", "cfn-lint", "checkov"],
        "ours": "make gate",
        "warm_means": "infra unchanged",
        "gate_warm_vs_naive_cold": 0.5,
        "median_seconds": {"naive": 20.0, "gate": 10.0, "gate.deploy": 4.0, "gate.checks": 1.5},
        "rounds": [{}, {}],
    }
    scale = {
        "environments": [1, 10],
        "measures": "both commands",
        "resources": {"1": 161, "10": 1592},
        "resource_ratio": 9.8882,
        "figures": {
            "compliance": {
                "median_seconds": {"1": 4.0, "10": 12.0},
                "median_ms_per_resource": {"1": 24.846, "10": 7.538},
                "per_resource_ratio": 0.3034,
            }
        },
    }
    lines = summary_markdown({"gate": gate, "compliance_scale": scale, "targets": {}}, None).splitlines()
    assert (
        "Naive chain cold (npx cdk synth → cfn-lint → checkov): median 20.00s. make gate, warm (infra unchanged): "
        "median 10.00s (deploy 4.00s, checks 1.50s); ratio 0.500 (median of 2 pairs)."
    ) in lines
    assert "| `stackcheck compliance` | 4.00 | 12.00 | 24.85 | 7.54 | 0.303 |" in lines


def test_unit_section_lists_the_slowest_tests_from_a_junit_file(tmp_path):
    from bench.summaries import unit_lines
    from bench.unit_slowest import bench_unit

    junit = tmp_path / "unit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest" tests="4" time="9">'
        '<testcase classname="tests.a" name="test_fast" time="0.010"/>'
        '<testcase classname="tests.a" name="test_slow" time="3.500"/>'
        '<testcase classname="tests.b" name="test_mid" time="1.250"/>'
        '<testcase classname="tests.b" name="test_tie" time="1.250"/>'
        "</testsuite></testsuites>"
    )
    unit = bench_unit(REPO, tmp_path, junit, count=3)
    assert unit == {
        "read": str(junit),
        "tests": 4,
        "seconds_summed": 6.01,
        "slowest": [
            {"id": "tests.a::test_slow", "seconds": 3.5},
            {"id": "tests.b::test_mid", "seconds": 1.25},
            {"id": "tests.b::test_tie", "seconds": 1.25},
        ],
    }
    lines = unit_lines(unit, lambda _: "")
    assert lines[-5:] == [
        "| --- | ---: |",
        "| `tests.a::test_slow` | 3.50 |",
        "| `tests.b::test_mid` | 1.25 |",
        "| `tests.b::test_tie` | 1.25 |",
        "",
    ]
