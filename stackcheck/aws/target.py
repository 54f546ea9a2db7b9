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
    from (``--aws-endpoint-url/--aws-region``, the emulator record's path, or the boto3 chain);
    ``account``: the emulator account the calls act as (``--emulator-account``; None: the emulator's
    default account, or on AWS whatever account the credentials belong to)."""

    endpoint_url: str | None = None
    region: str | None = None
    emulator: bool = False
    source: str = "boto3 default chain"
    account: str | None = None

    def describe(self) -> str:
        """``emulator http://127.0.0.1:4566 (us-east-1; <record path>)``, for messages and reports
        (``account 111111111111, us-east-1`` in the parentheses when an emulator account is chosen)."""
        where = self.endpoint_url or "AWS"
        region = self.region or "region from boto3"
        if self.account:
            region = f"account {self.account}, {region}"
        return f"{'emulator ' if self.emulator else ''}{where} ({region}; {self.source})"

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
    parser.add_argument(
        "--emulator-account",
        default=None,
        metavar="ACCOUNT",
        help="on the emulator, act as this 12-digit account (moto keeps accounts apart; default: 123456789012)",
    )


def resolve_target(args: argparse.Namespace) -> AwsTarget:
    """Endpoint and region from --aws-endpoint-url/--aws-region, else the emulator record (unless
    --no-emulator), else None (boto3's default chain); the account from --emulator-account.
    Raises BadInputError for a malformed record, or --emulator-account that is not 12 digits or
    not for the emulator."""
    from stackcheck.emulator.record import read_emulator_record
    from stackcheck.errors import BadInputError

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
    account = getattr(args, "emulator_account", None)
    if account is not None:
        if not (len(account) == 12 and account.isdigit()):
            raise BadInputError(f"--emulator-account {account!r}: give a 12-digit account id")
        if not emulator:
            raise BadInputError(
                f"--emulator-account {account} needs the emulator (no emulator record at {args.emulator_record}, or "
                "--no-emulator or another --aws-endpoint-url given); on AWS the credentials decide the account"
            )
    return AwsTarget(endpoint_url=endpoint, region=region, emulator=emulator, source=source, account=account)
