"""Live progress for long runs: rich bars on a terminal, one plain line per event otherwise.

``Progress(file)`` exposes ``start(total, label)``, ``advance(item, detail)`` and ``finish()``.
On a terminal (``file.isatty()`` or a rich ``Console(force_terminal=True)``) it draws a rich
progress bar; otherwise (CI logs, pytest capture) it writes ``label: n/total item (detail)``
lines with no carriage return and no ANSI escape.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress


class Progress:
    """Progress over ``total`` units of work, reported as each one finishes.

    ``file``: the stream (default ``sys.stderr``); ``console``: a rich Console to draw on instead
    (its ``is_terminal`` decides the mode). Raises ``RuntimeError`` when ``advance`` or ``note`` is
    called before ``start``; ``finish`` is always safe.
    """

    NOTE_EVERY = 30.0
    """Plain mode writes at most one ``note`` line per this many seconds (a drift poll every 5 s for
    900 s must not write 180 lines into a CI log); a terminal shows every note in place."""

    def __init__(
        self,
        file: TextIO | None = None,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._file = file if file is not None else sys.stderr
        self._clock = clock
        self._noted: float | None = None
        self._console = console if console is not None else Console(file=self._file)
        self._rich: RichProgress | None = None
        self._task: TaskID | None = None
        self._total = 0
        self._done = 0
        self._label = ""
        self._started = False

    @property
    def live(self) -> bool:
        """True when drawing rich bars (a terminal), False for plain lines."""
        return self._console.is_terminal

    def start(self, total: int, label: str) -> None:
        """Begin ``total`` (>= 0) units of work named ``label`` (e.g. ``"scan"``)."""
        self._total, self._done, self._label, self._started = total, 0, label, True
        if self.live:
            self._rich = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[item]}"),
                console=self._console,
                # Rich would route stdout through the live display (so onto stderr); keep stdout where it is
                # unless it is a terminal too (``stackcheck scan | jq`` must get its report on stdout).
                redirect_stdout=_stdout_is_terminal(),
            )
            self._rich.start()
            self._task = self._rich.add_task(label, total=total, item="")

    def advance(self, item: str, detail: str = "") -> None:
        """One unit ``item`` finished; ``detail`` (e.g. ``"12/12 resources"``) is shown beside it."""
        if not self._started:
            raise RuntimeError("Progress.advance called before start(total, label)")
        self._done += 1
        text = f"{item} ({detail})" if detail else item
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, advance=1, item=text)
        else:
            self._file.write(f"{self._label}: {self._done}/{self._total} {text}\n")
            self._file.flush()

    def note(self, item: str, detail: str = "") -> None:
        """Work on ``item`` is still going (e.g. ``"Source", "DETECTION_IN_PROGRESS, 35 s"``): shown in
        place on a terminal; in plain mode a ``label: waiting on item (detail)`` line, at most one per
        ``NOTE_EVERY`` seconds (``clock``, monotonic). RuntimeError before ``start``."""
        if not self._started:
            raise RuntimeError("Progress.note called before start(total, label)")
        text = f"{item} ({detail})" if detail else item
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, item=f"waiting on {text}")
            return
        now = self._clock()
        if self._noted is not None and now - self._noted < self.NOTE_EVERY:
            return
        self._noted = now
        self._file.write(f"{self._label}: waiting on {text}\n")
        self._file.flush()

    def finish(self) -> None:
        """End the run: stop the live display (plain mode writes nothing more). Safe to call again, or
        without a ``start`` (a ``finally`` after a failure): then it does nothing."""
        if not self._started:
            return
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
        self._started = False


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False
