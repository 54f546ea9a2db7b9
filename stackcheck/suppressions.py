"""The suppression ledger (``policies/suppressions.yaml``): load, validate, apply; expired and stale entries.

The ledger is a YAML list; each entry suppresses one rule on one target::

    - rule: CKV_AWS_18
      target: TapStackdevSource/AccessLogsBucket/Resource   # construct path, or [stack/]logical ID
      reason: the access-log bucket cannot log to itself
      owner: platform-team
      expires: 2026-03-31

A target ending in ``/*`` covers the construct subtree under it (never a whole stack). Any other
``*`` makes the target a construct-path pattern over ``aws:cdk:path`` (wcmatch ``globmatch`` with
``GLOBSTAR``): ``*`` matches within one path segment, ``**`` across segments, e.g.
``Source/**/Resource`` or ``*/Vpc/*Subnet*/RouteTable``; it survives CDK's hash changes. An entry
with ``framework_owned: true`` marks what it covers as CDK-generated (custom-resource provider
Lambdas, ``Custom::`` resources); reports label those findings so. An entry is in force up to the
day before ``expires``; from that day it stops suppressing and is reported.
"""

from __future__ import annotations

import difflib
import os
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from wcmatch import fnmatch, glob

from stackcheck.entries import entry_errors
from stackcheck.errors import LedgerError
from stackcheck.files import load_yaml_list
from stackcheck.findings import Finding, Status, Suppression

__all__ = [
    "DEFAULT_LEDGER",
    "MIN_REASON_LENGTH",
    "Ledger",
    "LedgerEntry",
    "LedgerWarning",
    "apply_ledger",
    "load_ledger",
    "scan_scope",
]

DEFAULT_LEDGER = Path("policies/suppressions.yaml")
MIN_REASON_LENGTH = 10
_KEYS = ("rule", "target", "reason", "owner", "expires")
_OPTIONAL_KEYS = ("framework_owned",)
_GLOB_FLAGS = glob.GLOBSTAR
_OTHER_GLOB_CHARS = frozenset("?[]!{}|")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _LedgerLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so ``2026-13-01`` is a ledger error, not a crash."""


_LedgerLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LedgerEntry:
    """One validated ledger entry; ``index`` is 1-based, ``line`` the entry's line in the file."""

    index: int
    line: int | None
    rule: str
    target: str
    reason: str
    owner: str
    expires: date
    framework_owned: bool = False

    @property
    def subtree(self) -> bool:
        """True when the target ends in ``/*`` (and has no other ``*``): it covers a construct subtree."""
        return self.target.endswith("/*") and "*" not in self.target[:-2]

    @property
    def pattern(self) -> bool:
        """True when the target is a construct-path pattern: a ``*`` other than one trailing ``/*``."""
        return "*" in self.target and not self.subtree

    @property
    def _normalized(self) -> str:
        target = self.target.lstrip("/")
        return target[:-2] if self.subtree else target

    @property
    def stack(self) -> str | None:
        """The stack the target names: the first segment of a construct path or ``stack/logical ID``
        target; None for a bare logical ID, which may match in any stack."""
        head, sep, _ = self.target.lstrip("/").partition("/")
        return head if sep else None

    def in_scope(self, scope: Collection[str]) -> bool:
        """True when the entry can match in a scan of ``scope`` (stack ids and construct path roots);
        a pattern's first segment is matched against them (``**`` first: always in scope)."""
        stack = self.stack
        if stack is None:
            return True
        if self.pattern and "*" in stack:
            return stack == "**" or any(fnmatch.fnmatch(root, stack) for root in scope)
        return stack in scope

    def expired(self, today: date) -> bool:
        """True from the ``expires`` day on."""
        return today >= self.expires

    def matches(self, finding: Finding) -> bool:
        """True when this entry's rule and target cover ``finding`` (whatever its status).

        An exact target equals the finding's construct path (leading ``/`` optional), its
        logical ID, or ``stack/logical ID``; a ``/*`` target covers construct paths below it; a
        pattern target matches the construct path alone (no path, no match).
        """
        if finding.rule_id != self.rule:
            return False
        path = finding.construct_path.lstrip("/") if finding.construct_path else None
        if self.pattern:
            return path is not None and glob.globmatch(path, self._normalized, flags=_GLOB_FLAGS)
        if self.subtree:
            return path is not None and path.startswith(self._normalized + "/")
        names = {path} if path else set()
        if finding.logical_id:
            names |= {finding.logical_id, f"{finding.stack}/{finding.logical_id}"}
        return self._normalized in names

    def specificity(self) -> tuple[int, int]:
        """Sort key: an exact target beats any subtree or pattern; among those, more literal
        characters (``*`` left out) win."""
        if not self.subtree and not self.pattern:
            return (1, 0)
        return (0, len(self._normalized.replace("*", "")))

    def describe(self) -> str:
        """``entry 3 (rule CKV_AWS_18 on Stack/Bucket/Resource)``."""
        return f"entry {self.index} (rule {self.rule} on {self.target})"


