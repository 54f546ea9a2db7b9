"""Resolving outputs by role, kind and attribute: key words matched against the kind registry, values checked against its shapes, ambiguity and collisions reported."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stackcheck.errors import (
    AmbiguousOutputError,
    BadInputError,
    IdentifierError,
    NextStep,
    OutputNotFoundError,
)
from stackcheck.files import (
    DEFAULT_OUTPUTS_FILE,
)
from stackcheck.outputs.files import flatten_outputs, read_outputs
from stackcheck.outputs.kinds import (
    ATTR_WORDS,
    EXPORTS_PREFIX,
    KINDS,
    ROLE_WORDS,
    AttrSpec,
    KindSpec,
    key_words,
    strip_cdk_hash,
)


def _contains(tokens: Sequence[str], words: Sequence[str]) -> bool:
    pool = list(tokens)
    for word in words:
        if word not in pool:
            return False
        pool.remove(word)
    return True


def _adjacent(tokens: Sequence[str], words: Sequence[str]) -> bool:
    size = len(words)
    return any(sorted(tokens[i : i + size]) == sorted(words) for i in range(len(tokens) - size + 1))


def _without(tokens: Sequence[str], words: Sequence[str]) -> list[str]:
    pool = list(tokens)
    for word in words:
        pool.remove(word)
    return pool


@dataclass(frozen=True)
class OutputEntry:
    """How the resolver reads one output: the kinds its key names (most specific word set wins),
    the attribute word (None when the key has none), the role (None: shared, or a key naming
    several roles) and the remaining qualifier words (``logs`` in ``SourceLogsBucketName``)."""

    key: str
    value: str
    stack: str | None
    kinds: tuple[str, ...]
    attr: str | None
    role: str | None
    qualifiers: tuple[str, ...]


@dataclass(frozen=True)
class OutputMatch:
    """A resolved output: ``value`` read from output ``key`` (of ``stack`` when known);
    ``derived_from`` names the attribute it was derived from ("arn"), None when read as is."""

    key: str
    value: str
    stack: str | None = None
    derived_from: str | None = None


def _norm_name(value: str) -> str:
    return re.sub(r"[\s-]+", "_", value.strip()).lower()


class OutputResolver:
    """Find a stack output by environment role, resource kind and attribute, never by exact key.

    A key qualifies when its words name the kind (``KINDS``), the attribute (``ATTR_WORDS``) and
    the role (``ROLE_WORDS``; no role word means shared), AND its value has the attribute's shape
    (an ARN of that service and resource type, a valid bucket name, ...). ``source`` names where
    the outputs came from in messages.
    """

    def __init__(
        self,
        outputs: Mapping[str, str],
        *,
        source: str = DEFAULT_OUTPUTS_FILE,
        stacks: Mapping[str, str] | None = None,
        kinds: Mapping[str, KindSpec] | None = None,
        roles: Mapping[str, Sequence[str]] | None = None,
        nested: Mapping[str, Mapping[str, str]] | None = None,
    ):
        """``outputs`` is flat ``{key: value}`` with ``stacks`` ``{key: stack name}`` where known; or give
        ``nested`` ``{stack: {key: value}}`` instead, where a key may repeat across stacks (each is
        then found by ``stack=``). ``entries`` and ``outputs`` are keyed by output key, or by
        ``stack/key`` for a key several stacks declare."""
        self.source = str(source)
        self.kinds = dict(KINDS if kinds is None else kinds)
        self.roles = {r: tuple(w) for r, w in (ROLE_WORDS if roles is None else roles).items()}
        # An attribute ATTR_WORDS does not know (a project's ``url``, ``reader_endpoint``) is named by its own words.
        self.attr_words = dict(ATTR_WORDS)
        for spec in self.kinds.values():
            for attr in spec.attrs:
                self.attr_words.setdefault(attr, (tuple(attr.split("_")),))
        stacks = stacks or {}
        triples = (
            [(stack, key, value) for stack, values in nested.items() for key, value in values.items()]
            if nested is not None
            else [(stacks.get(key), key, value) for key, value in outputs.items()]
        )
        keys = [key for _, key, _ in triples]
        self.entries: dict[str, OutputEntry] = {}
        self.outputs: dict[str, str] = {}
        for stack, key, value in triples:
            name = key if keys.count(key) == 1 else f"{stack}/{key}"
            self.entries[name] = self._classify(key, value, stack)
            self.outputs[name] = value
        self.stacks = sorted({stack for stack, _, _ in triples if stack is not None})
        self.parents: dict[str, str] = {}
        """``{nested stack: the stack it is nested in}`` for stacks added with ``add_stack(parent=...)``."""

    def in_stack(self, entry_stack: str | None, stack: str | None) -> bool:
        """True when ``stack`` is None, is ``entry_stack`` or a stack ``entry_stack`` is nested in (at any depth)."""
        if stack is None:
            return True
        seen: set[str] = set()
        while entry_stack is not None and entry_stack not in seen:
            if entry_stack == stack:
                return True
            seen.add(entry_stack)
            entry_stack = self.parents.get(entry_stack)
        return False

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] = DEFAULT_OUTPUTS_FILE, **kwargs: Any) -> OutputResolver:
        """A resolver over a flat or nested outputs file (see ``read_outputs`` for errors raised); in a
        nested file a key may repeat across stacks."""
        flat, nested = read_outputs(path, repeated_keys=True)
        if nested is not None:
            return cls({}, source=str(path), nested=nested, **kwargs)
        return cls(flat, source=str(path), **kwargs)

    @classmethod
    def from_nested(
        cls, nested: Mapping[str, Mapping[str, str]], *, source: str = "DescribeStacks", **kwargs: Any
    ) -> OutputResolver:
        """A resolver over ``{stack: {key: value}}`` (cdk CLI file or ``describe_stack_outputs``);
        a key without a role word takes the role its stack name names; a key may repeat across stacks.
        Raises OutputsError when ``nested`` is not that shape."""
        for stack, values in nested.items():
            flatten_outputs({stack: values}, source=source)  # the shape, stack by stack
        return cls({}, source=source, nested=nested, **kwargs)

    def add_stack(self, stack: str, values: Mapping[str, str], *, parent: str | None = None) -> None:
        """Add the outputs ``{key: value}`` of ``stack`` read elsewhere (DescribeStacks, when the outputs file
        lacks that stack); a key another stack already declares is kept as ``stack/key``. ``parent`` names
        the stack ``stack`` is nested in (``describe_nested_stack_outputs``): a lookup with ``stack=parent``
        then searches it too, and its matches name ``stack``. Raises BadInputError when ``stack`` is
        already known (its outputs are never mixed)."""
        if stack in self.stacks:
            raise BadInputError(f"stack {stack!r} is already in {self.source}; its outputs are not replaced")
        if parent is not None:
            self.parents[stack] = parent
        for key, value in values.items():
            name = key if key not in self.outputs else f"{stack}/{key}"
            self.entries[name] = self._classify(key, str(value), stack)
            self.outputs[name] = str(value)
        self.stacks = sorted({*self.stacks, stack})

    def _classify(self, key: str, value: str, stack: str | None) -> OutputEntry:
        tokens = list(key_words(key))
        # The most specific word set wins: LoadBalancerSecurityGroupId is a security group's, not a
        # load balancer's. Among equally long sets, adjacent words win (FlowLogGroupName in the
        # target environment names a log group, not a target group). Remaining ties make the key
        # a candidate for each tied kind.
        best: dict[str, tuple[tuple[int, bool], tuple[str, ...]]] = {}
        for name, spec in self.kinds.items():
            for words in spec.words:
                if _contains(tokens, words):
                    score = (len(words), _adjacent(tokens, words))
                    if name not in best or score > best[name][0]:
                        best[name] = (score, words)
        top = max((score for score, _ in best.values()), default=None)
        kinds = [name for name, (score, _) in best.items() if score == top]
        rest = _without(tokens, best[kinds[0]][1]) if kinds else tokens
        attr: str | None = None
        attr_words: tuple[str, ...] = ()
        for name, alternatives in self.attr_words.items():
            for words in alternatives:
                if len(words) > len(attr_words) and _contains(rest, words):
                    attr, attr_words = name, words
        rest = _without(rest, attr_words)
        roles = {r for r, words in self.roles.items() if any(w in rest for w in words)}
        if not roles and stack:
            roles = {r for r, words in self.roles.items() if any(w in key_words(stack) for w in words)}
        role_words = {w for words in self.roles.values() for w in words}
        return OutputEntry(
            key=key,
            value=value,
            stack=stack,
            kinds=tuple(kinds),
            attr=attr,
            role=roles.pop() if len(roles) == 1 else None,
            qualifiers=tuple(t for t in rest if t not in role_words),
        )

    def _query(self, role: str | None, kind: str, attr: str) -> tuple[str | None, str, str, KindSpec, AttrSpec]:
        role_name = None if role is None or _norm_name(role) in {"none", "shared", ""} else _norm_name(role)
        if role_name is not None and role_name not in self.roles:
            raise BadInputError(f"unknown role {role!r}; known: {sorted(self.roles)} or None/'shared'")
        kind_name = _norm_name(kind)
        if kind_name not in self.kinds:
            raise BadInputError(f"unknown resource kind {kind!r}; known: {sorted(self.kinds)}")
        spec = self.kinds[kind_name]
        attr_name = _norm_name(attr)
        if attr_name not in spec.attrs:
            raise BadInputError(f"a {spec.label} has no attribute {attr!r} here; known: {sorted(spec.attrs)}")
        return role_name, kind_name, attr_name, spec, spec.attrs[attr_name]

    @staticmethod
    def _qualified(entry: OutputEntry, qualifier: str | None) -> bool:
        if not qualifier:
            return True
        want = re.sub(r"[^a-z0-9]", "", qualifier.lower())
        quals = entry.qualifiers
        return any("".join(quals[i:j]) == want for i in range(len(quals)) for j in range(i + 1, len(quals) + 1))

    def _describe(self, role: str | None, spec: KindSpec, attr: str, qualifier: str | None) -> str:
        qual = f" ({qualifier})" if qualifier else ""
        return f"{role or 'shared'} {spec.label}{qual} {attr}"

    def find(
        self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None, stack: str | None = None
    ) -> list[OutputMatch]:
        """Every output that matches (of ``stack`` only, when given), without raising for none or several
        (values deduplicated).

        Outputs holding the attribute itself win; derived values (bucket name from bucket ARN)
        are returned only when there are none. The app's own outputs win over the ``ExportsOutput*``
        ones CDK adds for cross-stack references.
        """
        return self._find(role, kind, attr, qualifier, stack)[0]

    def _check_stack(self, stack: str | None) -> None:
        if stack is not None and stack not in self.stacks:
            known = ", ".join(self.stacks) or "none: the file names no stack (a flat outputs file)"
            raise OutputNotFoundError(
                f"stack {stack!r} is not in {self.source}; stacks there: {known}", next_step=NextStep.DEPLOY_LOCAL
            )

    def value(self, key: str, *, stack: str | None = None) -> str:
        """The value of output ``key`` exactly (of ``stack`` when given; CDK's hash suffix need not be given).

        Raises OutputNotFoundError naming the closest keys when there is none (or ``stack`` is not in
        the outputs), AmbiguousOutputError when several stacks declare ``key`` and no ``stack`` is given.
        """
        import difflib

        self._check_stack(stack)
        found = [
            e
            for e in self.entries.values()
            if (e.key == key or strip_cdk_hash(e.key) == key) and self.in_stack(e.stack, stack)
        ]
        if not found:
            close = difflib.get_close_matches(key, sorted({e.key for e in self.entries.values()}), n=3)
            where = f" of stack {stack}" if stack else ""
            raise OutputNotFoundError(
                f"output {key!r}{where} not found in {self.source}; closest keys: {close or 'none'}",
                next_step=NextStep.DEPLOY_LOCAL,
            )
        if len({(e.stack, e.key) for e in found}) > 1:
            raise AmbiguousOutputError(
                f"output {key!r} is declared by stacks {sorted(str(e.stack) for e in found)} in {self.source}; pass stack=",
                candidates=[f"{e.stack}/{e.key}" for e in found],
            )
        return found[0].value

    def _find(
        self, role: str | None, kind: str, attr: str, qualifier: str | None, stack: str | None = None
    ) -> tuple[list[OutputMatch], list[str], str]:
        self._check_stack(stack)
        role_name, kind_name, attr_name, spec, attr_spec = self._query(role, kind, attr)
        direct: list[OutputMatch] = []
        derived: list[OutputMatch] = []
        seen: list[str] = []
        key_attrs = attr_spec.key_attrs or (attr_name,)
        derivers = dict(attr_spec.derive_from)
        for entry in self.entries.values():
            if kind_name not in entry.kinds or not self.in_stack(entry.stack, stack):
                continue
            why = None
            if entry.role != role_name:
                why = f"role {entry.role or 'shared'}"
            elif not self._qualified(entry, qualifier):
                why = f"qualifier {' '.join(entry.qualifiers) or 'none'}"
            elif entry.attr is None or entry.attr in key_attrs:
                if attr_spec.shape(entry.value):
                    direct.append(OutputMatch(entry.key, entry.value, entry.stack))
                else:
                    why = f"value {entry.value!r} is not {attr_spec.describe}"
            elif entry.attr in derivers:
                try:
                    value = derivers[entry.attr](entry.value)
                except IdentifierError:
                    value = None
                if value is not None and attr_spec.shape(value):
                    derived.append(OutputMatch(entry.key, value, entry.stack, derived_from=entry.attr))
                else:
                    why = f"value {entry.value!r} does not give {attr_spec.describe}"
            else:
                why = f"holds the {entry.attr}"
            if why:
                seen.append(f"{entry.key} ({why})")
        found = _own_first(direct) or _own_first(derived)
        unique: dict[str, OutputMatch] = {}
        for match in found:
            unique.setdefault(match.value, match)
        if not any(kind_name in e.kinds for e in self.entries.values()):
            seen = [f"{k} (not a {spec.label})" for k in sorted(self.entries)]
        return list(unique.values()), seen, self._describe(role_name, spec, attr_name, qualifier)

    def resolve(
        self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None, stack: str | None = None
    ) -> OutputMatch:
        """The one output that matches, as an OutputMatch.

        Raises OutputNotFoundError (naming the outputs file, what was asked, the candidate keys
        seen with why each was passed over; next step: deploy) when none
        matches, AmbiguousOutputError listing the candidates when several distinct values match,
        and BadInputError for an unknown role, kind or attribute.
        """
        matches, seen, what = self._find(role, kind, attr, qualifier, stack)
        if not matches:
            raise OutputNotFoundError(
                f"output for the {what} not found in {self.source}; candidates: [{', '.join(seen)}]",
                next_step=NextStep.DEPLOY_LOCAL,
            )
        if len(matches) > 1:
            keys = [m.key for m in matches]
            values = {m.value for m in matches}
            quals = sorted(
                {" ".join(e.qualifiers) for e in self.entries.values() if e.key in keys and e.value in values} - {""}
            )
            stacks = sorted({m.stack for m in matches if m.stack})
            hint = (
                f"pass qualifier= one of {quals}"
                if quals
                else f"pass stack= one of {stacks}"
                if len(stacks) > 1
                else "give the outputs distinct names"
            )
            raise AmbiguousOutputError(
                f"{len(matches)} outputs in {self.source} match the {what}: "
                f"{', '.join(f'{m.key}={m.value!r}' for m in matches)}; {hint}",
                candidates=keys,
            )
        return matches[0]

    def get(
        self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None, stack: str | None = None
    ) -> str:
        """The value of the one output that matches (see ``resolve`` for errors raised)."""
        return self.resolve(role=role, kind=kind, attr=attr, qualifier=qualifier, stack=stack).value


def _own_first(matches: list[OutputMatch]) -> list[OutputMatch]:
    """The app's own outputs when there are any, else CDK's ``ExportsOutput*`` ones."""
    own = [m for m in matches if not m.key.startswith(EXPORTS_PREFIX)]
    return own or matches
