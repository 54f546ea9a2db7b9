"""CKV_TAP_5: no IAM policy allows every action on every resource, or iam:PassRole on every role."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from checkov.common.models.enums import CheckCategories

from stackcheck.scan import custom
from stackcheck.scan.policy import (PSEUDO_PARAMETERS, Outcome, TemplateView, Unresolved, Verdict, action_matches, as_list,
                                    is_intrinsic, statements)

INLINE = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")


def documents(resource_type: str, properties: Mapping[str, Any],
              view: TemplateView) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, label, policy document) of each policy the resource declares (inline ``Policies`` or ``PolicyDocument``).

    ``label`` names an inline policy of a role, user or group for messages (``policy `admin` ``,
    or ``Policies[1]`` when its ``PolicyName`` is not a literal); it is empty for a policy resource.
    """
    if resource_type in INLINE:
        policies = properties.get("Policies")
        if policies is not None and not isinstance(policies, list):
            yield ("Properties", "Policies"), "", policies
            return
        for index, policy in enumerate(as_list(policies)):
            document = policy.get("PolicyDocument") if isinstance(policy, Mapping) else policy
            name = view.value(policy.get("PolicyName")) if isinstance(policy, Mapping) else None
            label = f"policy `{name}` " if isinstance(name, str) and name else f"Policies[{index}] "
            yield ("Properties", "Policies", index, "PolicyDocument"), label, document
    else:
        yield ("Properties", "PolicyDocument"), "", properties.get("PolicyDocument")


def _items(node: Any, view: TemplateView) -> list[str | None]:
    """The Action or Resource entries as text; None for an entry the deployment decides (a parameter, Fn::If)."""
    found: list[str | None] = []
    for item in node if isinstance(node, list) else [node]:
        text = view.text(item)
        bare = isinstance(text, str) and text.startswith("${") and text.endswith("}") and text.count("${") == 1
        if isinstance(text, Unresolved):
            found.append(None)
        elif bare and "." not in text[2:-1] and text[2:-1] not in PSEUDO_PARAMETERS and view.type_of(text[2:-1]) is None:
            found.append(None)  # a parameter (or a resource this view does not hold) may be "*"
        else:
            found.append(text)  # an ARN built from attributes or pseudo parameters is never "*"
    return found


def statement_problems(statement: Mapping[str, Any], view: TemplateView) -> tuple[list[str], bool]:
    """(problems, undecided) of one Allow statement: ``Action *`` or ``iam:PassRole`` on ``Resource *``."""
    if view.value(statement.get("Effect")) != "Allow" or "Action" not in statement or "Resource" not in statement:
        return [], False
    actions, resources = _items(statement["Action"], view), _items(statement["Resource"], view)
    star = "*" in resources
    problems = []
    if star and any(a in ("*", "*:*") for a in actions):
        problems.append('allows Action "*" on Resource "*"; name the actions and resources it needs')
    elif star and any(a is not None and action_matches(a, "iam:PassRole") for a in actions):
        problems.append('allows iam:PassRole on Resource "*"; name the role ARNs it may pass')
    undecided = (None in resources and any(a is None or action_matches(a, "iam:PassRole") for a in actions)) or (
        None in actions and (star or None in resources))
    return problems, undecided


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one IAM policy, managed policy, or role/user/group with inline policies."""
    kind = {"AWS::IAM::Policy": "Policy", "AWS::IAM::ManagedPolicy": "Managed policy"}.get(
        resource_type, resource_type.rsplit("::", 1)[-1])
    where = f"{kind} `{logical_id}`"
    failures: list[tuple[tuple[str | int, ...], str]] = []
    unknown: list[tuple[tuple[str | int, ...], str]] = []
    seen = False
    for path, label, document in documents(resource_type, properties, view):
        if document is None:
            continue
        seen = True
        if (not isinstance(document, Mapping) or is_intrinsic(document)
                or not isinstance(document.get("Statement"), (list, Mapping))):
            what = f"the document of {label.strip()}" if label else "a policy document"
            unknown.append((path, f"{what} is decided at deploy time"))
            continue
        raw = document.get("Statement")
        for index, statement in enumerate(statements(document)):
            spath = (*path, "Statement", index) if isinstance(raw, list) else (*path, "Statement")
            problems, undecided = statement_problems(statement, view)
            failures += [(spath, f"{label}Statement[{index}] {p}") for p in problems]
            if undecided and not problems:
                unknown.append((spath, f"{label}Statement[{index}]: an Action or Resource is decided at deploy time"))
    if not seen:
        return Verdict(Outcome.NOT_APPLICABLE, "")
    if failures:
        return Verdict(Outcome.FAILED, f"{where}: " + "; ".join(m for _, m in failures), path=failures[0][0])
    if unknown:
        return Verdict(Outcome.UNKNOWN, f"{where}: {unknown[0][1]}; cannot rule out Action * or iam:PassRole on *",
                       path=unknown[0][0])
    return Verdict(Outcome.PASSED, f"{where}: no Allow of every action or of iam:PassRole on Resource *",
                   path=("Properties",))


class IamLeastPrivilege(custom.ResourceCheck):
    """checkov check CKV_TAP_5; logic in ``evaluate``."""

    id = "CKV_TAP_5"
    outcome = 'Ensure no IAM policy allows Action "*" on Resource "*" or iam:PassRole on Resource "*"'
    description = (
        'Action "*" on Resource "*" is administrator access; iam:PassRole on "*" lets the holder hand any role, '
        "including administrator roles, to a service it controls (privilege escalation). Policies of the "
        "migration's roles name their actions and the roles they may pass."
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    resource_types = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", *INLINE)
    categories = (CheckCategories.IAM,)
    evaluate = staticmethod(evaluate)
    live_resource_types = resource_types


check = IamLeastPrivilege()
