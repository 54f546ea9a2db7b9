"""Comparing one declared property value with its live value, as CloudFormation's PropertyDifferences: paths, ADD / REMOVE / NOT_EQUAL."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stackcheck.drift.resolve import Unresolved

__all__ = ["Comparison", "Difference", "compare", "shown"]


@dataclass(frozen=True)
class Difference:
    """One difference: ``path`` (``/VersioningConfiguration/Status``), ``expected`` and ``actual`` as
    CloudFormation shows them (scalars as text, objects and lists as JSON; "" for the missing side),
    ``kind`` ADD, REMOVE or NOT_EQUAL."""

    path: str
    expected: str
    actual: str
    kind: str


@dataclass
class Comparison:
    """What comparing a declared value with a live one found: differences, and declared paths not compared (with why)."""

    differences: list[Difference] = field(default_factory=list)
    unchecked: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: Comparison) -> None:
        self.differences += other.differences
        self.unchecked += other.unchecked


def shown(value: Any) -> str:
    """A value as PropertyDifference's ExpectedValue / ActualValue shows it: text for scalars, JSON otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


_DOMAIN_NAME = re.compile(r"(?:[A-Za-z0-9_*-]+\.)+[A-Za-z][A-Za-z0-9-]*\.?")
_ACCOUNT_ROOT = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")


