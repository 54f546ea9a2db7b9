"""CDK app entry point: wires the four stacks of the payment migration, nothing else."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk

from infra.aspects import EncryptionAspect, ExplicitEgressAspect
from infra.context import MAX_BENCHMARK_ENVIRONMENTS, ContextError, read_context
from infra.stacks.dms_prereq import DmsPrereqStack
from infra.stacks.environment import EnvironmentStack
from infra.stacks.route53 import Route53Stack

CIDRS = {"source": "10.10.0.0/16", "target": "10.20.0.0/16"}


def build_app(app: cdk.App | None = None) -> cdk.App:
    """Add the stacks to ``app`` (a new ``cdk.App`` by default) and return it.

    Context (validated by ``infra.context.read_context``, which raises ContextError naming a bad key):
    ``environmentSuffix`` (default ``dev``), ``availabilityZones`` (two or more of one region),
    ``hostedZoneName``, ``recordName``, ``sourceWeight`` / ``targetWeight`` (default 100 / 0),
    ``databaseDeletionProtection`` (default true; deploy with false before destroying in AWS).
    Stacks are environment-agnostic unless ``CDK_DEFAULT_ACCOUNT`` is set.

    ``benchmarkEnvironments`` (default 1) is for the benchmarks only (``bench/``): N > 1 adds
    N - 1 more Source/Target/Route53 sets, suffix ``{suffix}{k}`` for k = 2..N (stack ids
    ``TapStack{suffix}{k}Source``, names ``payment-logs-source-{suffix}{k}``, zone
    ``{suffix}{k}.{hostedZoneName}``, CIDRs from ``benchmark_cidrs``), sharing the one DmsPrereq
    stack (its roles are per account). N = 1 synthesizes exactly the app without the knob.
    """
    app = app or cdk.App()
    context = read_context(app.node.try_get_context)
    suffix = context.environment_suffix
    azs = list(context.availability_zones)
    env = None
    if os.environ.get("CDK_DEFAULT_ACCOUNT"):
        env = cdk.Environment(account=os.environ["CDK_DEFAULT_ACCOUNT"], region=os.environ.get("CDK_DEFAULT_REGION"))

    prereq = DmsPrereqStack(
        app, f"TapStack{suffix}DmsPrereq", env=env, description="IAM roles AWS DMS requires by name"
    )
    zone_name = context.hosted_zone_name
    stacks = [prereq]
    for index in range(1, context.benchmark_environments + 1):
        set_suffix = suffix if index == 1 else f"{suffix}{index}"
        cidrs = CIDRS if index == 1 else benchmark_cidrs(index)
        environments = {}
        for role in ("source", "target"):
            stack = EnvironmentStack(
                app,
                f"TapStack{set_suffix}{role.capitalize()}",
                role=role,
                suffix=set_suffix,
                availability_zones=azs,
                cidr=cidrs[role],
                database_deletion_protection=context.database_deletion_protection,
                env=env,
                description=f"Payment migration {role} environment ({role}-{set_suffix})",
            )
            stack.add_stack_dependency(prereq, "DMS needs dms-vpc-role before a replication subnet group")
            environments[role] = stack
        route53 = Route53Stack(
            app,
            f"TapStack{set_suffix}Route53",
            source=environments["source"],
            target=environments["target"],
            zone_name=zone_name if index == 1 else f"{set_suffix}.{zone_name}",
            record_name=context.record_name,
            weights={"source": context.source_weight, "target": context.target_weight},
            env=env,
            description="Weighted cutover records and the DMS replication task",
        )
        stacks += [*environments.values(), route53]
    for stack in stacks:
        cdk.Aspects.of(stack).add(EncryptionAspect())
        cdk.Aspects.of(stack).add(ExplicitEgressAspect())
    return app


def benchmark_cidrs(index: int) -> dict[str, str]:
    """VPC CIDRs of benchmark set ``index`` (2..MAX): ``10.{100+2i}.0.0/16`` and the next /16.

    They never overlap each other or ``CIDRS`` (10.10/16, 10.20/16), so the peering routes of every
    set stay valid. Raises ValueError outside 2..MAX_BENCHMARK_ENVIRONMENTS.
    """
    if not 2 <= index <= MAX_BENCHMARK_ENVIRONMENTS:
        raise ValueError(f"benchmark set {index} is outside 2..{MAX_BENCHMARK_ENVIRONMENTS}")
    second = 100 + 2 * (index - 2)
    return {"source": f"10.{second}.0.0/16", "target": f"10.{second + 1}.0.0/16"}


if __name__ == "__main__":
    try:
        build_app().synth()
    except ContextError as exc:  # the cdk CLI shows the app's stderr; exit 2 is "bad input"
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
