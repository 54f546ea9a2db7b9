"""The policy pack's core, free of any scanner: verdicts, and the intrinsics a rule can resolve inside a template.

Each rule of ``policies/`` keeps its logic in a plain function over resource properties and a
resolver (``TemplateView`` here; a live-state resolver later), so the same rule id can judge a
synthesized template before merge and the deployed resources at night. Intrinsic functions
follow https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from stackcheck.scan.values import Unresolved, clean, condition, declared_attribute, expression, getatt_name

__all__ = [
    "PSEUDO_PARAMETERS",
    "Outcome",
    "TemplateView",
    "Unresolved",
    "Verdict",
    "action_matches",
    "as_list",
    "balancer_security_groups",
    "clean",
    "crash_message",
    "expression",
    "forwarded_target_groups",
    "is_intrinsic",
    "placeholders",
    "statements",
]

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_INTRINSICS = frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::Join",
        "Fn::Sub",
        "Fn::Select",
        "Fn::FindInMap",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::GetAZs",
        "Fn::Split",
        "Fn::Cidr",
        "Fn::Base64",
        "Fn::ToJsonString",
        "Fn::Length",
        "Fn::Transform",
        "Fn::Equals",
        "Fn::And",
        "Fn::Or",
        "Fn::Not",
        "Condition",
    }
)
# ${Name} or ${Resource.Attribute}; ${!Literal} is an escaped literal and not a placeholder.
_PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]+)\}")


class Outcome(str, Enum):
    """A rule's answer about one target.

    NOT_APPLICABLE produces no finding; UNKNOWN means a value the answer depends on could not
    be resolved (never a guess in either direction).
    """

    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Verdict:
    """One outcome of a rule on one target, with the message a finding carries.

    ``logical_id`` is the resource judged (None for ``Outputs`` or ``Parameters`` entries, and
    for per-resource rules whose caller knows the resource). ``path`` is relative to the
    resource (``("Properties", "Port")``) when ``logical_id`` is set, else from the template
    root (``("Outputs", "Password", "Value")``). The message names the logical ID, the property
    path and the fix.
    """

    outcome: Outcome
    message: str
    logical_id: str | None = None
    path: tuple[str | int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "path", tuple(self.path))


def as_list(value: Any) -> list[Any]:
    """``value`` if a list, ``[]`` if None, else ``[value]`` (IAM and CloudFormation allow either)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def placeholders(text: str) -> list[str]:
    """Names of the ``${...}`` placeholders in a ``TemplateView.text`` rendering, in order."""
    return _PLACEHOLDER.findall(text)


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM policy document (``Statement`` may be one object or a list).

    A document or statement that is not an object (an intrinsic, say) is left out; callers
    that must not miss one check ``isinstance(document, Mapping)`` first.
    """
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def action_matches(pattern: str, action: str) -> bool:
    """True when the IAM action ``pattern`` (``iam:Pass*``, ``*``) covers ``action`` (case-insensitive).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def is_intrinsic(node: Any) -> bool:
    """True when ``node`` is one intrinsic function call (``{"Fn::If": [...]}``, ``{"Ref": "X"}``)."""
    return _intrinsic(node) is not None


def _intrinsic(node: Any) -> tuple[str, Any] | None:
    if isinstance(node, Mapping) and len(node) == 1:
        key = next(iter(node))
        if key in _INTRINSICS:
            return key, node[key]
    return None


