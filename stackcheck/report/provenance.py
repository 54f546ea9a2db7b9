"""When and from which commit a report was made: the UTC time and the git commit of the checkout."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Commit", "iso_utc", "read_commit", "report_fields", "resolve", "stamp", "utc_now"]

GIT_TIMEOUT = 10.0
"""Seconds each git command may take before the commit counts as unknown."""


@dataclass(frozen=True)
class Commit:
    """The git commit a checkout is at.

    ``sha``: the abbreviated SHA as ``git rev-parse --short HEAD`` gives it, None when unknown
    (``reason`` then says why: not a git checkout, git not installed, ...). ``dirty``: True when
    tracked files have uncommitted changes (untracked files do not count, as with
    ``git describe --dirty``), None when ``git status`` could not tell.
    """

    sha: str | None
    dirty: bool | None = False
    reason: str | None = None

    def describe(self) -> str:
        """``1a2b3c4``, ``1a2b3c4 (dirty)``, ``1a2b3c4 (worktree state unknown)`` or ``unknown (<reason>)``."""
        if self.sha is None:
            return f"unknown ({self.reason})" if self.reason else "unknown"
        if self.dirty is None:
            return f"{self.sha} (worktree state unknown)"
        return f"{self.sha} (dirty)" if self.dirty else self.sha

    def to_dict(self) -> dict[str, Any]:
        """``{"sha": "1a2b3c4" | None, "dirty": bool | None, "reason": str | None}`` for JSON reports."""
        return {"sha": self.sha, "dirty": self.dirty, "reason": self.reason}


def _git(args: list[str], cwd: str | os.PathLike[str], git: str, timeout: float) -> tuple[str | None, str]:
    """``(stdout, "")`` when git succeeds, else ``(None, why)``; never raises."""
    try:
        done = subprocess.run(
            [git, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        return None, "git is not installed"
    except subprocess.TimeoutExpired:
        return None, f"git did not answer in {timeout:g} s"
    except OSError as exc:
        return None, f"git could not run: {exc}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        first = lines[0] if lines else f"exit code {done.returncode}"
        if "not a git repository" in first:
            return None, "not a git checkout"
        return None, f"`git {' '.join(args)}` failed: {first.removeprefix('fatal: ')}"
    return done.stdout, ""


def read_commit(cwd: str | os.PathLike[str] = ".", *, git: str = "git", timeout: float = GIT_TIMEOUT) -> Commit:
    """The commit of the checkout containing ``cwd``, with ``git`` (the executable) run at most
    ``timeout`` seconds per command. Never raises: without git, outside a checkout, or when git
    fails, the SHA is unknown and ``reason`` says why."""
    out, why = _git(["rev-parse", "--short", "HEAD"], cwd, git, timeout)
    if out is None or not out.strip():
        return Commit(None, None, why or "git rev-parse gave no SHA")
    # --no-optional-locks: do not refresh the index, which could race other git commands in the checkout.
    status, _ = _git(["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], cwd, git, timeout)
    return Commit(out.strip(), None if status is None else bool(status.strip()))


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 to the second: ``2026-03-04T05:06:07Z``.

    Raises ValueError for a naive datetime (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime (e.g. datetime.now(timezone.utc))")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime, commit: Commit) -> str:
    """The line a report carries under its heading:
    ``Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty).``"""
    return f"Generated {iso_utc(moment)} from commit {commit.describe()}."


def resolve(now: datetime | None = None, commit: Commit | None = None) -> tuple[datetime, Commit]:
    """``(now, commit)`` with the defaults a report uses filled in: ``utc_now()`` for ``now`` and
    ``read_commit()`` of the working directory for ``commit``. A report that writes several files
    resolves once, so every file names the same moment and commit."""
    return (utc_now() if now is None else now), (read_commit() if commit is None else commit)


def report_fields(moment: datetime, commit: Commit) -> dict[str, Any]:
    """The stamp as JSON report keys: ``{"generated": "2026-03-04T05:06:07Z", "commit": Commit.to_dict()}``.

    Raises ValueError for a naive ``moment`` (as ``iso_utc``)."""
    return {"generated": iso_utc(moment), "commit": commit.to_dict()}
