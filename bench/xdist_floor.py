"""The floor under ``xdist_ratio`` here: two clients against one emulator, timed apart from pytest.

``xdist_ratio`` (the post-deploy suite under ``-n 2`` over serial) is bounded below by how much
faster the emulator answers two clients than one. This module replays a fixed mix of the read
calls the post-deploy checks make (``CALLS``) from one process, or from several at once, and
times only the calls: clients are made first, then every process waits for a common start
instant. Run as ``python -m bench.xdist_floor --endpoint URL --region R --rounds N --start-at T``;
it prints one JSON object ``{"calls": int, "started": epoch s, "ended": epoch s}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

CALLS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("cloudformation", "describe_stacks", {}),
    ("cloudformation", "list_stack_resources", {"StackName": "TapStackdevSource"}),
    ("ec2", "describe_vpcs", {}),
    ("ec2", "describe_security_groups", {}),
    ("ec2", "describe_route_tables", {}),
    ("rds", "describe_db_instances", {}),
    ("ecs", "list_clusters", {}),
    ("elbv2", "describe_load_balancers", {}),
    ("route53", "list_hosted_zones", {}),
    ("iam", "get_role", {"RoleName": "dms-vpc-role"}),
    ("s3", "list_buckets", {}),
    ("kms", "list_keys", {}),
)
"""(service, boto3 method, parameters): one round. Names are the ones the app deploys."""


def replay(endpoint_url: str, region: str, rounds: int, start_at: float) -> dict[str, float]:
    """Make the clients, sleep until ``start_at`` (epoch seconds), then call ``CALLS`` ``rounds`` times.

    Returns ``{"calls": n, "started": t0, "ended": t1}`` (epoch seconds around the calls only).
    Raises botocore's ClientError when a call fails: a floor measured on errors means nothing.
    """
    import boto3

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    clients = {service: session.client(service, endpoint_url=endpoint_url) for service, _, _ in CALLS}
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for _ in range(rounds):
        for service, method, params in CALLS:
            getattr(clients[service], method)(**params)
    return {"calls": rounds * len(CALLS), "started": started, "ended": time.time()}


def main(argv: list[str] | None = None) -> int:
    """Command line of one replaying process; prints its JSON line and exits 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.xdist_floor", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="emulator endpoint URL")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--rounds", type=int, required=True, help=f"times to replay the {len(CALLS)} calls")
    parser.add_argument("--start-at", type=float, required=True, help="epoch seconds to start calling at")
    args = parser.parse_args(argv)
    print(json.dumps(replay(args.endpoint, args.region, args.rounds, args.start_at)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
