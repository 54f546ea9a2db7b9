"""How a check ended beyond pass/fail: INCONCLUSIVE when its retry or wait budget ran out, "passed after N retries", and the retry summary.

INCONCLUSIVE is its own outcome everywhere pytest reports one:

- console: status letter ``I`` / word ``INCONCLUSIVE``, an ``inconclusive`` count in the final
  line, and a ``stackcheck inconclusive`` terminal section saying what each check saw;
- JUnit XML: ``<skipped type="inconclusive" message="INCONCLUSIVE: ...">`` (consumers that know
  only pass/fail/skip count it as skipped, never as passed) and the testcase properties
  ``stackcheck_outcome=inconclusive`` and ``stackcheck_inconclusive=<what it saw>``;
- exit status: INCONCLUSIVE does not count as passed. A session with a failed check exits 1 as
  usual; one whose only non-passing checks are INCONCLUSIVE exits INCONCLUSIVE_EXIT (3, "could not
  conclude", as drift's UNKNOWN does).

A passed check that needed retries gets the properties ``stackcheck_retries=N`` and
``stackcheck_outcome=passed after N retries``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Generator, Mapping
from typing import Any

import pytest

from stackcheck.errors import InconclusiveError

__all__ = [
    "INCONCLUSIVE",
    "INCONCLUSIVE_EXIT",
    "CheckOutcomes",
    "RetrySummary",
    "annotate_report",
    "inconclusive_reason",
]

INCONCLUSIVE = "inconclusive"
"""The outcome category (``pytest_report_teststatus``) and the ``stackcheck_outcome`` property value."""

INCONCLUSIVE_EXIT = InconclusiveError.exit_code
"""The session's exit status when checks ended INCONCLUSIVE and none failed: 3."""

_THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)


def inconclusive_reason(exc: BaseException | None) -> str | None:
    """What a check saw when its budget ran out, or None when ``exc`` is an answer (a failure).

    INCONCLUSIVE: an InconclusiveError (stackcheck's retry and wait budgets); a botocore
    ClientError with a throttling code (a raw client's own retries ran out); a botocore
    WaiterError that ended on "Max attempts exceeded" or a throttled poll (a raw waiter).
    """
    if exc is None:
        return None
    if isinstance(exc, InconclusiveError):
        return str(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error") or {}
        if error.get("Code") in _THROTTLING:
            return (
                f"{getattr(exc, 'operation_name', '?')} still throttled when botocore's retries ran out; "
                f"last answer {error.get('Code')}: {error.get('Message', '')}".rstrip(": ")
            )
    last = getattr(exc, "last_response", None)
    reason = str((getattr(exc, "kwargs", None) or {}).get("reason", ""))
    if isinstance(last, Mapping) and hasattr(exc, "kwargs"):
        code = (last.get("Error") or {}).get("Code")
        if reason.startswith("Max attempts exceeded") or code in _THROTTLING:
            return f"{exc}".strip()
    return None


def retries_text(count: int) -> str:
    """``"1 retry"``, ``"2 retries"``."""
    return "1 retry" if count == 1 else f"{count} retries"


def annotate_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, retries: int) -> None:
    """Turn ``report`` INCONCLUSIVE when its error is (see ``inconclusive_reason``), or add the
    "passed after N retries" properties to a passed call (``retries``: this test's so far).

    Properties go to ``item.user_properties`` too, so the teardown report, the one pytest's JUnit
    writer reads them from, carries them.
    """
    saw = inconclusive_reason(call.excinfo.value if call.excinfo else None)
    properties: list[tuple[str, object]] = []
    if saw is not None and report.failed:
        text = f"INCONCLUSIVE: {saw}"
        report.outcome = "skipped"
        report.longrepr = (str(report.location[0]), (report.location[1] or 0) + 1, text)
        # A plain attribute survives pytest-xdist's report serialization to the controller.
        report.stackcheck_inconclusive = saw  # type: ignore[attr-defined]
        properties = [("stackcheck_outcome", INCONCLUSIVE), ("stackcheck_inconclusive", saw)]
        if retries:
            properties.append(("stackcheck_retries", str(retries)))
    elif call.when == "call" and report.passed and retries:
        properties = [
            ("stackcheck_retries", str(retries)),
            ("stackcheck_outcome", f"passed after {retries_text(retries)}"),
        ]
    item.user_properties.extend(properties)
    report.user_properties.extend(properties)


