"""reports/gate.md: scan totals and JUnit results in one page."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from stackcheck.cli import main
from stackcheck.errors import BadInputError
from stackcheck.report import gate
from stackcheck.report.gate import read_junit, render_gate, write_gate
from stackcheck.report.provenance import Commit

NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=timezone.utc)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="{errors}" failures="{failures}" skipped="1" tests="5" time="2.5">
<testcase classname="tests.integration.test_storage" name="test_a[source]"/>
<testcase classname="tests.integration.test_storage" name="test_b[source]">{failure}</testcase>
<testcase classname="tests.integration.test_storage" name="test_c"/>
<testcase classname="tests.integration.test_storage" name="test_d"/>
<testcase classname="tests.integration.test_dns" name="test_e"><skipped message="no output"/></testcase>
</testsuite></testsuites>"""


def write_junit(path, failed: bool):
    path.write_text(JUNIT.format(errors=0, failures=int(failed), failure='<failure message="boom"/>' if failed else ""))
    return path


@pytest.mark.parametrize("failed", [False, True])
def test_read_junit_counts_and_failed_ids(tmp_path, failed):
    suite = read_junit(write_junit(tmp_path / "i.xml", failed))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped, suite.passed, suite.seconds) == (
        5,
        int(failed),
        0,
        1,
        4 - int(failed),
        2.5,
    )
    assert suite.failed == (("tests.integration.test_storage::test_b[source]",) if failed else ())


def test_unreadable_junit_names_the_file(tmp_path):
    (tmp_path / "bad.xml").write_text("<not xml")
    with pytest.raises(BadInputError, match="bad.xml cannot be read"):
        read_junit(tmp_path / "bad.xml")


def test_render_gate_passes_only_when_scan_and_checks_pass(tmp_path):
    scan = {"exit_code": 0, "summary": {"totals": {"passed": 10, "failed": 0, "suppressed": 2, "unknown": 0}}}
    ok = render_gate(scan, [read_junit(write_junit(tmp_path / "ok.xml", False))])
    assert ok.splitlines()[0] == "## Gate: PASSED"
    assert "| 10 | 0 | 2 | 0 | 0 |" in ok
    assert "| `ok.xml` | 4 | 0 | 0 | 1 | 2.5 |" in ok
    bad = render_gate(scan, [read_junit(write_junit(tmp_path / "bad.xml", True))])
    assert bad.splitlines()[0] == "## Gate: FAILED"
    assert bad.rstrip().endswith("- `tests.integration.test_storage::test_b[source]`")
    assert render_gate({**scan, "exit_code": 1}, []).splitlines()[0] == "## Gate: FAILED"


def test_cli_writes_gate_md_and_exits_by_verdict(tmp_path, capsys):
    (tmp_path / "scan.json").write_text(json.dumps({"exit_code": 0, "summary": {"totals": {}}}))
    junit = write_junit(tmp_path / "i.xml", False)
    assert main(["report", "gate", str(junit), "--report-dir", str(tmp_path)]) == 0
    assert (tmp_path / "gate.md").read_text() == capsys.readouterr().out
    write_junit(junit, True)
    assert main(["report", "gate", str(junit), "--report-dir", str(tmp_path)]) == 1


def test_gate_md_is_exact_with_time_and_commit(tmp_path):
    scan = {"exit_code": 0, "summary": {"totals": {"passed": 10, "failed": 0, "suppressed": 2, "unknown": 0}}}
    suite = read_junit(write_junit(tmp_path / "integration.xml", True))
    assert (
        render_gate(scan, [suite], now=NOW, commit=Commit("1a2b3c4", True))
        == """\
## Gate: FAILED

Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).

### Scan

| passed | failed | suppressed | unknown | exit |
|---|---|---|---|---|
| 10 | 0 | 2 | 0 | 0 |

### Post-deploy checks

| report | passed | failed | errors | skipped | seconds |
|---|---|---|---|---|---|
| `integration.xml` | 3 | 1 | 0 | 1 | 2.5 |

Failed:
- `tests.integration.test_storage::test_b[source]`
"""
    )


@pytest.mark.parametrize(
    "commit, line",
    [
        (Commit("1a2b3c4", False), "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4."),
        (
            Commit(None, None, "git is not installed"),
            "Generated 2026-03-04T05:06:07Z from commit unknown (git is not installed).",
        ),
    ],
)
def test_write_gate_passes_time_and_commit_through(tmp_path, commit, line):
    path = write_gate(tmp_path, [], now=NOW, commit=commit)
    assert path.read_text().splitlines()[:3] == ["## Gate: PASSED", "", line]


def test_cli_stamps_the_clock_and_the_working_directory_checkout(outside_git, monkeypatch, capsys):
    tmp_path = outside_git
    monkeypatch.setattr(gate, "utc_now", lambda: NOW)
    assert main(["report", "gate", str(write_junit(tmp_path / "i.xml", False)), "--report-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "## Gate: PASSED",
        "",
        "Generated 2026-03-04T05:06:07Z from commit unknown (not a git checkout).",
    ]