@dataclass(frozen=True)
class Ledger:
    """A loaded, valid ledger: the file it came from and its entries in file order."""

    path: Path
    entries: tuple[LedgerEntry, ...] = ()

    def where(self, entry: LedgerEntry) -> str:
        """``policies/suppressions.yaml:12`` (the line of ``entry``), or the file alone."""
        return f"{self.path}:{entry.line}" if entry.line else str(self.path)


@dataclass(frozen=True)
class LedgerWarning:
    """A ledger entry that needs attention: ``kind`` is ``expired`` or ``stale`` (matches nothing)."""

    kind: Literal["expired", "stale"]
    entry: int
    line: int | None
    rule: str
    target: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return {
            "kind": self.kind,
            "entry": self.entry,
            "line": self.line,
            "rule": self.rule,
            "target": self.target,
            "message": self.message,
        }


def ledger_path(given: str | os.PathLike[str] | None) -> Path | None:
    """The ledger to load: ``given`` (which must then exist), else ``DEFAULT_LEDGER`` when this folder
    has one, else None (no ledger: nothing is suppressed, as in a project that has not written one)."""
    if given is not None:
        return Path(given)
    return DEFAULT_LEDGER if DEFAULT_LEDGER.exists() else None


def load_ledger(path: str | Path = DEFAULT_LEDGER, known_rule_ids: Collection[str] | None = None) -> Ledger:
    """Load and validate the ledger at ``path``.

    ``known_rule_ids`` is every rule id the loaded scanners can report; None skips that check.
    Raises LedgerError (exit code 2) naming the file, each bad entry's index and line, and the
    fix: missing file, malformed YAML, not a list, unknown or missing keys, unknown rule id,
    a trailing ``/*`` on a stack, a pattern naming no construct after the stack (``Stack/**``), a
    ``**`` inside a segment, glob characters other than ``*``, ``framework_owned`` not a bool, reason shorter than
    ``MIN_REASON_LENGTH``, empty owner, ``expires`` not a ``YYYY-MM-DD`` date, duplicate entries.
    An empty file is an empty ledger.
    """
    path = Path(path)
    items = load_yaml_list(
        path, what="suppression ledger", example="- rule: ...", error=LedgerError, loader=_LedgerLoader
    )
    if not items:
        return Ledger(path, ())
    known = frozenset(known_rule_ids) if known_rule_ids is not None else None
    entries: list[LedgerEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, line, raw in items:
        where = f"{path}:{line}" if line else str(path)
        rule = raw.get("rule") if isinstance(raw, dict) else None
        label = f"{where}: entry {index}" + (f" (rule {rule})" if isinstance(rule, str) else "")
        errors = _entry_errors(raw, known)
        if errors:
            problems.extend(f"{label}: {error}" for error in errors)
            continue
        entry = LedgerEntry(
            index=index,
            line=line,
            rule=raw["rule"],
            target=raw["target"],
            reason=raw["reason"].strip(),
            owner=raw["owner"].strip(),
            expires=_as_date(raw["expires"]),  # type: ignore[arg-type]
            framework_owned=raw.get("framework_owned", False),
        )
        key = (entry.rule, entry.target.lstrip("/"))
        if key in seen:
            problems.append(f"{label}: duplicates entry {seen[key]} (same rule and target); keep one")
            continue
        seen[key] = index
        entries.append(entry)
    if problems:
        raise LedgerError("suppression ledger is invalid:\n  " + "\n  ".join(problems))
    return Ledger(path, tuple(entries))


def _entry_errors(raw: Any, known: frozenset[str] | None) -> list[str]:
    return entry_errors(
        raw,
        ENTRY_SCHEMA,
        {"rule": lambda rule: _rule_errors(rule, known), "target": _target_errors, "expires": _expires_errors},
    )


def _rule_errors(rule: str, known: frozenset[str] | None) -> list[str]:
    if known is None or rule in known:
        return []
    close = difflib.get_close_matches(rule, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return [f"unknown rule id {rule!r}: no cfn-lint rule or checkov check has it{hint}"]


def _expires_errors(expires: str) -> list[str]:
    # the schema checks the YYYY-MM-DD shape; a calendar date (no 2026-13-01) it cannot
    return [] if _as_date(expires) is not None else [_EXPIRES_INVALID.format(value=expires)]


_EXPIRES_INVALID = "expires {value!r} is not a date; write it as YYYY-MM-DD, e.g. `expires: 2026-03-31`"
_REASON_SHAPE = rf"\S[\s\S]{{{MIN_REASON_LENGTH - 2},}}\S"  # stripped length >= MIN_REASON_LENGTH

ENTRY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "suppression ledger entry",
    "type": "object",
    "required": list(_KEYS),
    "additionalProperties": False,
    "x-not-mapping": "must be a mapping with keys {keys}, got {got}",
    "properties": {
        "rule": {
            "type": "string",
            "minLength": 1,
            "x-missing": "missing 'rule'; add `rule: CKV_AWS_18`",
            "x-invalid": "rule must be a string rule id, got {value!r}",
        },
        "target": {
            "type": "string",
            "pattern": r"^\S+$",
            "x-missing": "missing 'target'; add `target: StackId/Construct/Resource`",
            "x-invalid": "target must be a construct path or logical ID without spaces, got {value!r}",
        },
        "reason": {
            "type": "string",
            "pattern": _REASON_SHAPE,
            "x-missing": "missing 'reason'; add `reason: <why the finding is acceptable, 10+ characters>`",
            "x-invalid": f"reason is {{length}} characters; write at least {MIN_REASON_LENGTH} saying why the finding is acceptable",
        },
        "owner": {
            "type": "string",
            "pattern": r"\S",
            "x-missing": "missing 'owner'; add `owner: <team or person>`",
            "x-invalid": "owner must be a team or person, got {value!r}",
        },
        "expires": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}$",
            "x-missing": "missing 'expires'; add `expires: YYYY-MM-DD`",
            "x-invalid": _EXPIRES_INVALID,
        },
        "framework_owned": {"type": "boolean", "x-invalid": "framework_owned must be true or false, got {value!r}"},
    },
}
"""JSON Schema (draft 2020-12) of one ledger entry, with the ``x-missing`` / ``x-invalid`` messages
``stackcheck.entries.entry_errors`` gives; a rule id's existence, a target's glob shape and a calendar
date are checked in code after it."""


