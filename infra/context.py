"""The app's CDK context schema: every key the app reads, validated once, with the strings the cdk CLI passes understood."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["KEYS", "MAX_BENCHMARK_ENVIRONMENTS", "AppContext", "ContextError", "read_context"]

MAX_BENCHMARK_ENVIRONMENTS = 60
"""Upper bound of ``benchmarkEnvironments``: each set takes two /16 CIDRs of 10.0.0.0/8 (see ``infra.app.benchmark_cidrs``)."""


class ContextError(ValueError):
    """A context value has the wrong type, range or shape; the message names the key, the value and the valid form."""


# `cdk -c key=value` passes every value as a string (https://docs.aws.amazon.com/cdk/v2/guide/context.html):
# "false", "100" and '["a","b"]' must mean what their users meant.
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}
_SUFFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Availability Zone names: region name + one letter (us-east-1a, us-gov-west-1b, cn-north-1a), as
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html names them.
_AZ = re.compile(r"^((?:[a-z]{2}(?:-gov|-iso[a-z]?)?)-[a-z]+-\d+)([a-z])$")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("not a boolean")


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("not an integer")
        try:
            number = int(value.strip()) if isinstance(value, str) else value
        except ValueError:
            raise ValueError("not an integer") from None
        if not low <= number <= high:
            raise ValueError(f"outside {low}..{high}")
        return number

    return parse


def _suffix(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("empty" if value == "" else "not a string")
    if not _SUFFIX.match(value):
        raise ValueError("not lowercase letters, digits and inner hyphens, 1 to 20 characters")
    return value


def _dns_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a DNS name")
    name = value.strip().rstrip(".").lower()
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        raise ValueError("not a DNS name")
    return name


def _zone_name(value: Any) -> str:
    name = _dns_name(value)
    if "." not in name:
        raise ValueError("not a domain name with at least two labels")
    return name


def _availability_zones(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError("not a JSON list") from None
        else:
            value = [part.strip() for part in text.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(z, str) for z in value):
        raise ValueError("not a list of zone names")
    zones = tuple(value)
    bad = [z for z in zones if not _AZ.match(z)]
    if bad:
        raise ValueError(f"not a list of Availability Zone names ({', '.join(map(repr, bad))} is not one)")
    if len(zones) < 2:
        raise ValueError("only one zone (the Multi-AZ database and the load balancer need two)")
    if len(set(zones)) != len(zones):
        raise ValueError("a list naming a zone twice")
    regions = {_AZ.match(z).group(1) for z in zones}  # type: ignore[union-attr]
    if len(regions) > 1:
        raise ValueError(f"a list of zones in more than one region ({', '.join(sorted(regions))})")
    return zones


@dataclass(frozen=True)
class Key:
    """One context key: its parser (raises ValueError saying what is wrong), default and valid form."""

    name: str
    parse: Callable[[Any], Any]
    default: Any
    valid: str


KEYS = (
    Key("environmentSuffix", _suffix, "dev", 'lowercase letters, digits and inner hyphens, 1-20 characters, e.g. "qa"'),
    Key(
        "availabilityZones",
        _availability_zones,
        ("us-east-1a", "us-east-1b"),
        'two or more distinct zones of one region: a JSON list ["us-east-1a","us-east-1b"] or "us-east-1a,us-east-1b"',
    ),
    Key("hostedZoneName", _zone_name, None, 'a domain name, e.g. "payments.example.com"'),
    Key("recordName", _dns_name, "app", 'a DNS label or name relative to the zone, e.g. "app"'),
    Key("sourceWeight", _integer(0, 255), 100, "an integer 0..255 (a Route 53 weight)"),
    Key("targetWeight", _integer(0, 255), 0, "an integer 0..255 (a Route 53 weight)"),
    Key("databaseDeletionProtection", _boolean, True, "true or false"),
    Key(
        "benchmarkEnvironments",
        _integer(1, MAX_BENCHMARK_ENVIRONMENTS),
        1,
        f"an integer 1..{MAX_BENCHMARK_ENVIRONMENTS} (benchmarks only)",
    ),
)
"""Every context key the app reads."""


@dataclass(frozen=True)
class AppContext:
    """The app's validated context (see ``KEYS`` for each key's valid form and default)."""

    environment_suffix: str
    availability_zones: tuple[str, ...]
    hosted_zone_name: str
    record_name: str
    source_weight: int
    target_weight: int
    database_deletion_protection: bool
    benchmark_environments: int


def read_context(get: Callable[[str], Any]) -> AppContext:
    """Validate every key of ``KEYS`` read through ``get`` (``app.node.try_get_context``); absent keys take defaults.

    Raises ContextError naming the key, the value given and the valid form, e.g.
    ``context sourceWeight='abc' is not an integer; use an integer 0..255 (a Route 53 weight)``.
    """
    values: dict[str, Any] = {}
    for key in KEYS:
        raw = get(key.name)
        if raw is None:
            values[key.name] = key.default
            continue
        try:
            values[key.name] = key.parse(raw)
        except ValueError as exc:
            raise ContextError(f"context {key.name}={raw!r} is {exc}; use {key.valid}") from None
    suffix = values["environmentSuffix"]
    return AppContext(
        environment_suffix=suffix,
        availability_zones=values["availabilityZones"],
        hosted_zone_name=values["hostedZoneName"] or f"payments-{suffix}.example.com",
        record_name=values["recordName"],
        source_weight=values["sourceWeight"],
        target_weight=values["targetWeight"],
        database_deletion_protection=values["databaseDeletionProtection"],
        benchmark_environments=values["benchmarkEnvironments"],
    )
