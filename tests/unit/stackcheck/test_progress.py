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


def test_advance_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="before start"):
        Progress(file=StringIO()).advance("x")
