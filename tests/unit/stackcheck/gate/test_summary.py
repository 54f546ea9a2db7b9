"""reports/gate.md: every stage's verdict with its first failures, the scan totals and the JUnit results, in one page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stackcheck.errors import BadInputError
from stackcheck.gate.command import exit_code
from stackcheck.gate.junit import read_junit
from stackcheck.gate.stages import FAILED, INCONCLUSIVE, NOT_RUN, PASSED, Stage
from stackcheck.gate.summary import gate_passed, gate_verdict, render_gate, write_gate
from stackcheck.report.provenance import Commit

NOW = datetime(2026, 3, 4, 5, 6, 7, 250_000, tzinfo=UTC)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="{errors}" failures="{failures}" skipped="1" tests="5" time="2.5">
<testcase classname="tests.integration.test_storage" name="test_a[source]"/>
<testcase classname="tests.integration.test_storage" name="test_b[source]">{failure}</testcase>
<testcase classname="tests.integration.test_storage" name="test_c"/>
<testcase classname="tests.integration.test_storage" name="test_d"/>
<testcase classname="tests.integration.test_dns" name="test_e"><skipped message="no output"/></testcase>
</testsuite></testsuites>"""
FAILURE = "<failure message=\"AssertionError: assert 'Suspended' == 'Enabled'&#10;more\">trace</failure>"
ALL_PASSED = [Stage(n, PASSED, 0, 1.0) for n in ("synth", "scan", "deploy", "checks", "out-of-band", "teardown")]
SCAN = {"exit_code": 0, "summary": {"totals": {"passed": 10, "failed": 0, "suppressed": 2, "unknown": 0}}}


def write_junit(path, failed: bool):
    path.write_text(JUNIT.format(errors=0, failures=int(failed), failure=FAILURE if failed else ""))
    return path


@pytest.mark.parametrize("failed", [False, True])
def test_read_junit_counts_failed_ids_and_reasons(tmp_path, failed):
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
    assert suite.reasons == (
        ("tests.integration.test_storage::test_b[source]: AssertionError: assert 'Suspended' == 'Enabled'",)
        if failed
        else ()
    )


def test_unreadable_junit_names_the_file(tmp_path):
    (tmp_path / "bad.xml").write_text("<not xml")
    with pytest.raises(BadInputError, match=r"bad.xml cannot be read"):
        read_junit(tmp_path / "bad.xml")


def test_passes_only_when_every_stage_passed():
    assert gate_passed(ALL_PASSED)
    assert not gate_passed([*ALL_PASSED[:2], Stage("deploy", FAILED, 1), Stage("checks", NOT_RUN)])
    assert not gate_passed([])


def test_gate_md_is_exact_when_deploy_stopped_the_run(tmp_path):
    stages = [
        Stage("synth", PASSED, 0, 0.4),
        Stage("scan", PASSED, 0, 0.5),
        Stage("deploy", FAILED, 1, 3.25, ("stackcheck deploy: error: stack S failed: Bucket (AWS::S3::Bucket) | x",)),
        Stage("checks", NOT_RUN),
        Stage("out-of-band", NOT_RUN),
        Stage("teardown", PASSED, 0, 0.3),
    ]
    assert render_gate(stages, SCAN, [], now=NOW, commit=Commit("1a2b3c4", True)) == (
        """\
## Gate: FAILED

Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).

| stage | result | exit | seconds |
| --- | --- | --- | --- |
| synth | PASSED | 0 | 0.4 |
| scan | PASSED | 0 | 0.5 |
| deploy | FAILED | 1 | 3.2 |
| checks | NOT RUN |  |  |
| out-of-band | NOT RUN |  |  |
| teardown | PASSED | 0 | 0.3 |

### deploy: FAILED

- stackcheck deploy: error: stack S failed: Bucket (AWS::S3::Bucket) \\| x

### Scan

| passed | failed | suppressed | unknown | exit |
| --- | --- | --- | --- | --- |
| 10 | 0 | 2 | 0 | 0 |
"""
    )


def test_gate_md_lists_check_failures_and_suites(tmp_path):
    suite = read_junit(write_junit(tmp_path / "integration.xml", True))
    stages = [*ALL_PASSED[:3], Stage("checks", FAILED, 1, 2.5, suite.reasons), *ALL_PASSED[4:]]
    text = render_gate(stages, None, [suite], now=NOW, commit=Commit("1a2b3c4", False))
    assert text.splitlines()[0] == "## Gate: FAILED"
    assert (
        "### checks: FAILED\n\n- tests.integration.test_storage::test_b[source]: AssertionError: assert "
        "'Suspended' == 'Enabled'\n" in text
    )
    assert text.rstrip().endswith("| `integration.xml` | 3 | 1 | 0 | 1 | 0 | 2.5 |")
    assert "### Scan" not in text


