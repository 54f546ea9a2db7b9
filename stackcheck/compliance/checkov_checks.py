"""checkov's own CloudFormation checks on the live template, where the live readers cover what a check reads.

checkov's resource checks judge one resource from its ``Properties``. A check runs on a live resource
only when every property it reads is one the live reader of that type reads (``READ_PROPERTIES``):
there an absent property means "not set", as in the template, so checkov's verdict on the live
resource means what it means before merge, under the same id (one ledger entry covers both). Every
other (check, resource type) stays template only, and ``coverage`` says why.

Which properties a check reads: for checkov's value checks (``BaseResourceValueCheck``,
``BaseResourceNegativeValueCheck``) the path of ``get_inspected_key()``; for the others, the string
literals in the source of the check's class and its checkov base classes that name a property of the
resource type in its CloudFormation resource schema (cfn-lint's copy of the registry schemas). For a
property its reader reads only in part (a security group's rules without their descriptions), every
such literal naming a property within it must be among those read. A check that names no property
of the type is template only: a live verdict is given only where its inputs are known.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stackcheck.findings import Severity
from stackcheck.scan.policy import Outcome, TemplateView, Verdict

__all__ = ["Coverage", "checkov_checks", "checkov_forms", "coverage", "declared_types", "properties_read"]

_CHECKS_PACKAGE = "checkov.cloudformation.checks.resource.aws"
_SCHEMA_REGION = "us-east-1"


@dataclass(frozen=True)
class Coverage:
    """Whether one rule judges one resource type on live state: ``live`` True or False (template only), and why.

    ``rule_id`` is the rule's id (a checkov check, or a rule of the policy pack), ``tool`` ``checkov`` or
    ``cfn-lint``, ``why`` one sentence: which properties it reads and where the live form comes from.
    """

    rule_id: str
    tool: str
    resource_type: str
    live: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        """``{"rule_id", "tool", "resource_type", "live", "why"}``."""
        return asdict(self)


@functools.cache
def checkov_checks() -> Mapping[str, tuple[Any, ...]]:
    """Resource type → checkov's own CloudFormation resource checks of that type (not a policy pack's), by id.

    Importing checkov's check package registers every check with checkov's CloudFormation registry, as
    checkov's own runner does.
    """
    importlib.import_module(_CHECKS_PACKAGE)
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    found: dict[str, tuple[Any, ...]] = {}
    for resource_type, checks in cfn_registry.checks.items():
        own = [c for c in checks if type(c).__module__.startswith(_CHECKS_PACKAGE + ".")]
        if own:
            found[resource_type] = tuple(sorted({c.id: c for c in own}.values(), key=lambda c: c.id))
    return found


@functools.cache
def _schema(resource_type: str) -> Mapping[str, Any]:
    """The CloudFormation resource schema of ``resource_type`` (cfn-lint's copy), ``{}`` for a type it lacks."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(_SCHEMA_REGION, resource_type).schema
    except Exception:  # cfn-lint raises ResourceNotFoundError for a type it does not know
        return {}


def _nested_names(schema: Mapping[str, Any], node: Any, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every property name within one property's schema ``node`` ($ref into ``definitions`` followed once each)."""
    names: set[str] = set()
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/") and ref not in seen:
            target = schema.get("definitions", {}).get(ref.rsplit("/", 1)[-1])
            names |= _nested_names(schema, target, seen | {ref})
        for name, value in (node.get("properties") or {}).items():
            names.add(name)
            names |= _nested_names(schema, value, seen)
        for key in ("items", "oneOf", "anyOf", "allOf"):
            child = node.get(key)
            for value in child if isinstance(child, list) else [child]:
                names |= _nested_names(schema, value, seen)
    return names


@functools.cache
def _literals(cls: type) -> frozenset[str]:
    """String literals in the source modules of ``cls`` and its checkov base classes (checkov.common's excluded)."""
    found: set[str] = set()
    for klass in cls.__mro__:
        module = sys.modules.get(klass.__module__)
        if module is None or not klass.__module__.startswith("checkov.cloudformation."):
            continue
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError, SyntaxError):
            continue
        found |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return frozenset(found)


def _inspected_path(check: Any) -> tuple[str | int, ...] | None:
    """``("Properties", "PublicAccessBlockConfiguration", "BlockPublicAcls")`` of a value check, else None."""
    from checkov.cloudformation.checks.resource.base_resource_negative_value_check import (
        BaseResourceNegativeValueCheck,
    )
    from checkov.cloudformation.checks.resource.base_resource_value_check import BaseResourceValueCheck

    if not isinstance(check, (BaseResourceValueCheck, BaseResourceNegativeValueCheck)):
        return None
    parts: list[str | int] = []
    for part in str(check.get_inspected_key()).split("/"):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            parts.append(int(part[1:-1]))
        elif part:
            parts.append(part)
    return tuple(parts) if parts and parts[0] == "Properties" else None


def properties_read(check: Any, resource_type: str) -> dict[str, frozenset[str]]:
    """Top-level property of ``resource_type`` → the names within it that ``check`` reads, as far as can be told.

    A value check reads its inspected key's path; any other check, the property names of the type's
    schema that appear as string literals in its source or in its ``get_evaluated_keys()`` (see the module
    docstring). ``{}`` when none does.
    """
    path = _inspected_path(check)
    if path is not None and len(path) > 1 and isinstance(path[1], str):
        return {path[1]: frozenset(p for p in path[2:] if isinstance(p, str))}
    schema = _schema(resource_type)
    literals = set(_literals(type(check)))  # type: ignore[arg-type]  # a class is hashable
    try:
        evaluated = [str(key).split("/") for key in check.get_evaluated_keys() or ()]
    except Exception:  # a check whose evaluated keys depend on a scan not made
        evaluated = []
    literals |= {part for parts in evaluated for part in parts}
    found: dict[str, frozenset[str]] = {}
    for name, node in (schema.get("properties") or {}).items():
        if name in literals:
            found[name] = frozenset(_nested_names(schema, node) & literals)
    return found


def _judge(check: Any, resource_type: str, read: Mapping[str, Mapping[str, frozenset[str] | None]]) -> tuple[bool, str]:
    """(live, why) for ``check`` on ``resource_type``."""
    covered = read.get(resource_type)
    if covered is None:
        return False, f"no live reader for {resource_type}"
    needs = properties_read(check, resource_type)
    if not needs:
        return False, "could not tell which properties the check reads"
    unread = sorted(name for name in needs if name not in covered)
    if unread:
        return False, f"reads {', '.join(unread)}, which the live reader does not read"
    partial = sorted(
        f"{name}.{inner}"
        for name, inners in needs.items()
        if covered[name] is not None
        for inner in inners - (covered[name] or frozenset())
    )
    if partial:
        return False, f"reads {', '.join(partial)}, which the live reader does not read"
    return True, f"reads {', '.join(sorted(needs))}, read live"


def _evaluator(check: Any, path: tuple[str | int, ...] | None) -> Any:
    """The live form of ``check``: ``(logical_id, resource_type, properties, view) -> Verdict``."""
    from checkov.common.models.enums import CheckResult

    where_path = path or ("Properties",)

    def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
        result = check.scan_entity_conf({"Type": resource_type, "Properties": dict(properties)}, resource_type)
        result = result[0] if isinstance(result, tuple) else result
        where = f"{resource_type} `{logical_id}`"
        if result == CheckResult.PASSED:
            return Verdict(Outcome.PASSED, f"{where}: {check.name}", path=where_path)
        if result == CheckResult.FAILED:
            return Verdict(Outcome.FAILED, f"{where} fails checkov's check: {check.name}", path=where_path)
        return Verdict(Outcome.NOT_APPLICABLE, "")

    return evaluate


def checkov_forms(
    taken: Collection[str], read: Mapping[str, Mapping[str, frozenset[str] | None]] | None = None
) -> tuple[Any, ...]:
    """The live forms (``stackcheck.compliance.LiveForm``) of checkov's own checks, one per check id not in ``taken``.

    A form judges the resource types of ``read`` (default ``READ_PROPERTIES``) on which the check is
    live (``coverage``); a check live on none has no form. Its rule carries checkov's id, name, guideline
    and severity ERROR (checkov knows severities only from its platform), its evaluate function calls
    the check's ``scan_entity_conf`` on the live resource: PASSED / FAILED as checkov answers, anything
    else (SKIPPED, UNKNOWN) not applicable, as checkov's own runner reports no result for those.
    """
    from stackcheck.compliance.forms import LiveForm
    from stackcheck.compliance.live import READ_PROPERTIES
    from stackcheck.scan.custom import RuleInfo

    read = READ_PROPERTIES if read is None else read
    live_types: dict[str, list[str]] = {}
    by_id: dict[str, Any] = {}
    for resource_type, checks in sorted(checkov_checks().items()):
        for check in checks:
            if check.id in taken:
                continue
            if _judge(check, resource_type, read)[0]:
                live_types.setdefault(check.id, []).append(resource_type)
                by_id[check.id] = check
    forms = []
    for check_id, types in sorted(live_types.items()):
        check = by_id[check_id]
        module = sys.modules[type(check).__module__]
        rule = RuleInfo(
            id=check_id,
            name=type(check).__name__,
            tool="checkov",
            outcome=str(check.name),
            description=f"checkov's {check_id} on the live resource: {check.name}",
            source_url=str(check.guideline or ""),
            severity=Severity.ERROR,
            file=Path(str(module.__file__)),
            evaluate=_evaluator(check, _inspected_path(check)),
        )
        forms.append(LiveForm(rule=rule, resource_types=tuple(types), origin="checkov"))
    return tuple(forms)


def coverage(
    forms: Collection[Any],
    resource_types: Collection[str],
    read: Mapping[str, Mapping[str, frozenset[str] | None]] | None = None,
) -> tuple[Coverage, ...]:
    """One row per (rule, resource type) for the types in ``resource_types``: every live form and every
    checkov check of the type, live or template only, and why; sorted by type, then rule id.

    ``forms`` are the live forms run (``live_forms``): the policy pack's, stackcheck's own forms of
    checkov checks (``stackcheck.compliance.library``) and checkov's checks run as they are.
    """
    from stackcheck.compliance.live import READ_PROPERTIES

    read = READ_PROPERTIES if read is None else read
    rows: dict[tuple[str, str], Coverage] = {}
    checks = checkov_checks()
    for form in forms:
        for resource_type in form.resource_types:
            if resource_type not in resource_types:
                continue
            if form.origin == "checkov":
                check = next(c for c in checks.get(resource_type, ()) if c.id == form.id)
                why = "checkov's check on the live resource; " + _judge(check, resource_type, read)[1]
            elif form.origin == "library":
                why = "stackcheck's live form of checkov's check (stackcheck.compliance.library)"
            else:
                why = "the policy pack's live form"
            rows[(resource_type, form.id)] = Coverage(form.id, form.rule.tool, resource_type, True, why)
    for resource_type in resource_types:
        for check in checks.get(resource_type, ()):
            if (resource_type, check.id) not in rows:
                _, why = _judge(check, resource_type, read)
                rows[(resource_type, check.id)] = Coverage(check.id, "checkov", resource_type, False, why)
    return tuple(rows[key] for key in sorted(rows))


def declared_types(templates: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Every resource ``Type`` the ``templates`` (parsed CloudFormation templates) declare."""
    found: set[str] = set()
    for template in templates:
        resources = template.get("Resources")
        for resource in resources.values() if isinstance(resources, Mapping) else ():
            if isinstance(resource, Mapping) and isinstance(resource.get("Type"), str):
                found.add(resource["Type"])
    return frozenset(found)