def _mark_junit_skipped(config: pytest.Config, report: pytest.TestReport) -> None:
    """Give the ``<skipped>`` element pytest's JUnit writer just made for ``report`` the type "inconclusive"."""
    try:
        from _pytest.junitxml import xml_key  # pytest's own LogXML; no public handle on its elements
    except ImportError:  # pragma: no cover - the properties still say it
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for node in xml.node_reporter(report).nodes:
        if node.tag == "skipped":
            node.set("type", INCONCLUSIVE)


class CheckOutcomes:
    """pytest plugin: the INCONCLUSIVE outcome's status, JUnit type, terminal section and exit status."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.inconclusive: dict[str, str] = {}
        self.failed = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        if getattr(report, "stackcheck_inconclusive", None) is not None:
            return INCONCLUSIVE, "I", ("INCONCLUSIVE", {"yellow": True})
        return None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        yield
        # Under pytest-xdist this runs on the controller, which writes the JUnit XML.
        saw = getattr(report, "stackcheck_inconclusive", None)
        if saw is not None:
            self.inconclusive.setdefault(report.nodeid, saw)
            if report.when != "teardown":
                _mark_junit_skipped(self.config, report)
        self.failed = self.failed or report.failed

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.inconclusive:
            return
        terminalreporter.write_sep("=", "stackcheck inconclusive", yellow=True)
        for node, saw in sorted(self.inconclusive.items()):
            terminalreporter.write_line(f"{node}: {saw}")
        count = len(self.inconclusive)
        checks = "1 check" if count == 1 else f"{count} checks"
        terminalreporter.write_line(
            f"{checks} INCONCLUSIVE (budget ran out before AWS gave an answer; not passed)"
            + ("" if self.failed else f"; exit {INCONCLUSIVE_EXIT}")
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.inconclusive and session.exitstatus == 0 and not hasattr(session.config, "workerinput"):
            session.exitstatus = INCONCLUSIVE_EXIT


def record_line(record: Mapping[str, Any]) -> str:
    """One retry in a test's ``stackcheck retries`` report section."""
    return (
        f"{record['operation']}: {record['error_code']} on attempt {record['attempt']}, "
        f"slept {record['sleep']:.2f} s ({record['layer']})"
    )


class RetrySummary:
    """Collects retries from test reports (local or from pytest-xdist workers) and prints them
    per test, with how the test ended ("passed after 2 retries"), in a ``stackcheck retries``
    terminal summary section."""

    def __init__(self) -> None:
        self.by_test: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ended: dict[str, str] = {}
        self.aws_used = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.by_test[report.nodeid].extend(getattr(report, "stackcheck_retries", None) or [])
        self.aws_used = self.aws_used or bool(getattr(report, "stackcheck_aws", False))
        if getattr(report, "stackcheck_inconclusive", None) is not None:
            self.ended[report.nodeid] = "INCONCLUSIVE"
        elif report.failed:
            self.ended[report.nodeid] = "failed"
        elif report.skipped:
            self.ended.setdefault(report.nodeid, "skipped")
        elif report.when == "call":
            self.ended.setdefault(report.nodeid, "passed")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        retry = sys.modules.get("stackcheck.aws.retry")
        if retry is not None:
            outside = [r.as_dict() for r in retry.RETRY_LOG.drain("")]
            if outside:
                self.by_test["(outside any test)"].extend(outside)
        tests = {node: records for node, records in self.by_test.items() if records}
        if not tests and not self.aws_used:
            return
        terminalreporter.write_sep("=", "stackcheck retries")
        if not tests:
            terminalreporter.write_line("no AWS call was retried")
            return
        for node, records in sorted(tests.items()):
            slept = sum(r["sleep"] for r in records)
            ended = self.ended.get(node)
            how = f"{ended} after {retries_text(len(records))}" if ended else retries_text(len(records))
            terminalreporter.write_line(f"{node}: {how}, slept {slept:.2f} s")
            counts: dict[tuple[str, str, str], int] = defaultdict(int)
            for r in records:
                counts[(r["operation"], r["error_code"], r["layer"])] += 1
            for (operation, code, layer), count in sorted(counts.items()):
                terminalreporter.write_line(f"    {operation} {code} x{count} ({layer})")
