"""E9008: no resource policy (Secrets Manager, S3, SNS, SQS) allows any principal without a condition naming who."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.scan import custom
from stackcheck.scan.policy import (
    Outcome,
    TemplateView,
    Unresolved,
    Verdict,
    as_list,
    is_intrinsic,
    placeholders,
    statements,
)

# policy resource type -> (property holding the document, property naming what it protects, protected type)
POLICIES = {
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy", "SecretId", "AWS::SecretsManager::Secret"),
    "AWS::S3::BucketPolicy": ("PolicyDocument", "Bucket", "AWS::S3::Bucket"),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", "Topics", "AWS::SNS::Topic"),
    "AWS::SQS::QueuePolicy": ("PolicyDocument", "Queues", "AWS::SQS::Queue"),
}

# Global condition keys that narrow who the statement applies to: a principal of an account, organization,
# ARN, or a request from a resource, network or endpoint named in the condition
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
NARROWING_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:userid",
        "aws:username",
    }
)
FIX = "name the principals (account root, role ARNs or a service) or add an aws:PrincipalOrgID/aws:SourceAccount condition"


def _is_everyone(view: TemplateView, node: Any) -> bool | None:
    """True for ``"*"``; False for a text that cannot be ``*`` (an ARN with ``${AWS::AccountId}`` in it); None when
    a parameter or another deploy-time value decides it (the text is one placeholder, or not text at all)."""
    text = view.text(node)
    if isinstance(text, Unresolved):
        return None
    if text == "*":
        return True
    return None if placeholders(text) and text == "${" + placeholders(text)[0] + "}" else False


def _anyone(view: TemplateView, principal: Any) -> bool | None:
    """True when the principal is everyone (``"*"``, ``{"AWS": "*"}``); None when it is decided at deploy time."""
    if isinstance(principal, Mapping) and not is_intrinsic(principal):
        found = [_is_everyone(view, v) for v in as_list(principal.get("AWS"))]
    else:
        found = [_is_everyone(view, principal)]
    if True in found:
        return True
    return None if None in found else False


def _narrowed(condition: Any) -> bool | None:
    """True when a condition operator tests a key of NARROWING_KEYS; None when the condition is an intrinsic."""
    if condition is None:
        return False
    if isinstance(condition, Unresolved) or not isinstance(condition, Mapping):
        return None
    for block in condition.values():
        if isinstance(block, Mapping) and any(str(key).lower() in NARROWING_KEYS for key in block):
            return True
    return False


def statement_outcome(view: TemplateView, statement: Mapping[str, Any]) -> Outcome:
    """FAILED for an Allow to everyone without a narrowing condition, UNKNOWN when that is decided at deploy time."""
    effect = view.value(statement.get("Effect"))
    if isinstance(effect, Unresolved):
        return Outcome.UNKNOWN
    if effect != "Allow" or "NotPrincipal" in statement:
        return Outcome.PASSED  # a Deny grants nothing; NotPrincipal with Allow is refused by these services
    anyone = _anyone(view, statement.get("Principal"))
    if anyone is None:
        return Outcome.UNKNOWN
    if not anyone:
        return Outcome.PASSED
    narrowed = _narrowed(view.value(statement.get("Condition")))
    if narrowed is None:
        return Outcome.UNKNOWN
    return Outcome.PASSED if narrowed else Outcome.FAILED


def check(view: TemplateView) -> Iterator[Verdict]:
    """One verdict per resource policy of POLICIES, on the resource it protects when the template declares it.

    PASSED when no Allow statement applies to every principal (``"*"``, ``{"AWS": "*"}``) without a
    condition on one of NARROWING_KEYS; FAILED naming the first statement that does; UNKNOWN when the
    document, a principal, an effect or a condition is decided at deploy time.
    """
    for policy_type, (document_key, target_key, protected_type) in POLICIES.items():
        for policy in view.of_type(policy_type):
            props = view.properties(policy)
            targets = [view.target(node) for node in as_list(props.get(target_key))]
            declared = [t for t in targets if t is not None and view.type_of(t) == protected_type]
            on = declared or [policy]
            document = props.get(document_key)
            where = f"{policy_type.rsplit('::', 1)[-1]} `{policy}`"
            if declared:
                where += f" on {protected_type.rsplit('::', 1)[-1]} {', '.join(f'`{t}`' for t in declared)}"
            path = ("Properties", document_key)
            if not isinstance(document, Mapping) or is_intrinsic(document):
                for lid in on:
                    yield Verdict(Outcome.UNKNOWN, f"{where}: its {document_key} is decided at deploy time", lid, path)
                continue
            found = [(number, statement_outcome(view, s)) for number, s in enumerate(statements(document))]
            failed = [n for n, outcome in found if outcome is Outcome.FAILED]
            unknown = [n for n, outcome in found if outcome is Outcome.UNKNOWN]
            for lid in on:
                if failed:
                    yield Verdict(
                        Outcome.FAILED,
                        f'{where}: Statement[{failed[0]}] allows any principal ("*") with no condition on the '
                        f"caller's account, organization or network; {FIX}",
                        lid,
                        path,
                    )
                elif unknown:
                    yield Verdict(
                        Outcome.UNKNOWN,
                        f"{where}: Statement[{unknown[0]}]'s effect, principal or condition is decided at deploy time",
                        lid,
                        path,
                    )
                else:
                    yield Verdict(
                        Outcome.PASSED, f"{where}: no statement allows any principal unconditionally", lid, path
                    )


class PublicResourcePolicy(custom.TemplateRule):
    """cfn-lint rule E9008; logic in ``check``."""

    id = "E9008"
    shortdesc = 'Ensure no resource policy allows any principal ("*") without a condition naming who'
    description = (
        'A resource policy that allows Principal "*" without a condition on the caller\'s account, organization '
        "or network opens the secret, bucket, topic or queue to every AWS account: a database secret readable "
        "by anyone with credentials, a topic anyone can publish to."
    )
    source_url = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html"
    tags = ["stackcheck", "iam", "resource-policy"]
    check = staticmethod(check)
    live_resource_types = ("AWS::SecretsManager::Secret", "AWS::S3::Bucket", "AWS::SNS::Topic")
