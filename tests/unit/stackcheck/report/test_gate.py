"""reports/gate.md: scan totals and JUnit results in one page."""

from __future__ import annotations

import json

import pytest

from stackcheck.cli import main
from stackcheck.errors import BadInputError
from stackcheck.report.gate import read_junit, render_gate

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="{errors}" failures="{failures}" skipped="1" tests="5" time="2.5">
<testcase classname="tests.integration.test_storage" name="test_a[source]"/>
<testcase classname="tests.integration.test_storage" name="test_b[source]">{failure}</testcase>
<testcase classname="tests.integration.test_storage" name="test_c"/>
<testcase classname="tests.integration.test_storage" name="test_d"/>
<testcase classname="tests.integration.test_dns" name="test_e"><skipped message="no output"/></testcase>
</testsuite></testsuites>"""


def write_junit(path, failed: bool):
    path.write_text(JUNIT.format(errors=0, failures=int(failed),
                                 failure='<failure message="boom"/>' if failed else ""))
    return path


@pytest.mark.parametrize("failed", [False, True])
def test_read_junit_counts_and_failed_ids(tmp_path, failed):
    suite = read_junit(write_junit(tmp_path / "i.xml", failed))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped, suite.passed, suite.seconds) == (
        5, int(failed), 0, 1, 4 - int(failed), 2.5)
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
