"""Report sets published whole: two runs publishing at once never leave, or show a reader, files from both."""

from __future__ import annotations

import multiprocessing
import os

import pytest

import stackcheck.files
from stackcheck.files import publish_reports, read_reports, reports_lock

NAMES = ("scan.json", "scan.sarif", "scan.md")
ROUNDS = 40
PADDING = 64 * 1024  # big enough that writing one file takes a while next to renaming it


def report_set(run: str) -> dict[str, str]:
    """A set whose every file says which run wrote it on its first line."""
    return {name: f"{run}\n{name}\n" + "x" * PADDING + "\n" for name in NAMES}


def run_of(texts: dict[str, str | None]) -> set[str | None]:
    return {text.split("\n", 1)[0] if text is not None else None for text in texts.values()}


def _writer(directory: str, who: str, barrier, rounds: int) -> None:
    for round_ in range(rounds):
        barrier.wait(timeout=30)
        publish_reports(directory, report_set(f"{who}-{round_}"))
        barrier.wait(timeout=30)


def _reader(directory: str, stop, snapshots, mixed) -> None:
    while not stop.is_set():
        runs = run_of(read_reports(directory, NAMES))
        if None not in runs:
            with snapshots.get_lock():
                snapshots.value += 1
            if len(runs) > 1:
                with mixed.get_lock():
                    mixed.value += 1


def test_two_runs_publishing_at_once_never_mix_their_report_sets(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    stop = context.Event()
    snapshots, mixed = context.Value("i", 0), context.Value("i", 0)
    directory = str(tmp_path / "reports")
    writers = [
        context.Process(target=_writer, args=(directory, who, barrier, ROUNDS), daemon=True) for who in ("A", "B")
    ]
    reader = context.Process(target=_reader, args=(directory, stop, snapshots, mixed), daemon=True)
    for process in (*writers, reader):
        process.start()
    finals = []
    try:
        for round_ in range(ROUNDS):
            barrier.wait(timeout=30)  # both writers publish ...
            barrier.wait(timeout=30)  # ... and are done: the folder holds one run's set, whole
            texts = {name: (tmp_path / "reports" / name).read_text() for name in NAMES}
            runs = run_of(texts)
            assert len(runs) == 1, f"round {round_}: the report folder holds files from runs {sorted(runs)}"
            (run,) = runs
            assert run in {f"A-{round_}", f"B-{round_}"}
            assert texts == report_set(run)
            finals.append(run)
    finally:
        stop.set()
        for process in (*writers, reader):
            process.join(timeout=30)
    assert [p.exitcode for p in (*writers, reader)] == [0, 0, 0]
    assert len(finals) == ROUNDS
    assert snapshots.value > 0
    assert mixed.value == 0, f"{mixed.value} of {snapshots.value} reader snapshots held files from two runs"
    assert sorted(os.listdir(tmp_path / "reports")) == sorted(NAMES)  # nothing left aside, no lock file


def test_a_failure_while_writing_aside_leaves_the_published_set_untouched(tmp_path, monkeypatch):
    publish_reports(tmp_path, report_set("old"))
    real = stackcheck.files.atomic_write_text
    calls = []

    def fail_on_the_second(path, text):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(stackcheck.files, "atomic_write_text", fail_on_the_second)
    with pytest.raises(OSError, match="No space left on device"):
        publish_reports(tmp_path, report_set("new"))
    assert calls == ["scan.json", "scan.sarif"]
    assert read_reports(tmp_path, NAMES) == report_set("old")
    assert sorted(os.listdir(tmp_path)) == sorted(NAMES)


def test_publish_returns_the_paths_and_creates_the_folder(tmp_path):
    folder = tmp_path / "new" / "reports"
    assert publish_reports(folder, {"a.md": "a\n", "b.json": "{}\n"}) == {
        "a.md": folder / "a.md",
        "b.json": folder / "b.json",
    }
    assert read_reports(folder, ["a.md", "b.json", "missing.xml"]) == {
        "a.md": "a\n",
        "b.json": "{}\n",
        "missing.xml": None,
    }


@pytest.mark.parametrize("name", ["", ".", "..", "sub/scan.json", "../scan.json"])
def test_publish_refuses_names_that_are_not_plain_file_names(tmp_path, name):
    with pytest.raises(ValueError, match="must be a plain file name"):
        publish_reports(tmp_path, {name: "x"})
    assert os.listdir(tmp_path) == []


def test_readers_share_the_lock_and_a_publish_waits_for_them(tmp_path):
    context = multiprocessing.get_context("fork")
    go, published = context.Event(), context.Event()

    def publish() -> None:
        go.wait(timeout=30)
        publish_reports(tmp_path, report_set("new"))
        published.set()

    # Forked before the lock is taken: a child inheriting the locked descriptor would hold the lock too.
    process = context.Process(target=publish, daemon=True)
    process.start()
    with reports_lock(tmp_path, shared=True), reports_lock(tmp_path, shared=True):
        go.set()
        assert published.wait(timeout=0.5) is False  # written aside, waiting for the readers to finish
        assert not (tmp_path / "scan.json").exists()
    assert published.wait(timeout=30) is True
    process.join(timeout=30)
    assert read_reports(tmp_path, NAMES) == report_set("new")
