"""The drift allowlist: known false drift, by resource type and property path, each with its reason (``policies/drift-allowlist.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.entries import entry_errors
from stackcheck.errors import BadInputError
from stackcheck.files import load_yaml_list

DEFAULT_ALLOWLIST = Path("policies/drift-allowlist.yaml")
MIN_REASON_LENGTH = 10


_ALLOWLIST_KEYS = ("resource_type", "property_path", "reason", "difference_type")
_REQUIRED_KEYS = ("resource_type", "property_path", "reason")
DIFFERENCE_TYPES = ("ADD", "REMOVE", "NOT_EQUAL")
"""PropertyDifference.DifferenceType values an allowlist entry may be limited to."""
_RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@dataclass(frozen=True)
class AllowlistEntry:
    """One allowlist entry; ``index`` is 1-based, ``line`` its line in the file (None when unknown).

    ``property_path`` is a path as CloudFormation reports it in PropertyDifference.PropertyPath
    (``/PolicyDocument/Version``); a trailing ``/*`` covers every path below (``/Tags/*`` covers
    ``/Tags/0/Value``, not ``/Tags`` itself). ``difference_type`` (ADD, REMOVE or NOT_EQUAL, as in
    PropertyDifference.DifferenceType) limits the entry to differences of that type: a value AWS fills
    in is an ADD, and an entry for it must not also allow someone changing the value (NOT_EQUAL);
    None allows every type.
    """

    index: int
    line: int | None
    resource_type: str
    property_path: str
    reason: str
    difference_type: str | None = None

    @property
    def subtree(self) -> bool:
        """True when ``property_path`` ends in ``/*``."""
        return self.property_path.endswith("/*")

    def matches(self, resource_type: str, property_path: str, difference_type: str | None = None) -> bool:
        """True when this entry covers a difference (of ``difference_type``, when given) at ``property_path``
        of a ``resource_type`` resource."""
        if resource_type != self.resource_type:
            return False
        if self.difference_type is not None and difference_type != self.difference_type:
            return False
        if self.subtree:
            return property_path.startswith(self.property_path[:-1])
        return property_path == self.property_path

    def describe(self) -> str:
        """``entry 2 (AWS::RDS::DBInstance /EngineVersion)``, ``entry 3 (AWS::S3::Bucket /BucketEncryption ADD)``."""
        kind = f" {self.difference_type}" if self.difference_type else ""
        return f"entry {self.index} ({self.resource_type} {self.property_path}{kind})"


@dataclass(frozen=True)
class Allowlist:
    """A loaded, valid drift allowlist: the file it came from (None: no file) and its entries in file order."""

    path: Path | None = None
    entries: tuple[AllowlistEntry, ...] = ()

    def match(
        self, resource_type: str, property_path: str, difference_type: str | None = None
    ) -> AllowlistEntry | None:
        """The entry covering this difference (of ``difference_type``, when given): an exact path beats a
        ``/*`` one, a deeper ``/*`` a shallower one, an entry for the difference type one for every type,
        then the first in the file; None when no entry covers it."""
        hits = [e for e in self.entries if e.matches(resource_type, property_path, difference_type)]
        if not hits:
            return None
        return max(hits, key=lambda e: (not e.subtree, len(e.property_path), e.difference_type is not None, -e.index))

    def source(self, entry: AllowlistEntry) -> str:
        """``policies/drift-allowlist.yaml:7`` (where ``entry`` is), for reports."""
        where = str(self.path) if self.path else "allowlist"
        return f"{where}:{entry.line}" if entry.line else f"{where} entry {entry.index}"


def load_allowlist(path: str | Path = DEFAULT_ALLOWLIST) -> Allowlist:
    """Load and validate the drift allowlist at ``path``: a YAML list of
    ``{resource_type, property_path, reason}`` mappings, each with an optional ``difference_type``
    (ADD, REMOVE or NOT_EQUAL). An empty file (or ``[]``) is an empty allowlist.

    Raises BadInputError (exit code 2) naming the file, and each bad entry's index and line with
    the fix: missing file, malformed YAML, not a list, unknown or missing keys, a resource type
    not of the ``AWS::Service::Type`` shape, a property path not starting with ``/``, with empty
    segments, or with ``*`` anywhere but a trailing ``/*`` below a property, a reason shorter than
    ``MIN_REASON_LENGTH`` characters, a difference type not in DIFFERENCE_TYPES, duplicate entries.
    """
    path = Path(path)
    items = load_yaml_list(path, what="drift allowlist", example="- resource_type: ...")
    if not items:
        return Allowlist(path, ())
    entries: list[AllowlistEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, line, raw in items:
        label = f"{path}:{line}: entry {index}" if line else f"{path}: entry {index}"
        if isinstance(raw, dict) and isinstance(raw.get("resource_type"), str):
            label += f" ({raw.get('resource_type')} {raw.get('property_path')})"
        errors = _allowlist_entry_errors(raw)
        if errors:
            problems.extend(f"{label}: {error}" for error in errors)
            continue
        entry = AllowlistEntry(
            index=index,
            line=line,
            resource_type=raw["resource_type"],
            property_path=raw["property_path"],
            reason=raw["reason"].strip(),
            difference_type=raw.get("difference_type"),
        )
        key = (entry.resource_type, entry.property_path, entry.difference_type or "")
        if key in seen:
            problems.append(
                f"{label}: duplicates entry {seen[key]} (same resource type, property path and difference type); keep one"
            )
            continue
        seen[key] = index
        entries.append(entry)
    if problems:
        raise BadInputError(f"drift allowlist {path} is invalid:\n  " + "\n  ".join(problems))
    return Allowlist(path, tuple(entries))


ENTRY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "drift allowlist entry",
    "type": "object",
    "required": list(_REQUIRED_KEYS),
    "additionalProperties": False,
    "x-not-mapping": "must be a mapping with keys {keys}, got {got}",
    "properties": {
        "resource_type": {
            "type": "string",
            "pattern": _RESOURCE_TYPE.pattern,
            "x-missing": "missing 'resource_type'; add `resource_type: AWS::RDS::DBInstance`",
            "x-invalid": "resource_type {value!r} is not a CloudFormation type like AWS::S3::Bucket",
        },
        "property_path": {
            "type": "string",
            "minLength": 1,
            "x-missing": "missing 'property_path'; add `property_path: /EngineVersion`",
            "x-invalid": "property_path must be a path as CloudFormation reports it, starting with '/' "
            "(e.g. /PolicyDocument/Version), got {value!r}",
        },
        "reason": {
            "type": "string",
            "pattern": rf"\S[\s\S]{{{MIN_REASON_LENGTH - 2},}}\S",  # stripped length >= MIN_REASON_LENGTH
            "x-missing": "missing 'reason'; add `reason: <why this difference is not drift, 10+ characters>`",
            "x-invalid": f"reason is {{length}} characters; write at least {MIN_REASON_LENGTH} saying why this "
            "difference is not drift",
        },
        "difference_type": {
            "enum": list(DIFFERENCE_TYPES),
            "x-invalid": f"difference_type {{value!r}} is not one of {', '.join(DIFFERENCE_TYPES)} "
            "(or leave it out: every type)",
        },
    },
}
"""JSON Schema (draft 2020-12) of one allowlist entry, with the ``x-missing`` / ``x-invalid`` messages
``stackcheck.entries.entry_errors`` gives; a property path's shape (segments, wildcards) is checked in
code after it."""


def _allowlist_entry_errors(raw: Any) -> list[str]:
    return entry_errors(raw, ENTRY_SCHEMA, {"property_path": _property_path_errors})


def _property_path_errors(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path != path.strip():
        return [
            f"property_path must be a path as CloudFormation reports it, starting with '/' "
            f"(e.g. /PolicyDocument/Version), got {path!r}"
        ]
    body = path[:-2] if path.endswith("/*") else path
    if "*" in body:
        return [f"property_path {path!r}: '*' is allowed only as a trailing '/*'"]
    if body in ("", "/"):
        return [f"property_path {path!r} would allow every property of the type; name the property (/Tags/*)"]
    if any(segment == "" for segment in body[1:].split("/")):
        return [f"property_path {path!r} has an empty segment ('//' or a trailing '/')"]
    return []
