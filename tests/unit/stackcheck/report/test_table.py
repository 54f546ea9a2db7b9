"""markdown_table: the one GitHub pipe-table writer of every Markdown report."""

import pytest

from stackcheck.report.table import markdown_table


def test_rows_are_unpadded_values_with_newlines_folded():
    assert markdown_table(("rule", "count"), [("`E9001`", 3), ("a\nb", "")]) == [
        "| rule | count |",
        "| --- | --- |",
        "| `E9001` | 3 |",
        "| a b |  |",
    ]


def test_last_columns_right_aligned():
    assert markdown_table(("a", "b", "c"), [], right=2) == ["| a | b | c |", "| --- | ---: | ---: |"]


def test_row_of_the_wrong_width_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"table row 2 has 1 cells, the header 2: \['x'\]"):
        markdown_table(("a", "b"), [("1", "2"), ("x",)])
