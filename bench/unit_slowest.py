"""Bench section `unit`: the unit suite's wall time and its 20 slowest tests, from a JUnit XML file read with junitparser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from junitparser import JUnitXml

from bench.measure import run

__all__ = ["bench_unit", "slowest_tests"]


def slowest_tests(junit: Path, count: int = 20) -> list[dict[str, Any]]:
    """The ``count`` testcases of ``junit`` with the most seconds (pytest's ``time``: setup, call and
    teardown), slowest first: ``[{"id": "<classname>::<name>", "seconds": float}]``; ties keep file order."""
    cases = [
        (f"{case.classname}::{case.name}", float(case.time or 0.0))
        for suite in JUnitXml.fromfile(str(junit))
        for case in suite
    ]
    ranked = sorted(enumerate(cases), key=lambda item: (-item[1][1], item[0]))[:count]
    return [{"id": test_id, "seconds": round(seconds, 3)} for _, (test_id, seconds) in ranked]


def bench_unit(repo: Path, logs: Path, junit: Path | None = None, count: int = 20) -> dict[str, Any]:
    """The unit suite's ``count`` slowest tests. With ``junit`` (a ``make test`` / ``make unit`` report,
    ``reports/unit.xml``) that run is read; otherwise the suite runs here once (``pytest tests/unit``,
    xdist as `make unit` runs it) and its wall seconds are recorded too. Raises RuntimeError naming the
    log when that run fails."""
    if junit is None:
        junit = logs / "unit.xml"
        measured = run(
            "pytest tests/unit",
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/unit",
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                "auto",
                f"--junitxml={junit}",
            ],
            cwd=repo,
            log=logs / "unit.log",
        )
        if measured.returncode != 0:
            raise RuntimeError(f"the unit suite exited {measured.returncode}; see {logs / 'unit.log'}")
        wall: dict[str, Any] = {"run": measured.to_dict()}
    else:
        wall = {"read": str(junit)}
    suites = list(JUnitXml.fromfile(str(junit)))
    return {
        **wall,
        "tests": sum(s.tests or 0 for s in suites),
        "seconds_summed": round(sum(float(c.time or 0.0) for s in suites for c in s), 3),
        "slowest": slowest_tests(junit, count),
    }
