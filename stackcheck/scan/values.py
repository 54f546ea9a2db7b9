"""The value model under ``TemplateView``: unresolved values, conditions, and attributes a template declares.

Kept apart from ``policy`` so its size stays small; ``policy`` re-exports ``Unresolved``,
``clean`` and ``expression``. Conditions follow
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["GETATT_ECHOES", "Unresolved", "clean", "condition", "declared_attribute", "expression", "getatt_name"]

# checkov keeps these position keys in every mapping it parses.
_POSITION_KEYS = frozenset({"__startline__", "__endline__", "__file__"})

# Fn::GetAtt attributes documented to return the same-named property as declared (the VPC's
# primary CIDR is its CidrBlock property, and so on). Only these are resolved from the
# template: many attributes share a property's name but not its value (a bucket's ``Arn``).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html#aws-resource-ec2-vpc-return-values
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnet.html#aws-resource-ec2-subnet-return-values
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html#aws-resource-ec2-securitygroup-return-values
GETATT_ECHOES: Mapping[str, frozenset[str]] = {
    "AWS::EC2::VPC": frozenset({"CidrBlock"}),
    "AWS::EC2::Subnet": frozenset({"CidrBlock", "AvailabilityZone", "VpcId"}),
    "AWS::EC2::SecurityGroup": frozenset({"VpcId"}),
}


class Unresolved:
    """A value known only at deploy time (or not at all before deploy); ``reason`` says why.

    ``expr`` is the canonical text of the expression that gives it (``Ref AppPort``,
    ``Fn::GetAtt Db.Endpoint.Port``), when it came from one. Two values with the same ``expr``
    are equal whatever the deploy-time value is (equal by construction); without ``expr`` they
    compare by ``reason``. ``str()`` shows ``expr`` (or the reason) for messages.
    """

    __slots__ = ("expr", "reason")

    def __init__(self, reason: str, expr: str | None = None):
        self.reason = reason
        self.expr = expr

    def __repr__(self) -> str:
        return f"Unresolved({self.reason!r}, expr={self.expr!r})"

    def __str__(self) -> str:
        return self.expr or self.reason

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Unresolved):
            return False
        if self.expr is not None or other.expr is not None:
            return self.expr == other.expr
        return other.reason == self.reason

    def __hash__(self) -> int:
        return hash(("Unresolved", self.expr or self.reason))


class _View(Protocol):
    template: Mapping[str, Any]

    def value(self, node: Any) -> Any: ...

    def type_of(self, logical_id: str | None) -> str | None: ...

    def properties(self, logical_id: str) -> Mapping[str, Any]: ...


def clean(node: Any) -> Any:
    """A plain copy of ``node`` (dicts, lists, scalars) without checkov's position keys."""
    if isinstance(node, Mapping):
        return {str(k): clean(v) for k, v in node.items() if k not in _POSITION_KEYS}
    if isinstance(node, (list, tuple)):
        return [clean(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def getatt_name(arg: Any) -> str:
    """``Resource.Attribute`` of an ``Fn::GetAtt`` argument (list or dotted string form)."""
    if isinstance(arg, (list, tuple)):
        return ".".join(str(a) if isinstance(a, str) else "?" for a in arg)
    return str(arg)


def expression(name: str, arg: Any) -> str:
    """Canonical text of the intrinsic ``{name: arg}``: ``Ref X``, ``Fn::GetAtt X.A``, else sorted JSON."""
    if name == "Ref" and isinstance(arg, str):
        return f"Ref {arg}"
    if name == "Fn::GetAtt":
        return f"Fn::GetAtt {getatt_name(arg)}"
    return json.dumps({name: clean(arg)}, sort_keys=True, default=str)


def declared_attribute(view: _View, arg: Any) -> Any:
    """The value of ``Fn::GetAtt`` ``arg`` where the template declares it (see ``GETATT_ECHOES``).

    Unresolved (with the reason) when the resource is not in the view, the attribute is not
    one that echoes a property, or the property is not declared (AWS then picks it).
    """
    name = getatt_name(arg)
    expr = f"Fn::GetAtt {name}"
    logical_id, _, attribute = name.partition(".")
    kind = view.type_of(logical_id)
    if kind is None or attribute not in GETATT_ECHOES.get(kind, frozenset()):
        return Unresolved(f"Fn::GetAtt {name} is known only after deployment", expr)
    props = view.properties(logical_id)
    if attribute not in props:
        return Unresolved(f"Fn::GetAtt {name}: `{logical_id}` does not declare {attribute}, so AWS picks it", expr)
    return view.value(props[attribute])


def condition(view: _View, name: Any, seen: frozenset[str] = frozenset()) -> bool | Unresolved:
    """Whether condition ``name`` of the template's ``Conditions`` holds; Unresolved when deploy time decides.

    ``Fn::Equals`` of two identical unresolved expressions is true by construction.
    """
    conditions = view.template.get("Conditions")
    if not isinstance(name, str) or not isinstance(conditions, Mapping) or name not in conditions:
        return Unresolved(f"condition {name!r} is not in Conditions")
    if name in seen:
        return Unresolved(f"condition `{name}` refers to itself")
    return _truth(view, conditions[name], seen | {name})


def _truth(view: _View, node: Any, seen: frozenset[str]) -> bool | Unresolved:
    if isinstance(node, bool):
        return node
    if not (isinstance(node, Mapping) and len(node) == 1):
        return Unresolved("malformed condition")
    key, arg = next(iter(node.items()))
    if key == "Condition":
        return condition(view, arg, seen)
    if key == "Fn::Equals":
        if not (isinstance(arg, (list, tuple)) and len(arg) == 2):
            return Unresolved("malformed Fn::Equals")
        left, right = view.value(arg[0]), view.value(arg[1])
        if left == right:
            return True
        for side in (left, right):
            if isinstance(side, Unresolved):
                return side
        return _text(left) == _text(right)
    if key in ("Fn::And", "Fn::Or", "Fn::Not") and isinstance(arg, (list, tuple)):
        values = [_truth(view, a, seen) for a in arg]
        if key == "Fn::Not":
            if len(values) != 1:
                return Unresolved("malformed Fn::Not")
            return values[0] if isinstance(values[0], Unresolved) else not values[0]
        decisive = key == "Fn::Or"  # one true decides an Or, one false an And
        if decisive in values:
            return decisive
        unknown = [v for v in values if isinstance(v, Unresolved)]
        return unknown[0] if unknown else not decisive
    return Unresolved(f"{key} is not a condition function")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
