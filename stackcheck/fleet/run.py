"""A local fleet run: every target's live compliance checked against the embedded emulator, in parallel processes, then merged.

The emulator is one moto server serving every account and region: each target's
``stackcheck compliance`` acts as the target's account (``--emulator-account``: moto reads the
``x-moto-account-id`` header, see ``stackcheck.aws.clients.EMULATOR_ACCOUNT_HEADER``) in the
target's region. Nothing is deployed here: the targets must be deployed to the emulator already
(``stackcheck.emulator.deploy.deploy_assembly(..., account=...)`` with a record of the target's region).

The policy pack and its live forms are loaded once, in this process
(``stackcheck.compliance.evaluate.live_forms``); the targets are then checked in a
``concurrent.futures.ProcessPoolExecutor`` of at most ``jobs`` workers started with ``fork``, so
every worker inherits the loaded pack and the imported libraries instead of paying the start-up
again. Each worker runs ``stackcheck compliance`` for its target as a library call (the argv of
``compliance_command``, parsed by that command's own parser), writing ``<reports>/<target>/``
and the output into ``compliance.log``. The nightly workflow's matrix is the same fan-out on GitHub
Actions. Then ``stackcheck.report.merge`` merges the folders, each with its target's account and
region, so a part that did not run is NOT RUN, never dropped. Fork is POSIX-only, as is the emulator.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.errors import BadInputError
from stackcheck.fleet import FleetTarget
from stackcheck.report.merge import MergedReport, Part, merge_reports, write_merged

__all__ = ["FleetRun", "TargetRun", "compliance_command", "run_fleet"]

LOG_NAME = "compliance.log"


@dataclass(frozen=True)
class TargetRun:
    """One target's compliance check: ``target``, its ``exit_code``, wall ``seconds`` and ``log`` (stdout+stderr)."""

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


_PACK: tuple[Any, Any] | None = None
"""The policy pack's ``(forms, template_only)`` as the parent loaded it; set in each forked worker by ``_adopt``."""


class _Expired(Exception):
    """The target ran past its timeout (raised by the SIGALRM handler inside the worker)."""


def _adopt(pack: tuple[Any, Any] | None) -> None:
    # The pool forks, so ``pack`` reaches the worker as the parent's memory, never pickled.
    global _PACK
    _PACK = pack


def _expire(signum: int, frame: Any) -> None:
    raise _Expired


@contextmanager
def _output_to(log: Any) -> Iterator[None]:
    """stdout and stderr (the file descriptors and ``sys.stdout``/``sys.stderr``) into ``log``, restored after."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    try:
        with redirect_stdout(log), redirect_stderr(log):
            yield
    finally:
        log.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _check_one(target: FleetTarget, argv: list[str], folder: Path, timeout: float) -> TargetRun:
    """In a forked worker: ``stackcheck compliance`` of ``argv`` as a library call, with the parent's pack."""
    from stackcheck.compliance.command import add_arguments, run
    from stackcheck.compliance.report import write_error_reports
    from stackcheck.errors import StackcheckError

    folder.mkdir(parents=True, exist_ok=True)
    log = folder / LOG_NAME
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="stackcheck compliance")
    add_arguments(parser)
    args = parser.parse_args(argv[argv.index("compliance") + 1 :])
    with open(log, "w", encoding="utf-8") as out, _output_to(out):
        previous = signal.signal(signal.SIGALRM, _expire)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            code = run(args, pack=_PACK)
        except _Expired:
            message = f"stackcheck fleet run: {target.name} did not finish within {timeout:g} s; it was stopped"
            write_error_reports(folder, message, 3)
            print(f"\n{message}")
            code = 3
        except StackcheckError as exc:
            print(f"stackcheck compliance: error: {exc}", file=sys.stderr)
            code = exc.exit_code
        except Exception as exc:  # a crash of the check counts as not run, never as a pass
            traceback.print_exc()
            write_error_reports(folder, f"stackcheck compliance crashed: {type(exc).__name__}: {exc}", 3)
            code = 3
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return TargetRun(target, code, time.perf_counter() - started, log)


def _load_pack(policies: str | os.PathLike[str]) -> tuple[Any, Any] | None:
    """The pack's live forms, loaded once for every worker, with the modules a check imports; None when the pack
    does not load (each target then loads it itself and reports the error as ``stackcheck compliance`` does)."""
    import stackcheck.assembly
    import stackcheck.aws.clients
    import stackcheck.compliance.command
    import stackcheck.compliance.report
    import stackcheck.suppressions  # noqa: F401 - imported here so the forked workers inherit them
    from stackcheck.compliance.evaluate import live_forms
    from stackcheck.errors import StackcheckError

    try:
        return live_forms(Path(policies))
    except StackcheckError:
        return None


def _outcome(future: Future[TargetRun], target: FleetTarget, folder: Path) -> TargetRun:
    """The worker's TargetRun; exit 3 (said in the target's log) when its worker died (BrokenProcessPool)."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / LOG_NAME
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"\nstackcheck fleet run: the worker checking {target.name} died ({exc})\n")
        return TargetRun(target, 3, 0.0, log)


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
    """Run ``stackcheck compliance`` for every target against the emulator, ``jobs`` forked workers at a time, and merge.

    Each target writes ``<reports>/<name>/compliance.{json,sarif,md}`` and ``compliance.log``; a
    target running past ``timeout`` seconds is stopped (SIGALRM in its worker), its reports say
    NOT CHECKED and it counts as exit 3, as does a target whose check crashed or whose worker died. The merged
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
    pack = _load_pack(policies)
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(targets)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(pack,),
    ) as pool:
        futures = [
            pool.submit(
                _check_one,
                target,
                compliance_command(
                    target, folders[target.name], emulator_record=emulator_record, policies=policies, ledger=ledger
                ),
                folders[target.name],
                timeout,
            )
            for target in targets
        ]
        runs = tuple(
            _outcome(future, target, folders[target.name]) for future, target in zip(futures, targets, strict=True)
        )
    parts = [Part(t.name, folders[t.name], account=t.account, region=t.region) for t in targets]
    merged = merge_reports(parts)
    paths = write_merged(merged, out)
    return FleetRun(runs, merged, paths, time.perf_counter() - started)
