"""stackcheck.progress: plain lines off a terminal, rich bars on one."""

from io import StringIO

import pytest
from rich.console import Console

from stackcheck.progress import Progress


def test_plain_mode_one_line_per_event() -> None:
    out = StringIO()
    p = Progress(file=out)
    p.start(2, "deploy")
    p.advance("TapStackdev", "12/12 resources")
    p.advance("TapStackdevNet")
    p.finish()
    text = out.getvalue()
    assert text == "deploy: 1/2 TapStackdev (12/12 resources)\ndeploy: 2/2 TapStackdevNet\n"
    assert "\r" not in text and "\x1b" not in text


def test_tty_mode_shows_label_and_count() -> None:
    out = StringIO()
    p = Progress(console=Console(force_terminal=True, file=out, width=100))
    p.start(3, "scan")
    for unit in ("cfn-lint", "checkov", "cdk-nag"):
        p.advance(unit)
    p.finish()
    assert p.live is True
    text = out.getvalue()
    assert "scan" in text and "3/3" in text


def test_stdout_that_is_not_a_terminal_is_not_drawn_into_the_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    bars, stdout = StringIO(), StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    p = Progress(console=Console(force_terminal=True, file=bars, width=100))
    p.start(1, "scan")
    print("report line")
    p.advance("cfn-lint")
    p.finish()
    assert stdout.getvalue() == "report line\n"
    assert "report line" not in bars.getvalue()


def test_advance_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="before start"):
        Progress(file=StringIO()).advance("x")


def test_plain_notes_are_written_at_most_once_per_interval() -> None:
    out = StringIO()
    now = [0.0]
    p = Progress(file=out, clock=lambda: now[0])
    p.start(1, "drift")
    for second in (0.0, 5.0, 29.9, 30.0, 35.0, 60.5):
        now[0] = second
        p.note("Source", f"DETECTION_IN_PROGRESS, {second:.0f} s")
    p.advance("Source", "IN_SYNC")
    p.finish()
    assert out.getvalue() == (
        "drift: waiting on Source (DETECTION_IN_PROGRESS, 0 s)\n"
        "drift: waiting on Source (DETECTION_IN_PROGRESS, 30 s)\n"
        "drift: waiting on Source (DETECTION_IN_PROGRESS, 60 s)\n"
        "drift: 1/1 Source (IN_SYNC)\n"
    )


def test_tty_note_updates_the_line_in_place() -> None:
    out = StringIO()
    p = Progress(console=Console(force_terminal=True, file=out, width=120))
    p.start(1, "drift")
    p.note("Source", "DETECTION_IN_PROGRESS, 5 s")
    p.finish()
    assert "waiting on Source (DETECTION_IN_PROGRESS, 5 s)" in out.getvalue()


def test_note_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="note called before start"):
        Progress(file=StringIO()).note("x")