class TemplateView:
    """A parsed template, and what its intrinsics resolve to without deploying it.

    ``value`` evaluates intrinsics to plain values where the template alone decides them;
    ``text`` renders a string-valued node as an ``Fn::Sub`` template (``dms.${AWS::Region}.amazonaws.com``,
    ``{{resolve:secretsmanager:${DbSecret}:SecretString:password::}}``), so rules can match
    shapes that hold deploy-time values; ``target`` names the resource a ``Ref``/``Fn::GetAtt``
    points at. Parameters are never resolved to their defaults: a deployment may override them;
    ``bindings`` (parameter name → value) fixes some, as ``scenarios.over_parameters`` does for
    each combination of their AllowedValues. Unresolved values carry their expression, so two
    identical ones compare equal (``Ref AppPort`` == ``Ref AppPort``). ``Fn::GetAtt`` of an
    attribute that echoes a declared property (``GETATT_ECHOES``: a VPC's CidrBlock) is that
    property's value; ``Fn::If`` follows the template's ``Conditions`` where they are decided.
    ``whole=False`` says the view holds one resource of a template (as checkov shows it), so a
    name it does not declare is a parameter or another resource, not a mistake.
    """

    def __init__(self, template: Mapping[str, Any], *, whole: bool = True, bindings: Mapping[str, Any] | None = None):
        self.template = template
        self.whole = whole
        self.bindings: Mapping[str, Any] = dict(bindings or {})
        self._following: set[str] = set()  # the Fn::GetAtt chain being evaluated

    # -- the template's sections ------------------------------------------------------------

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        """``Resources``: logical ID → resource (non-object entries left out)."""
        found = self.template.get("Resources") if isinstance(self.template, Mapping) else None
        if not isinstance(found, Mapping):
            return {}
        return {k: v for k, v in found.items() if isinstance(v, Mapping)}

    @property
    def outputs(self) -> Mapping[str, Mapping[str, Any]]:
        """``Outputs``: output key → output (non-object entries left out)."""
        found = self.template.get("Outputs")
        return {k: v for k, v in found.items() if isinstance(v, Mapping)} if isinstance(found, Mapping) else {}

    @property
    def parameters(self) -> Mapping[str, Mapping[str, Any]]:
        """``Parameters``: name → parameter (non-object entries left out)."""
        found = self.template.get("Parameters")
        return {k: v for k, v in found.items() if isinstance(v, Mapping)} if isinstance(found, Mapping) else {}

    def type_of(self, logical_id: str | None) -> str | None:
        """CloudFormation type of resource ``logical_id``; None if no such resource."""
        resource = self.resources.get(logical_id) if logical_id else None
        kind = resource.get("Type") if resource else None
        return kind if isinstance(kind, str) else None

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        """``Properties`` of resource ``logical_id`` (``{}`` when absent or not an object)."""
        props = (self.resources.get(logical_id) or {}).get("Properties")
        return props if isinstance(props, Mapping) else {}

    def of_type(self, *types: str) -> dict[str, Mapping[str, Any]]:
        """Resources whose type is one of ``types``, logical ID → resource, template order."""
        return {lid: r for lid, r in self.resources.items() if r.get("Type") in types}

    # -- intrinsics -------------------------------------------------------------------------

    def target(self, node: Any) -> str | None:
        """Logical ID of the resource ``node`` names by ``Ref`` or ``Fn::GetAtt``; None otherwise."""
        found = _intrinsic(node)
        if not found:
            return None
        name, arg = found
        if name == "Ref" and isinstance(arg, str):
            logical_id = arg
        elif name == "Fn::GetAtt":
            if isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], str):
                logical_id = arg[0]
            elif isinstance(arg, str):
                logical_id = arg.split(".", 1)[0]
            else:
                return None
        else:
            return None
        return logical_id if logical_id in self.resources else None

    def value(self, node: Any) -> Any:
        """``node`` with intrinsics evaluated where the template alone decides them.

        Scalars come back as they are; lists and objects element by element (an element may be
        Unresolved); an intrinsic that needs deploy-time values (``Ref`` to a parameter or
        resource, ``Fn::GetAtt``, ``Fn::ImportValue``, ``Fn::If``, pseudo parameters) is
        ``Unresolved``. An Unresolved carries the expression it stands for (``Ref AppPort``), so
        identical expressions compare equal; one that evaluates to another expression (``Fn::GetAtt
        Subnet.VpcId`` declared as ``Ref Vpc``, an ``Fn::If`` whose branches agree) is that one.
        """
        found = _intrinsic(node)
        if found:
            result = self._evaluate(*found)
            if isinstance(result, Unresolved) and result.expr is None:
                return Unresolved(result.reason, expression(*found))
            return result
        if isinstance(node, Mapping):
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [self.value(v) for v in node]
        return node

    def _evaluate(self, name: str, arg: Any) -> Any:
        if name == "Ref":
            if isinstance(arg, str) and arg in self.bindings:
                return self.bindings[arg]
            return Unresolved(self._ref_reason(arg))
        if name == "Fn::GetAtt":
            key = getatt_name(arg)
            if key in self._following:  # a property declared as its own attribute: invalid, never a hang
                return Unresolved(f"Fn::GetAtt {key} refers to itself")
            self._following.add(key)
            try:
                return declared_attribute(self, arg)
            finally:
                self._following.discard(key)
        if name == "Fn::If":
            if not (isinstance(arg, (list, tuple)) and len(arg) == 3):
                return Unresolved("malformed Fn::If")
            holds = condition(self, arg[0])
            if not isinstance(holds, Unresolved):
                return self.value(arg[1] if holds else arg[2])
            then, otherwise = self.value(arg[1]), self.value(arg[2])
            return then if then == otherwise else Unresolved(f"Fn::If on condition `{arg[0]}`: {holds.reason}")
        if name == "Fn::Join":
            if not (isinstance(arg, (list, tuple)) and len(arg) == 2 and isinstance(arg[0], str)):
                return Unresolved("malformed Fn::Join")
            parts = self.value(arg[1])
            if isinstance(parts, Unresolved):
                return Unresolved(parts.reason)  # derived from it, not equal to it
            if not isinstance(parts, list):
                return Unresolved("Fn::Join over a non-list")
            for part in parts:
                if isinstance(part, Unresolved):
                    return Unresolved(part.reason)
            return arg[0].join(_scalar_text(p) for p in parts)
        if name == "Fn::Sub":
            rendered = self.text({name: arg})
            if isinstance(rendered, Unresolved):
                return Unresolved(rendered.reason)
            for placeholder in placeholders(rendered):
                logical_id, dot, attribute = placeholder.partition(".")
                known = self.value({"Fn::GetAtt": [logical_id, attribute]} if dot else {"Ref": placeholder})
                if isinstance(known, Unresolved):
                    return Unresolved(f"Fn::Sub placeholder ${{{placeholder}}}: {known.reason}")
                if not isinstance(known, (str, int, float, bool)):
                    return Unresolved(f"Fn::Sub placeholder ${{{placeholder}}} is not a string")
                rendered = rendered.replace("${" + placeholder + "}", _scalar_text(known).replace("${", "${!"))
            return rendered.replace("${!", "${")
        if name == "Fn::Select":
            if not (isinstance(arg, (list, tuple)) and len(arg) == 2):
                return Unresolved("malformed Fn::Select")
            index, items = self.value(arg[0]), self.value(arg[1])
            for part in (index, items):
                if isinstance(part, Unresolved):
                    return Unresolved(part.reason)
            try:
                return items[int(index)]
            except (TypeError, ValueError, IndexError, KeyError):
                return Unresolved("Fn::Select index out of range")
        if name == "Fn::FindInMap":
            keys = self.value(list(arg)) if isinstance(arg, (list, tuple)) and len(arg) >= 3 else None
            if not isinstance(keys, list):
                return Unresolved("malformed Fn::FindInMap")
            for key in keys[:3]:
                if isinstance(key, Unresolved):
                    return Unresolved(key.reason)
            try:
                return self.value(self.template["Mappings"][keys[0]][keys[1]][keys[2]])
            except (KeyError, TypeError):
                return Unresolved(f"Fn::FindInMap {keys[:3]} is not in Mappings")
        return Unresolved(f"{name} is decided only at deploy time")

    def text(self, node: Any) -> str | Unresolved:
        """``node`` rendered as an ``Fn::Sub`` template string.

        Literals stay literal (a ``${`` in them is escaped as ``${!``), numbers and booleans
        become their CloudFormation text, ``Ref X`` becomes ``${X}`` (its value when bound), ``Fn::GetAtt [X, A]``
        becomes ``${X.A}``; ``Fn::Join`` and ``Fn::Sub`` are flattened. Unresolved when a part
        has no string form (``Fn::If``, ``Fn::ImportValue``, a list, an object).
        """
        if isinstance(node, bool):
            return "true" if node else "false"
        if isinstance(node, (int, float)):
            return str(node)
        if isinstance(node, str):
            return node.replace("${", "${!")
        found = _intrinsic(node)
        if not found:
            return Unresolved("an object or list where a string was expected")
        name, arg = found
        if name == "Ref" and isinstance(arg, str):
            return self.text(self.bindings[arg]) if arg in self.bindings else "${" + arg + "}"
        if name == "Fn::GetAtt":
            return "${" + getatt_name(arg) + "}"
        if name == "Fn::Join":
            if not (isinstance(arg, (list, tuple)) and len(arg) == 2 and isinstance(arg[0], str)):
                return Unresolved("malformed Fn::Join")
            if not isinstance(arg[1], (list, tuple)):
                return Unresolved("Fn::Join over a list known only at deploy time")
            parts = [self.text(p) for p in arg[1]]
            for part in parts:
                if isinstance(part, Unresolved):
                    return part
            return arg[0].replace("${", "${!").join(parts)  # type: ignore[arg-type]
        if name == "Fn::Sub":
            body, variables = (
                (arg, {})
                if isinstance(arg, str)
                else ((arg[0], arg[1]) if isinstance(arg, (list, tuple)) and len(arg) == 2 else (None, None))
            )
            if not isinstance(body, str) or not isinstance(variables, Mapping):
                return Unresolved("malformed Fn::Sub")
            rendered: dict[str, str] = {}
            for key, sub in variables.items():
                piece = self.text(sub)
                if isinstance(piece, Unresolved):
                    return piece
                rendered[key] = piece
            return _PLACEHOLDER.sub(lambda m: rendered.get(m.group(1), m.group(0)), body)
        resolved = self.value(node)
        if isinstance(resolved, (str, int, float, bool)):
            return self.text(resolved)
        return resolved if isinstance(resolved, Unresolved) else Unresolved(f"{name} does not give a string")

    def _ref_reason(self, arg: Any) -> str:
        if not isinstance(arg, str):
            return "malformed Ref"
        if arg in PSEUDO_PARAMETERS:
            return f"pseudo parameter {arg} is known only at deploy time"
        if arg in self.parameters:
            return f"depends on parameter {arg}"
        if arg in self.resources:
            return f"Ref to resource `{arg}` is known only after deployment"
        if not self.whole:
            return f"Ref to `{arg}` (a parameter or another resource) is decided at deploy time"
        return f"Ref to `{arg}`, which this template does not declare"

    def walk(self, node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        """Every (path, node) below ``node`` depth first, ``node`` itself first."""
        yield path, node
        if isinstance(node, Mapping):
            for key, value in node.items():
                yield from self.walk(value, (*path, key))
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                yield from self.walk(value, (*path, index))


def forwarded_target_groups(view: TemplateView, action: Mapping[str, Any]) -> set[str]:
    """Logical IDs of the target groups a listener action forwards to (``TargetGroupArn`` and ``ForwardConfig``)."""
    found = {view.target(action.get("TargetGroupArn"))}
    forward = action.get("ForwardConfig")
    if isinstance(forward, Mapping):
        found |= {
            view.target(t.get("TargetGroupArn")) for t in as_list(forward.get("TargetGroups")) if isinstance(t, Mapping)
        }
    return {f for f in found if f}


def balancer_security_groups(view: TemplateView, target_group: str) -> set[str] | None:
    """Security groups (logical IDs) of the load balancers whose listeners forward to ``target_group``.

    Follows ``AWS::ElasticLoadBalancingV2::Listener`` default actions and ``ListenerRule``
    actions to their load balancer's ``SecurityGroups``. None when no listener of the view
    forwards to it, or a listener, load balancer or security group is not a resource of the view.
    """
    balancers: set[str | None] = set()
    for lid, resource in view.of_type(
        "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"
    ).items():
        props = view.properties(lid)
        is_listener = str(resource.get("Type")).endswith("Listener")
        actions = props.get("DefaultActions") if is_listener else props.get("Actions")
        if not any(
            target_group in forwarded_target_groups(view, a) for a in as_list(actions) if isinstance(a, Mapping)
        ):
            continue
        listener = lid if is_listener else view.target(props.get("ListenerArn"))
        balancers.add(view.target(view.properties(listener).get("LoadBalancerArn")) if listener else None)
    if not balancers or None in balancers:
        return None
    groups: set[str] = set()
    for balancer in balancers:
        if balancer is None or view.type_of(balancer) != "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return None
        for node in as_list(view.properties(balancer).get("SecurityGroups")):
            group = view.target(node)
            if group is None:
                return None
            groups.add(group)
    return groups


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def crash_message(rule_id: str, exc: BaseException) -> str:
    """The message of the finding that stands for rule ``rule_id`` raising ``exc``."""
    detail = " ".join(str(exc).split())[:300] or "no message"
    return (
        f"rule {rule_id} raised {type(exc).__name__}: {detail}; its verdicts on this template are unknown "
        "(a rule bug: fix the rule, not the template)"
    )