def test_a_failed_stage_without_reasons_says_its_exit_code():
    text = render_gate([Stage("synth", FAILED, 2, 1.0)], None, [], now=NOW, commit=Commit("1a2b3c4", False))
    assert "### synth: FAILED\n\n- exited with 2\n" in text


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
    path = write_gate(tmp_path, ALL_PASSED, None, [], now=NOW, commit=commit)
    assert path.read_text().splitlines()[:3] == ["## Gate: PASSED", "", line]


INCONCLUSIVE_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="3" tests="4" time="1.5">
<testcase classname="tests.integration.test_dns" name="test_zone"/>
<testcase classname="tests.integration.test_dns" name="test_change_insync">
<properties><property name="stackcheck_outcome" value="inconclusive"/>
<property name="stackcheck_inconclusive" value="Route 53 change C1 still not INSYNC when its wait budget ran out"/>
</properties><skipped type="inconclusive" message="INCONCLUSIVE: Route 53 change C1 still not INSYNC when its wait budget ran out">x</skipped></testcase>
<testcase classname="tests.integration.test_storage" name="test_versioned">
<skipped type="inconclusive" message="INCONCLUSIVE: s3.get_bucket_versioning still throttled">x</skipped></testcase>
<testcase classname="tests.integration.test_storage" name="test_replica"><skipped type="pytest.skip" message="no output"/></testcase>
</testsuite></testsuites>"""


def test_read_junit_counts_inconclusive_apart_from_skipped(tmp_path):
    (tmp_path / "integration.xml").write_text(INCONCLUSIVE_JUNIT)
    suite = read_junit(tmp_path / "integration.xml")
    assert (suite.tests, suite.passed, suite.failures, suite.errors, suite.skipped, suite.inconclusive) == (
        4, 1, 0, 0, 1, 2,
    )  # fmt: skip
    assert suite.failed == ()
    assert suite.unsettled == (
        "tests.integration.test_dns::test_change_insync: Route 53 change C1 still not INSYNC when its wait budget ran out",
        "tests.integration.test_storage::test_versioned: s3.get_bucket_versioning still throttled",
    )


def test_gate_md_shows_inconclusive_as_its_own_count_and_verdict(tmp_path):
    (tmp_path / "integration.xml").write_text(INCONCLUSIVE_JUNIT)
    suite = read_junit(tmp_path / "integration.xml")
    stages = [*ALL_PASSED[:3], Stage("checks", INCONCLUSIVE, 3, 1.5, suite.unsettled), *ALL_PASSED[4:]]
    assert gate_verdict(stages) == INCONCLUSIVE
    assert not gate_passed(stages)
    text = render_gate(stages, None, [suite], now=NOW, commit=Commit("1a2b3c4", False))
    assert text == (
        """\
## Gate: INCONCLUSIVE

Generated 2026-03-04T05:06:07Z from commit 1a2b3c4.

| stage | result | exit | seconds |
| --- | --- | --- | --- |
| synth | PASSED | 0 | 1.0 |
| scan | PASSED | 0 | 1.0 |
| deploy | PASSED | 0 | 1.0 |
| checks | INCONCLUSIVE | 3 | 1.5 |
| out-of-band | PASSED | 0 | 1.0 |
| teardown | PASSED | 0 | 1.0 |

### checks: INCONCLUSIVE (a retry or wait budget ran out; not passed)

- tests.integration.test_dns::test_change_insync: Route 53 change C1 still not INSYNC when its wait budget ran out
- tests.integration.test_storage::test_versioned: s3.get_bucket_versioning still throttled

### Post-deploy checks

| report | passed | failed | errors | skipped | inconclusive | seconds |
| --- | --- | --- | --- | --- | --- | --- |
| `integration.xml` | 1 | 0 | 0 | 1 | 2 | 1.5 |
"""
    )


def test_a_failure_outranks_inconclusive():
    stages = [*ALL_PASSED[:3], Stage("checks", INCONCLUSIVE, 3), Stage("out-of-band", FAILED, 1), ALL_PASSED[5]]
    assert gate_verdict(stages) == FAILED
    assert exit_code(stages) == 1
    assert exit_code([*ALL_PASSED[:3], Stage("checks", INCONCLUSIVE, 3), *ALL_PASSED[4:]]) == 3


def test_junit_with_another_root_names_the_file_and_the_roots_expected(tmp_path):
    (tmp_path / "other.xml").write_text("<report/>")
    with pytest.raises(
        BadInputError, match=r"other.xml cannot be read: its root element is neither <testsuites> nor <testsuite>"
    ):
        read_junit(tmp_path / "other.xml")
