"""Per-rule CPU seconds inside cfn-lint and checkov, each rule's own time with the rules it calls left out.

cfn-lint runs a rule through its ``match``, ``match_resource_properties`` or ``validate`` method
(JSON-schema rules call their child rules' ``validate`` from inside their own); checkov runs a
resource check's ``run`` per resource and a graph check's ``run`` per template, graph checks on a
thread pool. ``RuleClock`` wraps those methods on the rule objects of a loaded scanner and keeps,
per rule id, the CPU time of the calling thread (``time.thread_time``, so graph checks waiting on
each other for the interpreter lock are not charged for it) spent in the rule, less the time spent
in rules it called. Generators are timed at each step. Parsing a template, building checkov's graph
and anything else outside a rule is not charged to any rule.
"""

from __future__ import annotations

import functools
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["RuleClock", "instrument"]

_MARK = "__stackcheck_timed__"
_CFN_LINT_METHODS = ("match", "match_resource_properties", "validate")


class RuleClock:
    """Exclusive CPU seconds per rule id, across threads; ``take`` hands them out and starts again."""

    def __init__(self, clock: Callable[[], float] = time.thread_time):
        self._clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._totals: list[dict[str, float]] = []

    def _state(self) -> tuple[list[list[Any]], dict[str, float]]:
        state = getattr(self._local, "state", None)
        if state is None:
            state = ([], {})
            self._local.state = state
            with self._lock:
                self._totals.append(state[1])
        return state

    def _enter(self, key: str) -> None:
        self._state()[0].append([key, self._clock(), 0.0])

    def _leave(self) -> None:
        stack, totals = self._state()
        key, started, nested = stack.pop()
        elapsed = self._clock() - started
        totals[key] = totals.get(key, 0.0) + max(elapsed - nested, 0.0)
        if stack:
            stack[-1][2] += elapsed

    def wrap(self, key: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` timed under ``key``; a generator it returns is timed at each step."""

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._enter(key)
            try:
                result = function(*args, **kwargs)
            finally:
                self._leave()
            if isinstance(result, types.GeneratorType):
                return self._steps(key, result)
            return result

        setattr(timed, _MARK, True)
        return timed

    def _steps(self, key: str, generator: types.GeneratorType) -> Iterator[Any]:
        try:
            while True:
                self._enter(key)
                try:
                    item = next(generator)
                except StopIteration as stop:
                    return stop.value
                finally:
                    self._leave()
                yield item
        finally:
            generator.close()

    def take(self) -> dict[str, float]:
        """Seconds per rule id since the last ``take`` (all threads), then zero again."""
        merged: dict[str, float] = {}
        with self._lock:
            for totals in self._totals:
                for key, seconds in list(totals.items()):
                    merged[key] = merged.get(key, 0.0) + seconds
                totals.clear()
        return merged


def _wrap_method(clock: RuleClock, target: Any, name: str, key: str) -> None:
    bound = getattr(target, name, None)
    if bound is None or getattr(bound, _MARK, False):
        return
    setattr(target, name, clock.wrap(key, bound))


def _cfn_lint_rules(scanner: Any) -> list[Any]:
    rules = getattr(scanner, "_rules", None)
    data = getattr(rules, "data", None)
    return list(data.values()) if isinstance(data, dict) else []


def _checkov_checks(scanner: Any) -> list[Any]:
    from checkov.cloudformation.checks.resource.registry import cfn_registry
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    checks: list[Any] = list(getattr(scanner, "pack_checks", ()))
    for registry in (cfn_registry.checks, cfn_registry.wildcard_checks):
        for entity_checks in registry.values():
            checks += entity_checks
    checks += get_graph_checks_registry("cloudformation").checks
    return checks


def instrument(scanner: Any, clock: RuleClock) -> None:
    """Time every rule of ``scanner`` (cfn-lint or checkov; other tools are left alone) on ``clock``.

    Idempotent: a method already timed is not wrapped twice, so it is cheap to call before each
    template (checkov's registry may have gained the policy pack's checks since).
    """
    tool = getattr(scanner, "tool", None)
    if tool == "cfn-lint":
        from cfnlint.rules import CloudFormationLintRule

        for rule in _cfn_lint_rules(scanner):
            for name in _CFN_LINT_METHODS:
                implementation = getattr(type(rule), name, None)
                if implementation is None or implementation is getattr(CloudFormationLintRule, name, None):
                    continue  # the base class's no-op: nothing of the rule's own runs there
                _wrap_method(clock, rule, name, str(rule.id))
    elif tool == "checkov":
        for check in _checkov_checks(scanner):
            _wrap_method(clock, check, "run", str(check.id))
