"""CKV_TAP_5: no IAM policy allows all actions (or all but some) or iam:PassRole on *; no admin AWS managed policy attached."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import (
    PSEUDO_PARAMETERS,
    Outcome,
    TemplateView,
    Unresolved,
    Verdict,
    action_matches,
    as_list,
    is_intrinsic,
    placeholders,
    statements,
)

INLINE = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")

# AWS managed policies (the ARN after ``policy/``) whose holder has every action, or can give itself every action,
# on every resource without a Condition: the one list both stages use (policies/RULES.md says why each is here).
# Policies granting iam:PassRole on "*" without granting IAM writes (AmazonElasticMapReduceFullAccess, say) are not
# administrator-equivalent by themselves and are left out, as are those whose broad grant has a Condition.
ADMIN_EQUIVALENT: dict[str, str] = {
    "AdministratorAccess": 'Action "*" on Resource "*": administrator access',
    "PowerUserAccess": 'an Allow of every action but iam:*, organizations:* and account:* on Resource "*"',
    "AIDevOpsAgentActionsPolicy": "an Allow of every action but those of IAM, identity and organization services "
    'on Resource "*"',
    "IAMFullAccess": 'iam:* on Resource "*": the holder can attach AdministratorAccess to itself',
    "AdministratorAccess-Amplify": "iam:CreateRole, iam:AttachRolePolicy, iam:UpdateAssumeRolePolicy and iam:PassRole "
    'on Resource "*": the holder can make a role with AdministratorAccess and assume it',
}
# arn:<partition>:iam::<account>:policy/<path and name>, as TemplateView.text renders it (${AWS::Partition} kept).
_POLICY_ARN = re.compile(
    r"arn:(?P<partition>\$\{AWS::Partition\}|[^:]*):iam::(?P<account>\$\{AWS::AccountId\}|[^:]*)"
    r":policy/(?P<name>.+)"
)
_PARTITION = re.compile(r"aws(-[a-z]+)*|\$\{AWS::Partition\}")


def documents(
    resource_type: str, properties: Mapping[str, Any], view: TemplateView
) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
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
        elif (
            bare and "." not in text[2:-1] and text[2:-1] not in PSEUDO_PARAMETERS and view.type_of(text[2:-1]) is None
        ):
            found.append(None)  # a parameter (or a resource this view does not hold) may be "*"
        else:
            found.append(text)  # an ARN built from attributes or pseudo parameters is never "*"
    return found


def _shown(name: str, items: list[str | None]) -> str:
    literal = [i for i in items if i is not None]
    return f"{name} {literal[0]}" if len(literal) == 1 else f"{name} [{', '.join(literal)}]"


def _every_resource(statement: Mapping[str, Any], view: TemplateView) -> tuple[bool | None, str]:
    """(whether the statement applies to every resource, how a message says so); None when the deployment decides.

    ``Resource`` covers every resource when it lists ``*``. ``NotResource`` covers every resource but the ones it
    lists (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html), so it
    counts as every resource unless it lists ``*`` itself (then the statement applies to none).
    """
    if "Resource" in statement:
        resources = _items(statement["Resource"], view)
        return ("*" in resources) or (None if None in resources else False), 'Resource "*"'
    excluded = _items(statement["NotResource"], view)
    if "*" in excluded:
        return False, ""
    return (None if None in excluded else True), f"every resource except {_shown('NotResource', excluded)}"


def statement_problems(statement: Mapping[str, Any], view: TemplateView) -> tuple[list[str], bool]:
    """(problems, undecided) of one Allow statement: every action, every action but some, or ``iam:PassRole`` on
    every resource.

    An Allow with ``NotAction`` allows every action it does not list, of every service, those added later included
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html): on every resource
    it is administrator access but for the services it lists, and fails; a ``NotAction`` listing ``*`` allows
    nothing. Every resource is ``Resource *`` or a ``NotResource`` not listing ``*`` (``_every_resource``).
    An ``Effect`` decided at deploy time (a parameter, ``Fn::If``) leaves undecided what would fail as an Allow.
    """
    if isinstance(view.value(statement.get("Effect")), Unresolved):
        # Allow or Deny is decided at deploy time: undecided if, as an Allow, it would fail or be undecided.
        problems, undecided = statement_problems({**statement, "Effect": "Allow"}, view)
        return [], bool(problems) or undecided
    if (
        view.value(statement.get("Effect")) != "Allow"
        or not ("Action" in statement or "NotAction" in statement)
        or not ("Resource" in statement or "NotResource" in statement)
    ):
        return [], False
    every, where = _every_resource(statement, view)
    if "Action" in statement:
        actions = _items(statement["Action"], view)
        star = any(a in ("*", "*:*") for a in actions)
        passes = any(a is not None and action_matches(a, "iam:PassRole") for a in actions)
        if every and star:
            return [f'allows Action "*" on {where}; name the actions and resources it needs'], False
        if every and passes:
            return [f"allows iam:PassRole on {where}; name the role ARNs it may pass"], False
        return [], (every is None and (passes or None in actions)) or (every is not False and None in actions)
    excluded = _items(statement["NotAction"], view)
    if any(a in ("*", "*:*") for a in excluded):
        return [], False  # every action is excluded: the statement allows nothing
    if every and None not in excluded:
        return [
            f"allows every action except {_shown('NotAction', excluded)} on {where} (NotAction with Allow is "
            "administrator access but for the actions listed); list the actions it needs in Action"
        ], False
    return [], every is not False


def managed_policy_problem(node: Any, view: TemplateView) -> tuple[str | None, bool]:
    """(problem, undecided) of one ``ManagedPolicyArns`` entry: an AWS managed policy of ``ADMIN_EQUIVALENT``.

    The ARN may be built with ``Fn::Join``/``Fn::Sub`` and ``AWS::Partition`` (as CDK writes it). An entry naming a
    customer managed policy (its own account, or a ``Ref`` to an ``AWS::IAM::ManagedPolicy``) passes here: that
    policy is judged as its own resource. Undecided when the partition, account or name of an AWS managed policy,
    or the whole entry (a parameter, ``Fn::If``, ``Fn::ImportValue``), is decided at deploy time.
    """
    text = view.text(node)
    if isinstance(text, Unresolved):
        return None, True
    found = _POLICY_ARN.fullmatch(text)
    if found is None:
        bare = placeholders(text)
        if (
            text.startswith("${")
            and text.endswith("}")
            and len(bare) == 1
            and (view.type_of(bare[0]) == "AWS::IAM::ManagedPolicy")
        ):
            return None, False  # Ref to a customer managed policy of this template
        return None, bool(bare)
    account, name = found["account"], found["name"]
    if account != "aws":
        return None, bool(placeholders(account)) and account != "${AWS::AccountId}"
    if placeholders(name) or not _PARTITION.fullmatch(found["partition"]):
        return None, True
    if name in ADMIN_EQUIVALENT:
        return (
            f"attaches the AWS managed policy {name} ({ADMIN_EQUIVALENT[name]}); attach a policy naming the actions "
            "and resources it needs"
        ), False
    return None, False


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one IAM policy, managed policy, or role/user/group with inline or attached policies.

    FAILED when a statement allows every action, every action but some (``NotAction``) or ``iam:PassRole`` on
    every resource (``statement_problems``), or a role, user or group attaches an AWS managed policy of
    ``ADMIN_EQUIVALENT`` (``managed_policy_problem``); UNKNOWN when an intrinsic decides it; NOT_APPLICABLE for
    a role, user or group with neither inline nor attached policies.
    """
    kind = {"AWS::IAM::Policy": "Policy", "AWS::IAM::ManagedPolicy": "Managed policy"}.get(
        resource_type, resource_type.rsplit("::", 1)[-1]
    )
    where = f"{kind} `{logical_id}`"
    failures: list[tuple[tuple[str | int, ...], str]] = []
    unknown: list[tuple[tuple[str | int, ...], str]] = []
    seen = False
    for path, label, document in documents(resource_type, properties, view):
        if document is None:
            continue
        seen = True
        if (
            not isinstance(document, Mapping)
            or is_intrinsic(document)
            or not isinstance(document.get("Statement"), (list, Mapping))
        ):
            what = f"the document of {label.strip()}" if label else "a policy document"
            unknown.append((path, f"{what} is decided at deploy time"))
            continue
        raw = document.get("Statement")
        for index, statement in enumerate(statements(document)):
            spath = (*path, "Statement", index) if isinstance(raw, list) else (*path, "Statement")
            problems, undecided = statement_problems(statement, view)
            failures += [(spath, f"{label}Statement[{index}] {p}") for p in problems]
            if undecided and not problems:
                unknown.append(
                    (spath, f"{label}Statement[{index}]: its Effect, Action or Resource is decided at deploy time")
                )
    attached = properties.get("ManagedPolicyArns") if resource_type in INLINE else None
    if attached is not None and not isinstance(attached, list):
        seen = True
        unknown.append((("Properties", "ManagedPolicyArns"), "ManagedPolicyArns is decided at deploy time"))
    for index, arn in enumerate(attached if isinstance(attached, list) else []):
        seen = True
        apath = ("Properties", "ManagedPolicyArns", index)
        problem, undecided = managed_policy_problem(arn, view)
        if problem:
            failures.append((apath, f"ManagedPolicyArns[{index}] {problem}"))
        elif undecided:
            unknown.append((apath, f"ManagedPolicyArns[{index}] is decided at deploy time"))
    if not seen:
        return Verdict(Outcome.NOT_APPLICABLE, "")
    if failures:
        return Verdict(Outcome.FAILED, f"{where}: " + "; ".join(m for _, m in failures), path=failures[0][0])
    if unknown:
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: {unknown[0][1]}; cannot rule out Action * or iam:PassRole on *, "
            "or an administrator-equivalent AWS managed policy",
            path=unknown[0][0],
        )
    return Verdict(
        Outcome.PASSED,
        f"{where}: no Allow of every action or of iam:PassRole on Resource *, and no "
        "administrator-equivalent AWS managed policy attached",
        path=("Properties",),
    )


class IamLeastPrivilege(custom.ResourceCheck):
    """checkov check CKV_TAP_5; logic in ``evaluate``."""

    id = "CKV_TAP_5"
    outcome = (
        'Ensure no IAM policy allows Action "*" (or every action but some, NotAction) or iam:PassRole on '
        'Resource "*", and no role, user or group attaches an administrator-equivalent AWS managed policy'
    )
    description = (
        'Action "*" on Resource "*" is administrator access, and so is an Allow with NotAction on every resource but '
        'for the actions it lists; iam:PassRole on "*" lets the holder hand any role, including administrator roles, '
        "to a service it controls (privilege escalation); AdministratorAccess, PowerUserAccess and IAMFullAccess "
        "grant the same. Policies of the migration's roles name their actions and the roles they may pass."
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    resource_types = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", *INLINE)
    categories = (CheckCategories.IAM,)
    evaluate = staticmethod(evaluate)
    live_resource_types = resource_types


check = IamLeastPrivilege()
