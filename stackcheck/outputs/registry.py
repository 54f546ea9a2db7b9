"""A project's own output kinds and roles: the ``[tool.stackcheck.outputs]`` table of its pyproject.toml and ``stackcheck.output_kinds`` entry points, validated and merged over the built-in registry."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from stackcheck.aws.arn import parse_arn
from stackcheck.errors import BadInputError
from stackcheck.outputs.kinds import KINDS, ROLE_WORDS, AttrSpec, KindSpec

TABLE = "tool.stackcheck.outputs"
"""Where a project declares its kinds and roles in pyproject.toml."""
ENTRY_POINT_GROUP = "stackcheck.output_kinds"
"""The entry-point group through which an installed package adds kinds and roles (``entry_point_registries``)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KIND_KEYS = {"label", "words", "attrs"}
_ATTR_KEYS = {"shape", "describe", "derive_from_arn"}


class RegistryError(BadInputError):
    """The ``[tool.stackcheck.outputs]`` table is malformed; the message names the file and the key."""


def arn_last_segment(value: str) -> str:
    """The last ``/`` segment of an ARN's resource: ``arn:aws:sqs:eu-west-1:123456789012:jobs`` → ``jobs``,
    ``arn:aws:states:...:stateMachine:flow`` → ``flow``. Raises IdentifierError for a value that is no ARN."""
    arn = parse_arn(value)
    return arn.resource_id.rsplit("/", 1)[-1]


def _regex_shape(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: bool(compiled.fullmatch(value))


def _fail(where: str, key: str, problem: str) -> RegistryError:
    return RegistryError(f"{where}: [{TABLE}] {key}: {problem}")


def _word_sets(value: Any, where: str, key: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        raise _fail(where, key, 'expected a non-empty list of word lists, e.g. [["queue"], ["sqs", "queue"]]')
    sets: list[tuple[str, ...]] = []
    for i, words in enumerate(value):
        if (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and re.fullmatch(r"[a-z0-9]+", w) for w in words)
        ):
            raise _fail(where, f"{key}[{i}]", f"expected a non-empty list of lower-case words, got {words!r}")
        sets.append(tuple(words))
    return tuple(sets)


def _attr(name: str, value: Any, where: str, key: str) -> AttrSpec:
    if not isinstance(value, Mapping):
        raise _fail(where, key, 'expected a table with "shape" (a regular expression)')
    unknown = sorted(set(value) - _ATTR_KEYS)
    if unknown:
        raise _fail(where, key, f"unknown keys {unknown}; known: {sorted(_ATTR_KEYS)}")
    shape = value.get("shape")
    if not isinstance(shape, str) or not shape:
        raise _fail(where, f"{key}.shape", "required: a regular expression the whole value must match")
    try:
        check = _regex_shape(shape)
    except re.error as exc:
        raise _fail(where, f"{key}.shape", f"not a valid regular expression ({exc})") from None
    describe = value.get("describe", f"a value matching {shape}")
    if not isinstance(describe, str):
        raise _fail(where, f"{key}.describe", "expected a string")
    derive = value.get("derive_from_arn", False)
    if not isinstance(derive, bool):
        raise _fail(where, f"{key}.derive_from_arn", "expected true or false")
    if derive and name == "arn":
        raise _fail(where, f"{key}.derive_from_arn", "the arn attribute cannot derive from itself")
    return AttrSpec(check, describe, derive_from=(("arn", arn_last_segment),) if derive else ())


def _kind(name: str, value: Any, where: str) -> KindSpec:
    key = f"kinds.{name}"
    if not _NAME.match(name):
        raise _fail(where, key, "a kind name is lower-case letters, digits and underscores")
    if not isinstance(value, Mapping):
        raise _fail(where, key, "expected a table with label, words and attrs")
    unknown = sorted(set(value) - _KIND_KEYS)
    if unknown:
        raise _fail(where, key, f"unknown keys {unknown}; known: {sorted(_KIND_KEYS)}")
    label = value.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _fail(where, f"{key}.label", 'required: what the kind is called in messages, e.g. "SQS queue"')
    words = _word_sets(value.get("words"), where, f"{key}.words")
    attrs = value.get("attrs")
    if not isinstance(attrs, Mapping) or not attrs:
        raise _fail(where, f"{key}.attrs", 'required: a table of attribute -> {shape = "regex"}')
    specs: dict[str, AttrSpec] = {}
    for attr, spec in attrs.items():
        if not _NAME.match(attr):
            raise _fail(where, f"{key}.attrs.{attr}", "an attribute name is lower-case letters, digits, underscores")
        specs[attr] = _attr(attr, spec, where, f"{key}.attrs.{attr}")
    derived = [a for a, s in specs.items() if s.derive_from]
    if derived and "arn" not in specs:
        raise _fail(where, f"{key}.attrs.{derived[0]}.derive_from_arn", "the kind has no arn attribute to derive from")
    return KindSpec(label.strip(), words, specs)


def parse_registry(
    table: Mapping[str, Any], *, where: str = "pyproject.toml"
) -> tuple[dict[str, KindSpec], dict[str, tuple[str, ...]]]:
    """The kinds and roles a ``[tool.stackcheck.outputs]`` table declares, as ``({kind: KindSpec}, {role: words})``.

    Shape: ``roles = {blue = ["blue"]}`` (role -> key words naming it) and
    ``[tool.stackcheck.outputs.kinds.<name>]`` with ``label`` (str), ``words`` (list of word lists: a key
    names the kind when it holds all words of one list) and ``attrs.<attr>`` tables with ``shape`` (a
    regular expression the whole value must match), optional ``describe`` and ``derive_from_arn``
    (the value may be derived from the kind's ``arn`` output: its resource's last ``/`` segment).
    Raises RegistryError naming ``where`` and the offending key.
    """
    if not isinstance(table, Mapping):
        raise RegistryError(f"{where}: [{TABLE}] must be a table")
    unknown = sorted(set(table) - {"kinds", "roles"})
    if unknown:
        raise _fail(where, unknown[0], 'unknown key; known: "kinds", "roles"')
    roles_in = table.get("roles", {})
    if not isinstance(roles_in, Mapping):
        raise _fail(where, "roles", 'expected a table of role -> list of words, e.g. {blue = ["blue"]}')
    roles: dict[str, tuple[str, ...]] = {}
    for role, words in roles_in.items():
        if not _NAME.match(role):
            raise _fail(where, f"roles.{role}", "a role name is lower-case letters, digits and underscores")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.isalnum() for w in words):
            raise _fail(where, f"roles.{role}", f"expected a non-empty list of words, got {words!r}")
        roles[role] = tuple(w.lower() for w in words)
    kinds_in = table.get("kinds", {})
    if not isinstance(kinds_in, Mapping):
        raise _fail(where, "kinds", "expected a table of kind name -> table")
    kinds = {name: _kind(name, value, where) for name, value in kinds_in.items()}
    return kinds, roles


