"""JUnit XML files of pytest runs (``--junitxml``): counts (INCONCLUSIVE apart from skipped), failed and inconclusive test ids and their reasons."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET  # not junitparser yet: left for the issue 17 deadline
from dataclasses import dataclass, field
from pathlib import Path

from stackcheck.errors import BadInputError, NextStep

__all__ = ["JUnitSuite", "read_junit"]


@dataclass(frozen=True)
class JUnitSuite:
    """Counts of one JUnit XML file (pytest's ``--junitxml``), the ids of failed tests, and ``reasons``:
    ``"<id>: <first line of the failure message>"`` for each of them.

    ``inconclusive`` counts the checks the stackcheck plugin ended INCONCLUSIVE (a ``<skipped
    type="inconclusive">`` element or the property ``stackcheck_outcome=inconclusive``); they are not
    in ``skipped``, and ``unsettled`` holds ``"<id>: <what it saw>"`` for each."""

    path: Path
    tests: int
    failures: int
    errors: int
    skipped: int
    seconds: float
    failed: tuple[str, ...] = field(default=())
    reasons: tuple[str, ...] = field(default=())
    inconclusive: int = 0
    unsettled: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> int:
        """Tests that neither failed, errored, were skipped nor ended INCONCLUSIVE."""
        return self.tests - self.failures - self.errors - self.skipped - self.inconclusive


def _inconclusive(case: ET.Element) -> str | None:
    """What an INCONCLUSIVE testcase saw ("" when unsaid), None for any other testcase."""
    properties = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
    skipped = case.find("skipped")
    marked = skipped is not None and skipped.get("type") == "inconclusive"
    if not marked and properties.get("stackcheck_outcome") != "inconclusive":
        return None
    if "stackcheck_inconclusive" in properties:
        return properties["stackcheck_inconclusive"]
    message = (skipped.get("message") or "") if skipped is not None else ""
    return message.removeprefix("INCONCLUSIVE: ")


def read_junit(path: str | os.PathLike[str]) -> JUnitSuite:
    """Read a JUnit XML file (``<testsuites>`` or one ``<testsuite>``); BadInputError naming it if unreadable."""
    file = Path(path)
    try:
        root = ET.parse(file).getroot()
    except (OSError, ET.ParseError) as exc:
        raise BadInputError(f"JUnit report {file} cannot be read: {exc}", next_step=NextStep.INTEGRATION) from None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failed: list[str] = []
    reasons: list[str] = []
    unsettled: list[str] = []
    skipped_too = 0  # INCONCLUSIVE cases pytest also counted in the suite's skipped attribute
    for suite in suites:
        for case in suite.iter("testcase"):
            saw = _inconclusive(case)
            if saw is not None and case.find("failure") is None and case.find("error") is None:
                unsettled.append(f"{case.get('classname')}::{case.get('name')}: {saw}".rstrip(": "))
                skipped_too += case.find("skipped") is not None
                continue
            problem = case.find("failure")
            problem = problem if problem is not None else case.find("error")
            if problem is None:
                continue
            test_id = f"{case.get('classname')}::{case.get('name')}"
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            failed.append(test_id)
            reasons.append(f"{test_id}: {message[0]}" if message else test_id)
    seconds = sum(float(s.get("time", 0) or 0) for s in suites)
    return JUnitSuite(
        file,
        total["tests"],
        total["failures"],
        total["errors"],
        max(total["skipped"] - skipped_too, 0),
        seconds,
        tuple(failed),
        tuple(reasons),
        len(unsettled),
        tuple(unsettled),
    )