def _target_errors(target: Any) -> list[str]:
    if not isinstance(target, str) or not target.strip() or target != target.strip() or " " in target:
        return [f"target must be a construct path or logical ID without spaces, got {target!r}"]
    other = sorted(_OTHER_GLOB_CHARS & set(target))
    if other:
        return [f"target {target!r}: {' '.join(other)} not allowed; the only wildcards are '*' and '**'"]
    body = target[:-2] if target.endswith("/*") else target
    if "*" not in body:
        if target.endswith("/*") and "/" not in body.strip("/"):
            return [f"target {target!r} would suppress a whole stack; name the construct (Stack/Construct/*)"]
        return []
    segments = target.strip("/").split("/")
    if any("**" in s and s != "**" for s in segments):
        return [f"target {target!r}: '**' must be a whole path segment (Stack/**/Resource)"]
    if not any(s.replace("*", "") for s in segments[1:]):
        return [f"target {target!r} would suppress whole stacks; name a construct after the stack (Stack/**/Resource)"]
    return []


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def apply_ledger(
    findings: Iterable[Finding], ledger: Ledger, today: date | None = None, *, scope: Collection[str] | None = None
) -> tuple[list[Finding], list[LedgerWarning]]:
    """Suppress the FAILED findings that in-force entries cover; report expired and stale entries.

    Returns ``(findings, warnings)``: findings in the same order, each covered FAILED finding as
    SUPPRESSED with the entry's reason, owner and expiry (the narrowest matching entry wins, then
    the first in the file). An expired entry (``today >= expires``) suppresses nothing and gives
    an ``expired`` warning; an in-force entry that covers no FAILED finding gives a ``stale`` one.

    ``scope`` names what was scanned: stack ids and the first segments of the scanned stacks'
    construct paths (``scan_scope``). Entries whose target names another stack (see
    ``LedgerEntry.stack``) are then left out altogether: neither applied nor reported, since
    a scan of some templates says nothing about the others. None (the default) applies every entry.
    """
    today = today or date.today()
    entries = ledger.entries if scope is None else tuple(e for e in ledger.entries if e.in_scope(scope))
    ledger = Ledger(ledger.path, entries)
    in_force = [e for e in ledger.entries if not e.expired(today)]
    expired = [e for e in ledger.entries if e.expired(today)]
    used: set[int] = set()
    uncovered: Counter[int] = Counter()
    result: list[Finding] = []
    for finding in findings:
        if finding.status is not Status.FAILED:
            result.append(finding)
            continue
        for entry in expired:
            if entry.matches(finding):
                uncovered[entry.index] += 1
        hits = [e for e in in_force if e.matches(finding)]
        if not hits:
            result.append(finding)
            continue
        used.update(e.index for e in hits)
        best = max(hits, key=lambda e: (e.specificity(), -e.index))
        result.append(
            finding.suppress(
                Suppression(
                    reason=best.reason,
                    owner=best.owner,
                    expires=best.expires,
                    source=f"{ledger.path} entry {best.index}",
                    framework_owned=best.framework_owned,
                )
            )
        )
    warnings: list[LedgerWarning] = []
    for entry in ledger.entries:
        where = ledger.where(entry)
        if entry.expired(today):
            count = uncovered[entry.index]
            effect = (
                f"{count} finding{'s' if count != 1 else ''} it covered now count as failures"
                if count
                else "it covers no finding now"
            )
            warnings.append(
                LedgerWarning(
                    "expired",
                    entry.index,
                    entry.line,
                    entry.rule,
                    entry.target,
                    f"{where}: {entry.describe()} expired on {entry.expires.isoformat()} and no longer suppresses "
                    f"({effect}); fix the finding, or renew the entry with a new expiry date",
                )
            )
        elif entry.index not in used:
            warnings.append(
                LedgerWarning(
                    "stale",
                    entry.index,
                    entry.line,
                    entry.rule,
                    entry.target,
                    f"{where}: {entry.describe()} matches no failed finding; remove it, or correct its target",
                )
            )
    return result, warnings


def scan_scope(stacks: Iterable[str], construct_paths: Iterable[str] = ()) -> frozenset[str]:
    """The ``scope`` of ``apply_ledger`` for a scan of ``stacks`` whose resources have ``construct_paths``:
    the stack ids and each construct path's first segment (a stack inside a Stage has ``Stage/Stack/...``)."""
    roots = {path.lstrip("/").partition("/")[0] for path in construct_paths}
    return frozenset(stacks) | frozenset(r for r in roots if r)
