"""A rule's verdicts over every value a template's constrained parameters can take at deploy time.

A parameter is *constrained* when it declares ``AllowedValues``: CloudFormation rejects any
other value, so judging each one decides the rule for every deployment. A ``Default`` alone
does not constrain: a deployment may pass any value, so such a parameter (like one with neither)
stays unresolved and a rule that depends on it answers UNKNOWN "depends on parameter X".
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html

cfn-lint 1.x resolves parameters too (``cfnlint.jsonschema`` resolvers via
``context.ref_value``), but it offers the Default as a candidate, stops after a fixed number of
values without saying so, and has no notion of two unknown values being equal, so its
answers cannot tell "every deployment passes" from "the values it tried passed".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from stackcheck.scan.policy import Outcome, TemplateView, Verdict, placeholders

__all__ = ["MAX_SCENARIOS", "candidates", "over_parameters"]

MAX_SCENARIOS = 64
"""Most parameter combinations judged; with more, constrained parameters stay unresolved (UNKNOWN)."""

# Parameter types whose Ref is one scalar; list types (CommaDelimitedList, List<...>) are not enumerated.
_SCALAR_TYPES = ("String", "Number")
_RANK = {Outcome.PASSED: 0, Outcome.UNKNOWN: 1, Outcome.FAILED: 2}


def candidates(parameter: Mapping[str, Any]) -> list[Any] | None:
    """The values a parameter can take, from its ``AllowedValues``; None when unconstrained.

    ``Number`` parameters give numbers (``"22"`` → 22) so rules compare them as numbers; other
    scalar types (``String``, ``AWS::EC2::VPC::Id`` and kin) keep the declared values; list and
    SSM types are never enumerated (None). A ``Default`` alone is not a constraint.
    """
    allowed = parameter.get("AllowedValues")
    kind = parameter.get("Type")
    if not isinstance(kind, str) or not (kind in _SCALAR_TYPES or _is_named_resource(kind)):
        return None
    if not isinstance(allowed, list) or not allowed or not all(isinstance(v, (str, int, float)) for v in allowed):
        return None
    if kind != "Number":
        return list(dict.fromkeys(allowed))
    numbers: list[Any] = []
    for value in allowed:
        try:
            number = float(value)
        except ValueError:
            return None
        numbers.append(int(number) if number.is_integer() else number)
    return list(dict.fromkeys(numbers))


def _is_named_resource(kind: str) -> bool:
    """``AWS::EC2::VPC::Id`` and kin (one name); not lists, nor SSM types (AllowedValues name the SSM key, not its value)."""
    return kind.startswith("AWS::") and not kind.startswith("AWS::SSM::") and "List<" not in kind


def _referenced(view: TemplateView, names: Iterable[str]) -> list[str]:
    """Which of ``names`` the template refers to (``Ref`` or an ``Fn::Sub`` placeholder), in declaration order."""
    used: set[str] = set()
    for _, node in view.walk({k: v for k, v in view.template.items() if k != "Parameters"}):
        if isinstance(node, Mapping) and len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and isinstance(arg, str):
                used.add(arg)
            elif key == "Fn::Sub":
                body = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg else ""
                used.update(placeholders(body) if isinstance(body, str) else [])
    return [n for n in names if n in used]


def _target(verdict: Verdict) -> tuple[Any, ...]:
    """What a verdict judges: its resource, or the ``Outputs``/``Parameters`` entry its path starts with."""
    return (verdict.logical_id,) if verdict.logical_id else (None, *verdict.path[:2])


def over_parameters(view: TemplateView, check: Callable[[TemplateView], Iterable[Verdict]]) -> Iterator[Verdict]:
    """``check``'s verdicts on ``view``, judged once per combination of constrained parameter values.

    Verdicts are grouped by target (logical ID, or the template-level entry for verdicts without
    one); a target's outcome under one combination is its worst verdict (FAILED > UNKNOWN >
    PASSED), and its overall outcome the worst over the combinations. The verdicts given are
    those of the first combination with that outcome; unless every combination gives it, each
    message ends ``when AppPort = 22`` (the parameters whose values set those combinations
    apart, `` and ``-joined). PASSED messages that differ between combinations end ``when
    AppPort = 80; likewise for every other allowed value of AppPort``. NOT_APPLICABLE verdicts,
    and combinations that give a target no verdict, do not count. Without constrained parameters
    the template uses (or with more than ``MAX_SCENARIOS`` combinations) this is ``check(view)``.
    """
    constrained = {n: candidates(p) for n, p in view.parameters.items() if n not in view.bindings}
    names = _referenced(view, [n for n, c in constrained.items() if c])
    if not names or math.prod(len(constrained[n] or ()) for n in names) > MAX_SCENARIOS:
        yield from check(view)
        return
    # target → [(combination, that combination's verdicts on the target)], targets in first-seen order
    judged: dict[tuple[Any, ...], list[tuple[dict[str, Any], list[Verdict]]]] = {}
    for values in itertools.product(*(constrained[n] or () for n in names)):
        binding = dict(zip(names, values, strict=True))
        scenario = TemplateView(view.template, whole=view.whole, bindings={**view.bindings, **binding})
        found: dict[tuple[Any, ...], list[Verdict]] = {}
        for verdict in check(scenario):
            if verdict.outcome is not Outcome.NOT_APPLICABLE:
                found.setdefault(_target(verdict), []).append(verdict)
        for key, verdicts in found.items():
            judged.setdefault(key, []).append((binding, verdicts))
    for runs in judged.values():
        yield from _merge(runs)


def _merge(runs: list[tuple[dict[str, Any], list[Verdict]]]) -> Iterator[Verdict]:
    """One target's verdicts over the combinations it was judged under (see ``over_parameters``)."""
    worst = [max(_RANK[v.outcome] for v in verdicts) for _, verdicts in runs]
    rank = max(worst)
    binding, verdicts = runs[worst.index(rank)]
    if rank == _RANK[Outcome.PASSED]:
        differ = len({tuple(v.message for v in vs) for _, vs in runs}) > 1
        names = " and ".join(binding)
        suffix = (
            f" when {_shown(binding, binding)}; likewise for every other allowed value of {names}" if differ else ""
        )
    elif all(w == rank for w in worst):
        suffix = ""  # the same outcome whatever the parameters are
    else:
        chosen = [b for (b, _), w in zip(runs, worst, strict=True) if w == rank]
        decisive = {
            n: v for n, v in binding.items() if {b[n] for b in chosen} != {b[n] for b, _ in runs}
        }  # parameters whose value separates these combinations from the others
        suffix = f" when {_shown(decisive or binding, binding)}"
    for verdict in verdicts:
        if _RANK[verdict.outcome] == rank:
            yield Verdict(verdict.outcome, verdict.message + suffix, verdict.logical_id, verdict.path)


def _shown(names: Mapping[str, Any], binding: Mapping[str, Any]) -> str:
    """``AppPort = 22 and Env = dev``: the values ``binding`` gives ``names``."""
    return " and ".join(f"{n} = {binding[n]}" for n in names)
