"""CDK app entry point: wires the four stacks of the payment migration, nothing else."""

from __future__ import annotations

import os

import aws_cdk as cdk

from infra.aspects import EncryptionAspect, ExplicitEgressAspect
from infra.stacks.dms_prereq import DmsPrereqStack
from infra.stacks.environment import EnvironmentStack
from infra.stacks.route53 import Route53Stack

CIDRS = {"source": "10.10.0.0/16", "target": "10.20.0.0/16"}


def build_app(app: cdk.App | None = None) -> cdk.App:
    """Add the stacks to ``app`` (a new ``cdk.App`` by default) and return it.

    Context: ``environmentSuffix`` (default ``dev``), ``availabilityZones`` (two names),
    ``hostedZoneName``, ``recordName``, ``sourceWeight`` / ``targetWeight`` (default 100 / 0),
    ``databaseDeletionProtection`` (default true; deploy with false before destroying in AWS).
    Stacks are environment-agnostic unless ``CDK_DEFAULT_ACCOUNT`` is set.
    """
    app = app or cdk.App()
    ctx = app.node.try_get_context
    suffix = str(ctx("environmentSuffix") or "dev")
    azs = ctx("availabilityZones") or ["us-east-1a", "us-east-1b"]
    env = None
    if os.environ.get("CDK_DEFAULT_ACCOUNT"):
        env = cdk.Environment(
            account=os.environ["CDK_DEFAULT_ACCOUNT"], region=os.environ.get("CDK_DEFAULT_REGION")
        )

    prereq = DmsPrereqStack(app, f"TapStack{suffix}DmsPrereq", env=env,
                            description="IAM roles AWS DMS requires by name")
    environments = {}
    for role in ("source", "target"):
        stack = EnvironmentStack(
            app,
            f"TapStack{suffix}{role.capitalize()}",
            role=role,
            suffix=suffix,
            availability_zones=azs,
            cidr=CIDRS[role],
            database_deletion_protection=ctx("databaseDeletionProtection") is not False,
            env=env,
            description=f"Payment migration {role} environment ({role}-{suffix})",
        )
        stack.add_stack_dependency(prereq, "DMS needs dms-vpc-role before a replication subnet group")
        environments[role] = stack
    route53 = Route53Stack(
        app,
        f"TapStack{suffix}Route53",
        source=environments["source"],
        target=environments["target"],
        zone_name=str(ctx("hostedZoneName") or f"payments-{suffix}.example.com"),
        record_name=str(ctx("recordName") or "app"),
        weights={"source": int(ctx("sourceWeight") if ctx("sourceWeight") is not None else 100),
                 "target": int(ctx("targetWeight") if ctx("targetWeight") is not None else 0)},
        env=env,
        description="Weighted cutover records and the DMS replication task",
    )
    for stack in (prereq, *environments.values(), route53):
        cdk.Aspects.of(stack).add(EncryptionAspect())
        cdk.Aspects.of(stack).add(ExplicitEgressAspect())
    return app


if __name__ == "__main__":
    build_app().synth()
