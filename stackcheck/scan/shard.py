"""Splitting a scan's units of work, (tool, template) pairs, into N shards for N matrix jobs: ``--shard K/N``.

The split is deterministic and needs no coordination: every shard lists the same units, sorts
them by (tool, template path, stack id) and keeps every N-th one starting at the K-th. So each
unit lands in exactly one shard, the N shards together are the unsharded scan, and each tool's
units are spread evenly over the shards (cfn-lint, the slow one, is not piled onto one job).
The shards' report folders are joined again with ``stackcheck report merge``.

A ledger entry's staleness ("matches no failed finding") can only be judged by a shard that ran
every unit the entry could match in; ``judged_stale`` keeps the stale warnings of those entries
and leaves out the others, which another shard judges.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from stackcheck.errors import BadInputError
from stackcheck.scan.base import StackContext
from stackcheck.suppressions import Ledger, LedgerWarning, scan_scope

__all__ = ["Shard", "judged_stale", "parse_shard", "shard_units", "unit_sort_key"]

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
U = TypeVar("U")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1 <= index <= count), as ``--shard index/count`` names it."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def to_dict(self) -> dict[str, int]:
        """``{"index": K, "count": N}``."""
        return {"index": self.index, "count": self.count}


def parse_shard(spec: str) -> Shard:
    """``"2/3"`` → Shard(2, 3). Raises BadInputError (exit 2) unless ``spec`` is K/N with 1 <= K <= N."""
    match = _SPEC.match(spec)
    if not match:
        raise BadInputError(f"--shard {spec!r}: give K/N, shard K of N (like 1/3), with 1 <= K <= N")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise BadInputError(f"--shard {spec}: K must be between 1 and N and N at least 1 (like 1/{max(count, 1)})")
    return Shard(index, count)


def unit_sort_key(tool: str, context: StackContext) -> tuple[str, str, str]:
    """What orders a unit among all of a scan's: (tool, template path in POSIX form, stack id)."""
    return tool, Path(context.template_file).as_posix(), context.stack


def shard_units(units: Sequence[tuple[U, StackContext]], shard: Shard | None, tool_of: Mapping[int, str]) -> list[int]:
    """The indexes into ``units`` that ``shard`` runs, in their original order (all of them when ``shard`` is None).

    ``tool_of`` maps each unit's index to its scanner's tool name. Units are ranked by
    ``unit_sort_key``; shard K keeps ranks K-1, K-1+N, K-1+2N, ...
    """
    if shard is None or shard.count == 1:
        return list(range(len(units)))
    ranked = sorted(range(len(units)), key=lambda i: unit_sort_key(tool_of[i], units[i][1]))
    mine = {i for rank, i in enumerate(ranked) if rank % shard.count == shard.index - 1}
    return [i for i in range(len(units)) if i in mine]


def judged_stale(
    warnings: Iterable[LedgerWarning],
    ledger: Ledger,
    *,
    ran: Collection[tuple[str, str]],
    every: Iterable[tuple[str, StackContext]],
    rule_tools: Mapping[str, Collection[str]],
) -> tuple[list[LedgerWarning], list[int]]:
    """``(warnings kept, entry indexes left out)``: stale warnings only for entries this shard could judge.

    ``ran`` holds (tool, stack) of the units this shard ran, ``every`` the (tool, context) of
    every unit of the unsharded scan, ``rule_tools`` rule id → the tools that can report it. An
    entry is judged when every unit that could match it (a tool reporting its rule, on a stack
    in its scope) ran here. Expired warnings are kept: expiry is the entry's own, not the scan's.
    """
    entries = {e.index: e for e in ledger.entries}
    units = list(every)
    kept: list[LedgerWarning] = []
    left_out: list[int] = []
    for warning in warnings:
        entry = entries.get(warning.entry)
        if warning.kind != "stale" or entry is None:
            kept.append(warning)
            continue
        tools = rule_tools.get(entry.rule, ())
        could_match = [
            (tool, context.stack)
            for tool, context in units
            if tool in tools and entry.in_scope(scan_scope([context.stack], context.construct_paths.values()))
        ]
        if all(unit in ran for unit in could_match):
            kept.append(warning)
        else:
            left_out.append(entry.index)
    return kept, left_out
