"""E9003: every S3 bucket has a bucket policy in the same template denying requests without TLS."""

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

FIX = "add a Deny of s3:* for Principal * when aws:SecureTransport is false on the bucket and `/*` (CDK: enforce_ssl=True)"


def _secure_transport_false(condition: Any) -> bool | None:
    """True when the condition denies plain HTTP (``Bool``/``BoolIfExists`` aws:SecureTransport false); None if unknown."""
    if not isinstance(condition, Mapping):
        return False
    for operator in ("Bool", "BoolIfExists"):
        block = condition.get(operator)
        if isinstance(block, Mapping):
            for key, value in block.items():
                if key.lower() == "aws:securetransport":
                    values = [str(v).lower() for v in as_list(value)]
                    return "false" in values
    return False


def _bucket_names(view: TemplateView, bucket: str) -> tuple[set[str], set[str]]:
    """Texts a statement Resource uses for the bucket itself and for its objects."""
    arns = {"${" + bucket + ".Arn}", "arn:${AWS::Partition}:s3:::${" + bucket + "}", "arn:aws:s3:::${" + bucket + "}"}
    name = view.value(view.properties(bucket).get("BucketName"))
    if isinstance(name, str):
        arns |= {f"arn:aws:s3:::{name}", "arn:${AWS::Partition}:s3:::" + name}
    return arns, {f"{arn}/*" for arn in arns}


def statement_outcome(view: TemplateView, bucket: str, statement: Mapping[str, Any]) -> tuple[str, str]:
    """``("ok"|"partial"|"unknown"|"no", detail)`` for one bucket policy statement."""
    if view.value(statement.get("Effect")) != "Deny":
        return "no", ""
    principal = view.value(statement.get("Principal"))
    principals = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else as_list(principal)
    if "*" not in principals:
        return "no", ""
    actions = as_list(view.value(statement.get("Action")))
    if not any(a in ("*", "s3:*") for a in actions if isinstance(a, str)):
        return "no", ""
    if not _secure_transport_false(view.value(statement.get("Condition"))):
        return "no", ""
    texts = [view.text(r) for r in as_list(statement.get("Resource"))]
    if "*" in texts:
        return "ok", ""
    bucket_arns, object_arns = _bucket_names(view, bucket)
    on_bucket = any(t in bucket_arns for t in texts)
    on_objects = any(t in object_arns for t in texts)
    if on_bucket and on_objects:
        return "ok", ""
    if any(
        isinstance(t, Unresolved)
        or (isinstance(t, str) and set(placeholders(t)) - {bucket + ".Arn", bucket, "AWS::Partition"})
        for t in texts
    ):
        return "unknown", "its Resource is decided at deploy time"
    missing = "its objects (`/*`)" if on_bucket else "the bucket itself" if on_objects else "the bucket or its objects"
    return "partial", f"the TLS Deny does not cover {missing}"


def check(view: TemplateView) -> Iterator[Verdict]:
    """One verdict per ``AWS::S3::Bucket``: PASSED when a bucket policy of the template denies non-TLS requests."""
    policies = view.of_type("AWS::S3::BucketPolicy")
    for bucket in view.of_type("AWS::S3::Bucket"):
        name = view.value(view.properties(bucket).get("BucketName"))
        mine, unknown_policies = [], []
        for policy in policies:
            node = view.properties(policy).get("Bucket")
            target = view.target(node)
            value = view.value(node)
            if target == bucket or (isinstance(name, str) and value == name):
                mine.append(policy)
            elif target is None and isinstance(value, Unresolved):
                unknown_policies.append(policy)
        where = f"Bucket `{bucket}`"
        if not mine:
            if unknown_policies:
                yield Verdict(
                    Outcome.UNKNOWN,
                    f"{where}: bucket policies {unknown_policies} name their bucket only at "
                    "deploy time; cannot tell whether one denies non-TLS requests",
                    bucket,
                    ("Properties",),
                )
            else:
                yield Verdict(
                    Outcome.FAILED,
                    f"{where}: no AWS::S3::BucketPolicy in this template; {FIX}",
                    bucket,
                    ("Properties",),
                )
            continue
        results = []
        for policy in mine:
            document = view.properties(policy).get("PolicyDocument")
            if not isinstance(document, Mapping) or is_intrinsic(document):
                results.append((policy, "unknown", "its PolicyDocument is decided at deploy time"))
                continue
            results += [(policy, *statement_outcome(view, bucket, s)) for s in statements(document)]
        good = [p for p, kind, _ in results if kind == "ok"]
        if good:
            yield Verdict(
                Outcome.PASSED,
                f"{where}: bucket policy `{good[0]}` denies requests without TLS "
                "(aws:SecureTransport false) on the bucket and its objects",
                bucket,
                ("Properties",),
            )
        elif any(kind == "unknown" for _, kind, _ in results):
            policy, _, detail = next(r for r in results if r[1] == "unknown")
            yield Verdict(Outcome.UNKNOWN, f"{where}: bucket policy `{policy}`: {detail}", bucket, ("Properties",))
        elif any(kind == "partial" for _, kind, _ in results):
            policy, _, detail = next(r for r in results if r[1] == "partial")
            yield Verdict(
                Outcome.FAILED, f"{where}: bucket policy `{policy}`: {detail}; {FIX}", bucket, ("Properties",)
            )
        else:
            yield Verdict(
                Outcome.FAILED,
                f"{where}: bucket policy `{mine[0]}` has no Deny on aws:SecureTransport false; {FIX}",
                bucket,
                ("Properties",),
            )


class S3TlsOnlyBucketPolicy(custom.TemplateRule):
    """cfn-lint rule E9003; logic in ``check``."""

    id = "E9003"
    shortdesc = "Ensure every S3 bucket's policy denies requests without TLS (aws:SecureTransport false)"
    description = (
        "Bucket encryption protects data at rest only; without a Deny on aws:SecureTransport false, clients "
        "may read and write payment logs over plain HTTP. The policy must be an AWS::S3::BucketPolicy of the "
        "same template, so the bucket is never live without it."
    )
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit"
    tags = ["stackcheck", "s3", "tls"]
    check = staticmethod(check)
    live_resource_types = ("AWS::S3::Bucket",)
