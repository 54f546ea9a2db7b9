"""Live forms of scanners' own checks: checkov's id and meaning at template time, our function on live state.

When a check that ships with a scanner already covers a rule at template time (checkov's
CKV_AWS_21 for S3 versioning, CKV_AWS_7 for KMS key rotation), the policy pack carries no copy
of it: that would give two findings for one mistake. Its live form lives here instead, under
the library's id, so one id means one thing before merge and at night, and one ledger entry
covers both. The id, the one-line outcome and the resource types are read from the checkov
check itself, and a checkov upgrade that renames or narrows one fails ``library_forms``.

The live forms agree with checkov on every literal value. Where they differ, the live form
says less, never more: an intrinsic is UNKNOWN here (checkov fails it, but live state holds no
intrinsics); a key that AWS cannot rotate automatically (asymmetric, HMAC, imported key
material, a custom key store) is not judged here, while checkov fails HMAC and imported keys
without rotation and answers UNKNOWN (no finding) for asymmetric ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.errors import ScannerError
from stackcheck.findings import Severity
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict

__all__ = [
    "LIBRARY_CHECKS",
    "LibraryCheck",
    "kms_key_rotation",
    "library_forms",
    "s3_versioning",
]

_VERSIONING_FIX = "set VersioningConfiguration.Status to Enabled (CDK: versioned=True)"
# Automatic rotation exists only for symmetric encryption keys whose key material AWS KMS generated
# (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
_ROTATABLE = {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS"}


def s3_versioning(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Live form of checkov's CKV_AWS_21 on one ``AWS::S3::Bucket``.

    PASSED when ``VersioningConfiguration.Status`` is literally ``Enabled``; FAILED when it is
    absent or anything else (``Suspended``); UNKNOWN when it is an unresolved value.
    """
    where = f"Bucket `{logical_id}`"
    path = ("Properties", "VersioningConfiguration")
    config = view.value(properties.get("VersioningConfiguration"))
    if config is None:
        return Verdict(
            Outcome.FAILED,
            f"{where}: VersioningConfiguration is not set, so versioning is off; {_VERSIONING_FIX}",
            path=("Properties",),
        )
    if isinstance(config, Unresolved) or not isinstance(config, Mapping):
        return Verdict(Outcome.UNKNOWN, f"{where}: VersioningConfiguration is decided at deploy time", path=path)
    status = config.get("Status")
    if isinstance(status, Unresolved):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: VersioningConfiguration.Status is unknown ({status.reason})",
            path=(*path, "Status"),
        )
    if status == "Enabled":
        return Verdict(Outcome.PASSED, f"{where}: versioning is Enabled", path=(*path, "Status"))
    shown = "not set" if status is None else str(status)
    return Verdict(
        Outcome.FAILED, f"{where}: VersioningConfiguration.Status is {shown}; {_VERSIONING_FIX}", path=(*path, "Status")
    )


