"""The project's CloudFormation extension for moto: models for types moto lacks, explicit wrappers where moto's models lose fidelity.

Import this package and call ``install()`` before moto parses its first template (the server
process does so at start). moto finds models through ``CloudFormationModel.__subclasses__()``
(direct subclasses only, cached on first use), so ``install()`` imports every moto module that
defines one, imports ours, applies the wrappers and clears moto's caches.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

from stackcheck.emulator.cfn import (  # noqa: F401  (importing a module registers its models and wrappers)
    apigateway,
    apigatewayv2,
    awslambda,
    batch,
    cdk,
    cloudfront,
    cloudwatch,
    dms,
    dynamodb,
    ec2,
    ecs,
    elbv2,
    eventbridge,
    events,
    framework,
    iam,
    intrinsics,
    kms,
    logs,
    rds,
    route53,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
    stepfunctions,
    wafv2,
)
from stackcheck.emulator.cfn._registry import (
    EXTENDED,
    INTERNALS,
    PATCHES,
    Internal,
    Patch,
    apply_patches,
    check_internal,
    check_patch,
    relies_on,
)

__all__ = [
    "EXTENDED",
    "INTERNALS",
    "PATCHES",
    "Internal",
    "Patch",
    "check_internal",
    "check_patch",
    "import_moto_models",
    "install",
    "moto_native_types",
    "patched_types",
]

relies_on("moto.core.common_models", "CloudFormationModel")
relies_on("moto.cloudformation.parsing", "get_model_list")
relies_on("moto.cloudformation.parsing", "get_model_map")
relies_on("moto.cloudformation.parsing", "get_name_type_map")
relies_on("moto.cloudformation.parsing", "NULL_MODELS")


@lru_cache(maxsize=1)
def import_moto_models() -> tuple[str, ...]:
    """Import every moto module whose source defines a CloudFormation model; returns their names.

    moto's parser imports a fixed list of services (``moto.logs`` is not on it, for one), and a
    model whose module was never imported does not exist for CloudFormation; importing all of
    them makes the set of types moto supports a property of the installed moto, not of which
    service happened to be called first.
    """
    import moto

    root = Path(moto.__file__).parent
    candidates = sorted(root.glob("*/models.py")) + sorted(root.glob("*/models/*.py"))
    names = []
    with _regions_listed_once():
        for path in candidates:
            if path.parts[-2] == "core" or "CloudFormationModel" not in path.read_text(encoding="utf-8"):
                continue
            name = "moto." + path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
            importlib.import_module(name)
            names.append(name)
    return tuple(names)


@contextlib.contextmanager
def _regions_listed_once() -> Iterator[None]:
    """While moto's models import, ``boto3.Session`` is a subclass whose ``get_available_regions`` answers from
    one session, each question once.

    moto's EC2 models list their regions in a class body with three new ``boto3.Session()`` objects, each
    loading EC2's service model again (0.07 s each): 0.2 s of every emulator start. The answer is botocore's
    endpoint data, the same from any session of this process. A module that imports ``Session`` meanwhile
    keeps the subclass, which is a ``boto3.session.Session`` in every other respect; ``boto3.Session`` is
    restored after."""
    import boto3

    real = boto3.Session
    one_session = cache(real)  # made at the first question, then the same one

    @cache
    def listed(service_name: str, partition_name: str, allow_non_regional: bool) -> tuple[str, ...]:
        return tuple(one_session().get_available_regions(service_name, partition_name, allow_non_regional))

    class Session(real):  # type: ignore[misc,valid-type]
        def get_available_regions(
            self, service_name: str, partition_name: str = "aws", allow_non_regional: bool = False
        ) -> list[str]:
            return list(listed(service_name, partition_name, allow_non_regional))

    boto3.Session = Session
    try:
        yield
    finally:
        boto3.Session = real


def _clear_moto_caches() -> None:
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def install() -> list[str]:
    """Make moto's CloudFormation see the extension; idempotent.

    Returns the ``module.attribute`` names patched by this call (empty when already installed).
    Raises TypeError/AttributeError naming the moto internal when moto changed under a patch.
    """
    import_moto_models()
    done = apply_patches()
    _clear_moto_caches()
    return done


def moto_native_types() -> dict[str, str]:
    """CloudFormation type → ``module.Class`` of moto's own model, introspected from moto.

    Only moto's classes count (the extension's models are in ``EXTENDED``); moto's placeholder
    types (``"?"``, Custom::) are left out.
    """
    from moto.core.common_models import CloudFormationModel

    import_moto_models()
    found: dict[str, str] = {}
    for cls in CloudFormationModel.__subclasses__():
        if not cls.__module__.startswith("moto."):
            continue
        resource_type = cls.cloudformation_type()
        if resource_type.startswith("AWS::"):
            found.setdefault(resource_type, f"{cls.__module__}.{cls.__qualname__}")
    return found


def patched_types() -> dict[str, list[Patch]]:
    """CloudFormation type → the wrappers that restore fidelity of moto's model for it."""
    found: dict[str, list[Patch]] = {}
    for p in PATCHES:
        if p.resource_type:
            found.setdefault(p.resource_type, []).append(p)
    return found
