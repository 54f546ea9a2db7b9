"""The generation stamp of reports: UTC time to the second, the git commit (short SHA, dirty, unknown) without crashing."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from stackcheck.report import provenance
from stackcheck.report.provenance import Commit, iso_utc, read_commit, report_fields, resolve, stamp


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def checkout(folder: Path) -> str:
    """A repository with one commit of ``tracked.txt``; returns the short SHA."""
    git(folder, "init", "-q")
    (folder / "tracked.txt").write_text("one\n")
    git(folder, "add", "tracked.txt")
    git(folder, "commit", "-q", "-m", "first")
    return git(folder, "rev-parse", "--short", "HEAD")


def fake_git(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-git"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_clean_checkout_is_its_short_sha(outside_git):
    sha = checkout(outside_git)
    (outside_git / "untracked.txt").write_text("not committed, not tracked\n")
    assert read_commit(outside_git) == Commit(sha, False)
    assert read_commit(outside_git).describe() == sha


def test_changed_tracked_file_makes_it_dirty(outside_git):
    sha = checkout(outside_git)
    (outside_git / "tracked.txt").write_text("two\n")
    assert read_commit(outside_git) == Commit(sha, True)
    assert read_commit(outside_git).describe() == f"{sha} (dirty)"


def test_folder_outside_a_checkout_is_unknown(outside_git):
    assert read_commit(outside_git) == Commit(None, None, "not a git checkout")
    assert read_commit(outside_git).describe() == "unknown (not a git checkout)"


def test_missing_git_is_unknown(outside_git):
    commit = read_commit(outside_git, git=str(outside_git / "no-such-git"))
    assert (commit, commit.describe()) == (Commit(None, None, "git is not installed"), "unknown (git is not installed)")


def test_git_that_fails_otherwise_is_unknown_with_its_message(outside_git, tmp_path):
    broken = fake_git(tmp_path, "echo 'fatal: detected dubious ownership in repository at /w' >&2\nexit 128\n")
    assert read_commit(outside_git, git=broken) == Commit(
        None, None, "`git rev-parse --short HEAD` failed: detected dubious ownership in repository at /w"
    )


def test_status_failure_leaves_the_worktree_state_unknown(outside_git, tmp_path):
    half = fake_git(tmp_path, 'if [ "$1" = rev-parse ]; then echo 1a2b3c4; exit 0; fi\nexit 1\n')
    commit = read_commit(outside_git, git=half)
    assert (commit, commit.describe()) == (Commit("1a2b3c4", None), "1a2b3c4 (worktree state unknown)")


def test_git_that_hangs_is_unknown_after_the_timeout(outside_git, tmp_path):
    slow = fake_git(tmp_path, "exec sleep 5\n")
    assert read_commit(outside_git, git=slow, timeout=0.2) == Commit(None, None, "git did not answer in 0.2 s")


def test_iso_utc_converts_to_utc_and_drops_fractions():
    moment = datetime(2026, 3, 4, 7, 6, 7, 999_999, tzinfo=timezone(timedelta(hours=2)))
    assert iso_utc(moment) == "2026-03-04T05:06:07Z"


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="has no time zone; pass an aware datetime"):
        iso_utc(datetime(2026, 3, 4, 5, 6, 7))


def test_stamp_line():
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert stamp(moment, Commit("1a2b3c4", True)) == "Generated 2026-03-04T05:06:07Z from commit 1a2b3c4 (dirty)."
    assert stamp(moment, Commit(None, None, "not a git checkout")) == (
        "Generated 2026-03-04T05:06:07Z from commit unknown (not a git checkout)."
    )


@pytest.mark.parametrize(
    "commit, data",
    [
        (Commit("1a2b3c4", True), {"sha": "1a2b3c4", "dirty": True, "reason": None}),
        (Commit("1a2b3c4", None), {"sha": "1a2b3c4", "dirty": None, "reason": None}),
        (Commit(None, None, "not a git checkout"), {"sha": None, "dirty": None, "reason": "not a git checkout"}),
    ],
)
def test_report_fields_are_the_stamp_as_data(commit, data):
    moment = datetime(2026, 3, 4, 7, 6, 7, 500_000, tzinfo=timezone(timedelta(hours=2)))
    assert report_fields(moment, commit) == {"generated": "2026-03-04T05:06:07Z", "commit": data}


def test_resolve_keeps_what_is_given_and_fills_in_the_clock_and_the_checkout(outside_git, monkeypatch):
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    given = Commit("1a2b3c4", False)
    monkeypatch.setattr(provenance, "utc_now", lambda: moment)
    monkeypatch.chdir(outside_git)
    assert resolve(moment, given) == (moment, given)
    assert resolve() == (moment, Commit(None, None, "not a git checkout"))
