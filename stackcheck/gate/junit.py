"""JUnit XML files of pytest runs (``--junitxml``): counts (INCONCLUSIVE apart from skipped), failed and inconclusive test ids and their reasons."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Properties, Skipped, TestCase

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


def _inconclusive(case: TestCase) -> str | None:
    """What an INCONCLUSIVE testcase saw ("" when unsaid), None for any other testcase."""
    props = case.child(Properties)
    properties = {p.name: p.value or "" for p in props} if props is not None else {}
    skipped = next((r for r in case.result if isinstance(r, Skipped)), None)
    marked = skipped is not None and skipped.type == "inconclusive"
    if not marked and properties.get("stackcheck_outcome") != "inconclusive":
        return None
    if "stackcheck_inconclusive" in properties:
        return properties["stackcheck_inconclusive"]
    message = (skipped.message or "") if skipped is not None else ""
    return message.removeprefix("INCONCLUSIVE: ")


def read_junit(path: str | os.PathLike[str]) -> JUnitSuite:
    """Read a JUnit XML file (``<testsuites>`` or one ``<testsuite>``, through junitparser);
    BadInputError naming it if unreadable or not JUnit."""
    file = Path(path)
    try:
        suites = list(JUnitXml.fromfile(str(file)))
    except (OSError, ParseError) as exc:
        raise BadInputError(f"JUnit report {file} cannot be read: {exc}", next_step=NextStep.INTEGRATION) from None
    except JUnitXmlError:  # junitparser says only "Invalid format."
        raise BadInputError(
            f"JUnit report {file} cannot be read: its root element is neither <testsuites> nor <testsuite>",
            next_step=NextStep.INTEGRATION,
        ) from None
    total = {k: sum(getattr(s, k) or 0 for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failed: list[str] = []
    reasons: list[str] = []
    unsettled: list[str] = []
    skipped_too = 0  # INCONCLUSIVE cases pytest also counted in the suite's skipped attribute
    for suite in suites:
        for case in suite:
            results = case.result
            problem = next((r for r in results if isinstance(r, Failure)), None) or next(
                (r for r in results if isinstance(r, Error)), None
            )
            saw = _inconclusive(case)
            if saw is not None and problem is None:
                unsettled.append(f"{case.classname}::{case.name}: {saw}".rstrip(": "))
                skipped_too += any(isinstance(r, Skipped) for r in results)
                continue
            if problem is None:
                continue
            test_id = f"{case.classname}::{case.name}"
            message = (problem.message or problem.text or "").strip().splitlines()
            failed.append(test_id)
            reasons.append(f"{test_id}: {message[0]}" if message else test_id)
    seconds = sum(s.time or 0.0 for s in suites)
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
