"""Where a nightly command calls AWS: endpoint, region, emulator or not, and where that came from."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import Any

from stackcheck.files import EMULATOR_RECORD

__all__ = ["AwsTarget", "add_target_arguments", "resolve_target"]


@dataclass(frozen=True)
class AwsTarget:
    """Endpoint (None: AWS's own), region (None: boto3's configuration), whether the endpoint is the
    embedded emulator's (fake credentials are used for it only), and ``source``: where these came
    from (``--aws-endpoint-url/--aws-region``, the emulator record's path, or the boto3 chain)."""

    endpoint_url: str | None = None
    region: str | None = None
    emulator: bool = False
    source: str = "boto3 default chain"

    def describe(self) -> str:
        """``emulator http://127.0.0.1:4566 (us-east-1; <record path>)``, for messages and reports."""
        where = self.endpoint_url or "AWS"
        return f"{'emulator ' if self.emulator else ''}{where} ({self.region or 'region from boto3'}; {self.source})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return dataclasses.asdict(self)


def add_target_arguments(parser: argparse.ArgumentParser, *, api: str = "every AWS API") -> None:
    """Options --aws-endpoint-url, --aws-region, --emulator-record, --no-emulator."""
    parser.add_argument(
        "--aws-endpoint-url",
        default=None,
        metavar="URL",
        help=f"endpoint of {api} (default: the emulator record's, else AWS)",
    )
    parser.add_argument(
        "--aws-region",
        default=None,
        metavar="REGION",
        help="region (default: the emulator record's, else boto3's configuration)",
    )
    parser.add_argument(
        "--emulator-record",
        default=EMULATOR_RECORD,
        metavar="FILE",
        help=f"emulator record written by `stackcheck emulator start` (default: {EMULATOR_RECORD})",
    )
    parser.add_argument(
        "--no-emulator", action="store_true", help="ignore the emulator record: call AWS with boto3's credential chain"
    )


def resolve_target(args: argparse.Namespace) -> AwsTarget:
    """Endpoint and region from --aws-endpoint-url/--aws-region, else the emulator record (unless
    --no-emulator), else None (boto3's default chain). Raises BadInputError for a malformed record."""
    from stackcheck.emulator.record import read_emulator_record

    record = None if args.no_emulator else read_emulator_record(args.emulator_record)
    endpoint = args.aws_endpoint_url or (record.endpoint_url if record else None)
    region = args.aws_region or (record.region if record else None)
    emulator = record is not None and endpoint == record.endpoint_url
    if args.aws_endpoint_url or args.aws_region:
        source = "--aws-endpoint-url/--aws-region" + (f" and {args.emulator_record}" if record and emulator else "")
    elif record is not None:
        source = str(args.emulator_record)
    else:
        source = "boto3 default chain"
    return AwsTarget(endpoint_url=endpoint, region=region, emulator=emulator, source=source)
