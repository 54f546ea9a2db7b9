"""Live progress for long runs: rich bars on a terminal, one plain line per event otherwise.

``Progress(file)`` exposes ``start(total, label)``, ``advance(item, detail)`` and ``finish()``.
On a terminal (``file.isatty()`` or a rich ``Console(force_terminal=True)``) it draws a rich
progress bar; otherwise (CI logs, pytest capture) it writes ``label: n/total item (detail)``
lines with no carriage return and no ANSI escape.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress


class Progress:
    """Progress over ``total`` units of work, reported as each one finishes.

    ``file``: the stream (default ``sys.stderr``); ``console``: a rich Console to draw on instead
    (its ``is_terminal`` decides the mode). Raises ``RuntimeError`` when ``advance`` or ``finish``
    is called before ``start``.
    """

    def __init__(self, file: TextIO | None = None, console: Console | None = None) -> None:
        self._file = file if file is not None else sys.stderr
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

    def finish(self) -> None:
        """End the run: stop the live display (plain mode writes nothing more)."""
        if not self._started:
            raise RuntimeError("Progress.finish called before start(total, label)")
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
        self._started = False
