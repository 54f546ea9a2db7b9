"""YAML list files the harness reads (suppression ledger, drift allowlist): entries with their line numbers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from stackcheck.errors import BadInputError

__all__ = ["load_yaml_list"]


def load_yaml_list(path: str | os.PathLike[str], *, what: str, example: str,
                   error: type[BadInputError] = BadInputError,
                   loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> list[tuple[int, int | None, Any]]:
    """Read a YAML list from ``path``; returns ``[(index, line, item)]`` (index and line 1-based).

    An empty file is an empty list. ``what`` names the file in messages (``suppression ledger``),
    ``example`` shows an entry's first line (``- rule: ...``). Raises ``error`` (a BadInputError,
    exit code 2) naming the file, and the line for malformed YAML, when the file is missing,
    unreadable, not YAML or not a list.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist; create it holding `[]` (an empty list)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} cannot be read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - loader is SafeLoader or a subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{what} {where}: not valid YAML ({problem}); it must be a YAML list of entries") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise error(f"{what} {path}: must be a YAML list of entries ({example}), got a {type(data).__name__}; "
                    f"an empty {what} is `[]`")
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return [(position + 1, lines[position] if position < len(lines) else None, raw)
            for position, raw in enumerate(data)]
