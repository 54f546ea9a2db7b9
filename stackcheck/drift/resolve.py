"""Resolving a declared template's intrinsic functions with a deployment's values: physical IDs, parameters, exports, live attributes."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NO_VALUE", "DeclaredResolver", "Deployment", "Unresolved", "contains_unresolved"]


@dataclass(frozen=True)
class Unresolved:
    """A value that could not be resolved; ``reason`` says why (``Fn::GetAtt Bucket.Arn: ...``). Comparing
    it makes the property NOT_CHECKED with that reason, never a difference."""

    reason: str


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
"""``{"Ref": "AWS::NoValue"}``: the key (or list item) holding it is left out."""

_SUB = re.compile(r"\$\{([^}]*)\}")
_PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix")


@dataclass(frozen=True)
class Deployment:
    """What a deployed stack resolves its template with.

    ``physical_ids``: logical ID → physical ID (ListStackResources / DescribeStackResources); ``parameters``:
    parameter → value as deployed (DescribeStacks ``ResolvedValue``, else ``ParameterValue``); ``pseudo``:
    ``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition``, ``AWS::StackName``, ``AWS::StackId``,
    ``AWS::URLSuffix`` (from the StackId ARN); ``exports``: export name → value (ListExports);
    ``attribute(logical ID, attribute)`` answers ``Fn::GetAtt`` from the live template (Unresolved when it
    has no such attribute).
    """

    physical_ids: Mapping[str, str]
    parameters: Mapping[str, str] = field(default_factory=dict)
    pseudo: Mapping[str, str] = field(default_factory=dict)
    exports: Mapping[str, str] = field(default_factory=dict)
    attribute: Callable[[str, str], Any] = lambda lid, attr: Unresolved(f"Fn::GetAtt {lid}.{attr}: not known")

    @staticmethod
    def pseudo_from_stack_id(stack_id: str, stack_name: str) -> dict[str, str]:
        """The pseudo parameters from a StackId ARN (``arn:aws:cloudformation:us-east-1:123456789012:stack/N/guid``)."""
        parts = stack_id.split(":")
        if len(parts) < 6 or parts[0] != "arn":
            return {"AWS::StackName": stack_name}
        partition, region, account = parts[1], parts[3], parts[4]
        suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
        return {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": partition,
            "AWS::StackName": stack_name,
            "AWS::StackId": stack_id,
            "AWS::URLSuffix": suffix,
        }


def contains_unresolved(value: Any) -> bool:
    """True when ``value`` is or holds an Unresolved."""
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, Mapping):
        return any(contains_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unresolved(v) for v in value)
    return False


class DeclaredResolver:
    """Resolves the intrinsic functions of one stack's template
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html) with a
    Deployment: ``Ref`` (resources, parameters, pseudo parameters), ``Fn::GetAtt`` (what the live template
    holds), ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` and the condition functions,
    ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::ImportValue`` (exports). Anything else (``Fn::GetAZs``,
    ``Fn::Cidr``, dynamic references ``{{resolve:...}}``, a resource without a physical ID) becomes an
    Unresolved with the reason, in place: the rest of the value still resolves. Never raises.
    """

    def __init__(self, template: Mapping[str, Any], deployment: Deployment):
        self.template = template
        self.deployment = deployment
        self._conditions: dict[str, bool | Unresolved] = {}

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic resolved (or Unresolved); ``AWS::NoValue`` keys and items dropped."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if isinstance(value, str):
            return Unresolved(f"dynamic reference {value}") if "{{resolve:" in value else value
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._function(key, arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _function(self, name: str, arg: Any) -> Any:
        handler = {
            "Ref": self._ref,
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::ImportValue": self._import,
        }.get(name)
        if handler is None:
            return Unresolved(f"{name} is not resolved by the live-template diff")
        try:
            return handler(arg)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            return Unresolved(f"{name} {arg!r} is malformed or not resolvable ({type(exc).__name__}: {exc})")

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return Unresolved(f"Ref {name!r} is not a name")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in _PSEUDO:
            found = self.deployment.pseudo.get(name)
            return found if found is not None else Unresolved(f"Ref {name}: the deployment does not say")
        if name in (self.template.get("Parameters") or {}):
            found = self.deployment.parameters.get(name)
            if found is None:
                return Unresolved(f"Ref {name}: parameter value not known from DescribeStacks")
            declared = (self.template.get("Parameters") or {}).get(name) or {}
            kind = str(declared.get("Type", ""))
            return found.split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else found
        if name in (self.template.get("Resources") or {}):
            physical = self.deployment.physical_ids.get(name)
            return physical if physical else Unresolved(f"Ref {name}: the deployed stack has no physical ID for it")
        return Unresolved(f"Ref {name}: no such resource or parameter in the template")

    def _getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            lid, _, attr = arg.partition(".")
        else:
            lid, attr = arg[0], self.resolve(arg[1])
        if not isinstance(attr, str) or not attr:
            return Unresolved(f"Fn::GetAtt {arg!r}: the attribute name is not known")
        return self.deployment.attribute(lid, attr)

    def _strings(self, values: Any, what: str) -> list[str] | Unresolved:
        values = self.resolve(values)
        if isinstance(values, Unresolved):
            return values
        if not isinstance(values, list):
            raise TypeError(f"{what} needs a list")
        out = []
        for item in values:
            if isinstance(item, Unresolved):
                return Unresolved(f"{what}: {item.reason}")
            if isinstance(item, bool):
                item = "true" if item else "false"
            if not isinstance(item, (str, int, float)):
                raise TypeError(f"{what} joins a {type(item).__name__}")
            out.append(str(item))
        return out

    def _join(self, arg: Any) -> Any:
        delimiter, values = arg
        parts = self._strings(values, "Fn::Join")
        return parts if isinstance(parts, Unresolved) else str(delimiter).join(parts)

    def _select(self, arg: Any) -> Any:
        index, values = self.resolve(arg[0]), self.resolve(arg[1])
        if isinstance(index, Unresolved) or isinstance(values, Unresolved):
            return index if isinstance(index, Unresolved) else values
        return values[int(index)]

    def _split(self, arg: Any) -> Any:
        delimiter, text = arg[0], self.resolve(arg[1])
        return text if isinstance(text, Unresolved) else str(text).split(str(delimiter))

    def _sub(self, arg: Any) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
        values = {k: self.resolve(v) for k, v in (variables or {}).items()}

        def value(name: str) -> Any:
            if name in values:
                return values[name]
            if "." in name and name.split(".", 1)[0] in (self.template.get("Resources") or {}):
                lid, attr = name.split(".", 1)
                return self.deployment.attribute(lid, attr)
            return self._ref(name)

        failed: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            found = value(name.strip())
            if isinstance(found, Unresolved):
                failed.append(found.reason)
                return ""
            return "true" if found is True else "false" if found is False else str(found)

        result = _SUB.sub(substitute, str(text))
        return Unresolved(f"Fn::Sub: {failed[0]}") if failed else self.resolve(result)

    def _if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        outcome = self.condition(name)
        if isinstance(outcome, Unresolved):
            return Unresolved(f"Fn::If {name}: {outcome.reason}")
        return self.resolve(when_true if outcome else when_false)

    def condition(self, name: str) -> bool | Unresolved:
        """The value of the template's condition ``name`` (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)."""
        if name not in self._conditions:
            self._conditions[name] = Unresolved(f"condition {name} refers to itself")
            declared = (self.template.get("Conditions") or {}).get(name)
            if declared is None:
                self._conditions[name] = Unresolved(f"no condition {name} in the template")
            else:
                self._conditions[name] = self._truth(declared)
        return self._conditions[name]

    def _truth(self, node: Any) -> bool | Unresolved:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping) or len(node) != 1:
            return Unresolved(f"condition {node!r} is not a condition function")
        ((key, arg),) = node.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in arg)
            if isinstance(left, Unresolved) or isinstance(right, Unresolved):
                return left if isinstance(left, Unresolved) else right
            return str(left) == str(right)
        if key in ("Fn::And", "Fn::Or", "Fn::Not"):
            values = [self._truth(v) for v in arg]
            unknown = next((v for v in values if isinstance(v, Unresolved)), None)
            if unknown is not None:
                return unknown
            if key == "Fn::Not":
                return not values[0]
            return all(values) if key == "Fn::And" else any(values)
        return Unresolved(f"condition function {key} is not resolved")

    def _find_in_map(self, arg: Any) -> Any:
        keys = [self.resolve(a) for a in arg]
        unknown = next((k for k in keys if isinstance(k, Unresolved)), None)
        if unknown is not None:
            return unknown
        return self.resolve(self.template["Mappings"][keys[0]][keys[1]][keys[2]])

    def _base64(self, arg: Any) -> Any:
        text = self.resolve(arg)
        return text if isinstance(text, Unresolved) else base64.b64encode(str(text).encode()).decode()

    def _import(self, arg: Any) -> Any:
        name = self.resolve(arg)
        if isinstance(name, Unresolved):
            return name
        found = self.deployment.exports.get(str(name))
        return found if found is not None else Unresolved(f"Fn::ImportValue {name}: no such export (ListExports)")
