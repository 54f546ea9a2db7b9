"""One writer for the GitHub (GFM) pipe tables of every Markdown report: scan.md, compliance.md, drift.md, gate.md, merged.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["markdown_table"]


# not tabulate: its pipe/github formats pad every cell to its column's widest one, so one long finding
# message widens every row of a PR comment (GitHub caps a comment at 65,536 characters) and reflows the diff.
def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], right: int = 0) -> list[str]:
    """GitHub pipe-table lines (https://github.github.com/gfm/#tables-extension-): the header, the
    delimiter row, one line per row; cells are unpadded ``str()`` of each value with newlines folded
    to spaces. Cells must arrive escaped (``|`` as ``\\|``: each report escapes its own values, with
    its own code-span and length rules). The last ``right`` columns are right-aligned (``---:``).
    Raises ValueError for a row whose length differs from the header's, naming the row."""
    width = len(header)
    align = ["---"] * (width - right) + ["---:"] * right
    lines = [_line(header), _line(align)]
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise ValueError(f"table row {number} has {len(row)} cells, the header {width}: {list(row)!r}")
        lines.append(_line([" ".join(str(cell).splitlines()) for cell in row]))
    return lines


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