def read_pyproject_registry(path: str | os.PathLike[str]) -> Mapping[str, Any]:
    """The ``[tool.stackcheck.outputs]`` table of the pyproject.toml at ``path`` ({} when the file or the
    table does not exist). Raises RegistryError naming the file when it is not valid TOML."""
    where = Path(path)
    if not where.is_file():
        return {}
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{where}: not valid TOML ({exc})") from None
    table: Any = data
    for part in TABLE.split("."):
        table = table.get(part, {}) if isinstance(table, Mapping) else None
    if not isinstance(table, Mapping):
        raise RegistryError(f"{where}: [{TABLE}] must be a table")
    return table


def entry_point_registries() -> list[tuple[str, dict[str, KindSpec], dict[str, tuple[str, ...]]]]:
    """The kinds and roles installed packages declare under the ``stackcheck.output_kinds`` entry-point group,
    as ``[(where, {kind: KindSpec}, {role: words})]`` sorted by entry-point name.

    Each entry point (``[project.entry-points."stackcheck.output_kinds"] queues = "pkg.module:TABLE"``,
    https://packaging.python.org/en/latest/specifications/entry-points/) loads a mapping of the
    ``[tool.stackcheck.outputs]`` shape (see ``parse_registry``), or a callable returning one. Raises
    RegistryError naming the entry point when it cannot be loaded, is not that shape, or declares a kind
    or role another entry point declares too.
    """
    from importlib import metadata

    found: list[tuple[str, dict[str, KindSpec], dict[str, tuple[str, ...]]]] = []
    owners: dict[str, str] = {}
    for point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        where = f"entry point {point.name} = {point.value!r} (group {ENTRY_POINT_GROUP})"
        try:
            table = point.load()
            if callable(table):
                table = table()
        except Exception as exc:
            raise RegistryError(f"{where}: cannot be loaded ({type(exc).__name__}: {exc})") from None
        kinds, roles = parse_registry(table, where=where)
        for name in [f"kinds.{k}" for k in kinds] + [f"roles.{r}" for r in roles]:
            if name in owners:
                raise RegistryError(f"{where}: [{TABLE}] {name}: also declared by {owners[name]}; rename one")
            owners[name] = where
        found.append((where, kinds, roles))
    return found


def project_registry(
    path: str | os.PathLike[str],
) -> tuple[dict[str, KindSpec], dict[str, tuple[str, ...]]]:
    """The built-in KINDS and ROLE_WORDS, merged with the ``stackcheck.output_kinds`` entry points
    (``entry_point_registries``), merged with the pyproject.toml table at ``path``: a kind or role of the
    same name replaces the one before it (project table > entry points > built-ins). Raises RegistryError
    as ``parse_registry`` and ``entry_point_registries``."""
    kinds, roles = dict(KINDS), dict(ROLE_WORDS)
    for _, more_kinds, more_roles in entry_point_registries():
        kinds.update(more_kinds)
        roles.update(more_roles)
    own_kinds, own_roles = parse_registry(read_pyproject_registry(path), where=str(path))
    return {**kinds, **own_kinds}, {**roles, **own_roles}


__all__ = [
    "ENTRY_POINT_GROUP",
    "TABLE",
    "RegistryError",
    "arn_last_segment",
    "entry_point_registries",
    "parse_registry",
    "project_registry",
    "read_pyproject_registry",
]
