"""A local fleet run: every target's live compliance checked against the embedded emulator, in parallel processes, then merged.

The emulator is one moto server serving every account and region: each target's
``stackcheck compliance`` acts as the target's account (``--emulator-account``: moto reads the
``x-moto-account-id`` header, see ``stackcheck.aws.clients.EMULATOR_ACCOUNT_HEADER``) in the
target's region. Nothing is deployed here: the targets must be deployed to the emulator already
(``stackcheck.emulator.deploy.deploy_assembly(..., account=...)`` with a record of the target's region).

Each target is one ``python -m stackcheck compliance`` subprocess writing ``<reports>/<target>/``;
at most ``jobs`` run at once (``concurrent.futures``; the matrix of the nightly workflow is the
same fan-out on GitHub Actions). Then ``stackcheck.report.merge`` merges the folders, each with its
target's account and region, so a part that did not run is NOT RUN, never dropped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stackcheck.errors import BadInputError
from stackcheck.fleet import FleetTarget
from stackcheck.report.merge import MergedReport, Part, merge_reports, write_merged

__all__ = ["FleetRun", "TargetRun", "compliance_command", "run_fleet"]

LOG_NAME = "compliance.log"


@dataclass(frozen=True)
class TargetRun:
    """One target's compliance process: ``target``, its ``exit_code``, wall ``seconds`` and ``log`` (stdout+stderr)."""

    target: FleetTarget
    exit_code: int
    seconds: float
    log: Path


@dataclass(frozen=True)
class FleetRun:
    """The fleet run: one TargetRun per target (fleet order), the merged report, where it was written, wall seconds."""

    runs: tuple[TargetRun, ...]
    merged: MergedReport
    paths: dict[str, Path]
    seconds: float


def compliance_command(
    target: FleetTarget,
    report_dir: Path,
    *,
    emulator_record: str | os.PathLike[str],
    policies: str | os.PathLike[str] = "policies",
    ledger: str | os.PathLike[str] = "policies/suppressions.yaml",
) -> list[str]:
    """The argv of ``stackcheck compliance`` for ``target`` on the emulator ``emulator_record`` names:
    the target's assembly, account and region, reports into ``report_dir``."""
    return [
        sys.executable,
        "-m",
        "stackcheck",
        "compliance",
        "--assembly",
        target.assembly,
        "--report-dir",
        str(report_dir),
        "--policies",
        str(policies),
        "--ledger",
        str(ledger),
        "--emulator-record",
        str(emulator_record),
        "--emulator-account",
        target.account,
        "--aws-region",
        target.region,
    ]


def _run_one(target: FleetTarget, argv: list[str], folder: Path, timeout: float) -> TargetRun:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / LOG_NAME
    started = time.perf_counter()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w", encoding="utf-8") as out:
        try:
            code = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=timeout
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\nstackcheck fleet run: {target.name} did not finish within {timeout:g} s; it was stopped\n")
            code = 3
    return TargetRun(target, code, time.perf_counter() - started, log)


def run_fleet(
    targets: Sequence[FleetTarget],
    *,
    emulator_record: str | os.PathLike[str],
    reports: str | os.PathLike[str] = "reports",
    output: str | os.PathLike[str] | None = None,
    jobs: int = 2,
    policies: str | os.PathLike[str] = "policies",
    ledger: str | os.PathLike[str] = "policies/suppressions.yaml",
    timeout: float = 1800.0,
) -> FleetRun:
    """Run ``stackcheck compliance`` for every target against the emulator, ``jobs`` processes at a time, and merge.

    Each target writes ``<reports>/<name>/compliance.{json,sarif,md}`` and ``compliance.log``; a
    process running past ``timeout`` seconds is stopped and counts as exit 3. The merged
    report (``merged.{json,sarif,md}``) goes to ``output`` (default ``<reports>/merged``), every
    part carrying its target's account and region. Raises BadInputError when ``jobs`` < 1, there
    is no target, or ``output`` is one of the targets' folders.
    """
    if jobs < 1:
        raise BadInputError(f"--jobs {jobs}: give 1 or more processes")
    if not targets:
        raise BadInputError("the fleet has no target to run")
    root = Path(reports)
    out = Path(output) if output is not None else root / "merged"
    folders = {t.name: root / t.name for t in targets}
    if out.resolve() in {f.resolve() for f in folders.values()}:
        raise BadInputError(f"--output {out} is a target's report folder; choose another")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(jobs, len(targets))) as pool:
        futures = [
            pool.submit(
                _run_one,
                target,
                compliance_command(
                    target, folders[target.name], emulator_record=emulator_record, policies=policies, ledger=ledger
                ),
                folders[target.name],
                timeout,
            )
            for target in targets
        ]
        runs = tuple(future.result() for future in futures)
    parts = [Part(t.name, folders[t.name], account=t.account, region=t.region) for t in targets]
    merged = merge_reports(parts)
    paths = write_merged(merged, out)
    return FleetRun(runs, merged, paths, time.perf_counter() - started)