def _canonical(value: Any) -> str:
    """Scalars compared as CloudFormation does: ``80`` equals ``"80"``, ``true`` equals ``"true"``; a domain name
    equals itself in any case, with or without the trailing dot (DNS names are case-insensitive, RFC 4343, and
    Route 53 answers them lower-case with the dot); an account's root ARN, ``arn:aws:iam::123456789012:root``,
    equals the account ID, as principals (a policy given ``123456789012`` answers the ARN:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if text.lower() in ("true", "false"):
        return text.lower()
    if root := _ACCOUNT_ROOT.fullmatch(text):
        return root.group(1)
    return text.rstrip(".").lower() if _DOMAIN_NAME.fullmatch(text) else text


def _keyed(items: list[Any]) -> bool:
    """A list of ``{"Key": ..., "Value": ...}`` entries (Tags, LoadBalancerAttributes): compared by key."""
    return bool(items) and all(
        isinstance(i, Mapping) and "Key" in i and not isinstance(i["Key"], Unresolved) for i in items
    )


_DOCUMENT_HEADERS = ("Version", "Id")


def _is_document(value: Any) -> bool:
    """A document its service keeps whole: a policy document (IAM, key, bucket, topic, secret policies), an
    object with a ``Statement``; or a state machine's definition in the Amazon States Language, an object with
    ``StartAt`` and ``States`` (https://states-language.net/spec.html)."""
    return isinstance(value, Mapping) and ("Statement" in value or ("StartAt" in value and "States" in value))


def compare(declared: Any, live: Any, path: str = "", *, strict: bool = False) -> Comparison:
    """Compare ``declared`` (resolved, Unresolved in places) with ``live`` at ``path``.

    Only what is declared is compared, as CloudFormation drift detection compares only the values a
    template sets (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html):
    a declared key the live object lacks is not compared (the reader does not read it); a live key the
    template does not set is ignored; JSON object text on both sides is compared as the objects it holds.
    Lists are compared as multisets (the APIs answer in their own order):
    a declared item no live item equals is REMOVE at its declared index, a live item no declared one
    equals is ADD at its live index; lists of Key/Value entries are compared by key (a declared key the
    live list lacks is REMOVE). A scalar equals a one-item list of it (IAM policy documents). An Unresolved
    is not compared: its path is unchecked with the reason.

    A policy document (an object with a ``Statement``) or a state machine definition (``StartAt`` and
    ``States``; ``strict`` for everything inside either) is compared as a whole, as its service keeps it: a
    declared key the live document lacks is REMOVE and a live key the template does not set is ADD (a principal
    added to a trust policy's statement, a state's ``Retry``), but for the ``Version`` and ``Id`` at the
    document's top, which only one side may give.
    """
    found = Comparison()
    document = not strict and _is_document(declared)
    strict = strict or document
    if isinstance(declared, Unresolved):
        found.unchecked.append((path or "/", declared.reason))
        return found
    if isinstance(declared, Mapping):
        if not isinstance(live, Mapping):
            found.differences.append(Difference(path, shown(declared), shown(live), "NOT_EQUAL"))
            return found
        for key, value in declared.items():
            where = f"{path}/{key}"
            if key not in live:
                if document and key in _DOCUMENT_HEADERS:
                    continue
                if strict and not isinstance(value, Unresolved):
                    found.differences.append(Difference(where, shown(value), "", "REMOVE"))
                else:
                    found.unchecked.append((where, "the live state read does not include it"))
            else:
                found.extend(compare(value, live[key], where, strict=strict))
        if strict:
            found.differences += [
                Difference(f"{path}/{key}", "", shown(value), "ADD")
                for key, value in live.items()
                if key not in declared and not (document and key in _DOCUMENT_HEADERS)
            ]
        return found
    if isinstance(declared, list):
        if not isinstance(live, list):
            if len(declared) == 1:
                return compare(declared[0], live, path, strict=strict)
            found.differences.append(Difference(path, shown(declared), shown(live), "NOT_EQUAL"))
            return found
        return _compare_lists(declared, live, path, strict)
    if isinstance(live, list) and len(live) == 1 and not isinstance(live[0], (Mapping, list)):
        live = live[0]
    parsed = _json_pair(declared, live)
    if parsed is not None:
        return compare(*parsed, path, strict=strict)
    if isinstance(live, (Mapping, list)) or live is None or _canonical(declared) != _canonical(live):
        found.differences.append(Difference(path, shown(declared), shown(live), "NOT_EQUAL"))
    return found


def _json_pair(declared: Any, live: Any) -> tuple[Any, Any] | None:
    """Both values parsed, when both are JSON object (or array) text: properties CloudFormation takes as a JSON
    string (DMS ``ReplicationTaskSettings``, ``TableMappings``) come back with the service's defaults filled in
    and its own spacing, so they are compared as the objects they hold; else None."""
    if not (isinstance(declared, str) and isinstance(live, str)) or declared.lstrip()[:1] not in ("{", "["):
        return None
    try:
        first, second = json.loads(declared), json.loads(live)
    except ValueError:
        return None
    if isinstance(first, (Mapping, list)) and isinstance(second, (Mapping, list)):
        return first, second
    return None


def _compare_lists(declared: list[Any], live: list[Any], path: str, strict: bool = False) -> Comparison:
    found = Comparison()
    if _keyed(declared) and all(isinstance(i, Mapping) for i in live):
        by_key = {_canonical(i.get("Key")): i for i in live}
        for index, item in enumerate(declared):
            match = by_key.get(_canonical(item["Key"]))
            if match is None:
                found.differences.append(Difference(f"{path}/{index}", shown(item), "", "REMOVE"))
            else:
                found.extend(compare(item, match, f"{path}/{index}", strict=strict))
        return found
    taken: set[int] = set()
    unmatched: list[int] = []
    for index, item in enumerate(declared):
        for candidate, value in enumerate(live):
            if candidate in taken:
                continue
            result = compare(item, value, f"{path}/{index}", strict=strict)
            if not result.differences:
                taken.add(candidate)
                found.unchecked += result.unchecked
                break
        else:
            unmatched.append(index)
    found.differences += [Difference(f"{path}/{i}", shown(declared[i]), "", "REMOVE") for i in unmatched]
    found.differences += [
        Difference(f"{path}/{i}", "", shown(value), "ADD") for i, value in enumerate(live) if i not in taken
    ]
    return found