def kms_key_rotation(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Live form of checkov's CKV_AWS_7 on one ``AWS::KMS::Key``.

    PASSED when ``EnableKeyRotation`` is true, FAILED when false or absent, UNKNOWN when it (or
    what decides whether the key can rotate) is unresolved; NOT_APPLICABLE for keys AWS KMS
    cannot rotate automatically (``KeySpec`` other than SYMMETRIC_DEFAULT, ``KeyUsage`` other
    than ENCRYPT_DECRYPT, ``Origin`` other than AWS_KMS).
    """
    where = f"KMS key `{logical_id}`"
    for key, rotatable in _ROTATABLE.items():
        value = view.value(properties.get(key, rotatable))
        if isinstance(value, Unresolved):
            return Verdict(
                Outcome.UNKNOWN,
                f"{where}: {key} is unknown ({value.reason}); cannot tell whether the key can rotate",
                path=("Properties", key),
            )
        if value != rotatable:
            return Verdict(Outcome.NOT_APPLICABLE, "")
    enabled = view.value(properties.get("EnableKeyRotation"))
    if isinstance(enabled, Unresolved):
        return Verdict(
            Outcome.UNKNOWN,
            f"{where}: EnableKeyRotation is unknown ({enabled.reason})",
            path=("Properties", "EnableKeyRotation"),
        )
    if str(enabled).lower() == "true":
        return Verdict(
            Outcome.PASSED, f"{where}: automatic key rotation is on", path=("Properties", "EnableKeyRotation")
        )
    shown = "not set" if enabled is None else str(enabled).lower()
    return Verdict(
        Outcome.FAILED,
        f"{where}: EnableKeyRotation is {shown}; set it to true (CDK: enable_key_rotation=True)",
        path=("Properties", "EnableKeyRotation") if enabled is not None else ("Properties",),
    )


@dataclass(frozen=True)
class LibraryCheck:
    """A scanner's own check with a live form here.

    ``module`` is the check's module (checkov ends it with ``check = <Check>()``), ``check_id``
    the id it must carry, ``resource_types`` the live types judged (all among the check's
    supported resources), ``evaluate`` the live form (``(logical_id, resource_type, properties,
    TemplateView) -> Verdict``), ``description`` why it matters, ``source_url`` AWS's page on it.
    """

    module: str
    check_id: str
    resource_types: tuple[str, ...]
    evaluate: Callable[..., Verdict]
    description: str
    source_url: str


LIBRARY_CHECKS: tuple[LibraryCheck, ...] = (
    LibraryCheck(
        module="checkov.cloudformation.checks.resource.aws.S3Versioning",
        check_id="CKV_AWS_21",
        resource_types=("AWS::S3::Bucket",),
        evaluate=s3_versioning,
        description=(
            "The logs buckets hold the audit trail of the migration (ALB and S3 access logs). Versioning keeps "
            "the previous version of every overwritten or deleted object, so an operator mistake or a compromised "
            "writer cannot destroy it; suspending versioning stops that protection for every later write."
        ),
        source_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    ),
    LibraryCheck(
        module="checkov.cloudformation.checks.resource.aws.KMSRotation",
        check_id="CKV_AWS_7",
        resource_types=("AWS::KMS::Key",),
        evaluate=kms_key_rotation,
        description=(
            "The environment keys encrypt the payment databases, logs and alarm topics. Automatic rotation gives "
            "each key new key material every year while old ciphertext stays readable, limiting how much data one "
            "key version protects; a key with rotation turned off keeps one key version for its whole life."
        ),
        source_url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    ),
)
"""checkov checks that have a live form here, by id."""


def library_forms(checks: tuple[LibraryCheck, ...] = LIBRARY_CHECKS) -> tuple[Any, ...]:
    """The live forms (``stackcheck.compliance.LiveForm``) of ``checks``, under the checks' own ids and outcomes.

    Imports each check's module (checkov registers the check with its registry as its own
    loader would). Raises ScannerError (exit 3) when a module is missing, defines no
    ``check``, or its check now has another id or no longer supports a resource type given.
    """
    from stackcheck.compliance.forms import LiveForm
    from stackcheck.scan.custom import RuleInfo

    forms = []
    for spec in checks:
        try:
            module = importlib.import_module(spec.module)
        except ImportError as exc:
            raise ScannerError(
                f"the live form of {spec.check_id} names checkov module {spec.module}, which does not "
                f"import ({exc}); update stackcheck/compliance/library.py for this checkov"
            ) from exc
        check = getattr(module, "check", None)
        found = getattr(check, "id", None)
        if check is None or found != spec.check_id:
            raise ScannerError(
                f"checkov module {spec.module} holds check {found or 'none'}, not {spec.check_id}; "
                "update stackcheck/compliance/library.py for this checkov"
            )
        unsupported = sorted(set(spec.resource_types) - set(getattr(check, "supported_resources", ()) or ()))
        if unsupported:
            raise ScannerError(
                f"checkov's {spec.check_id} no longer judges {unsupported}; its live form would judge "
                "what the template stage does not: update stackcheck/compliance/library.py"
            )
        rule = RuleInfo(
            id=spec.check_id,
            name=type(check).__name__,
            tool="checkov",
            outcome=str(check.name),
            description=spec.description,
            source_url=spec.source_url,
            severity=Severity.ERROR,
            file=Path(str(module.__file__)),
            evaluate=spec.evaluate,
        )
        forms.append(LiveForm(rule=rule, resource_types=spec.resource_types, origin="library"))
    return tuple(forms)
