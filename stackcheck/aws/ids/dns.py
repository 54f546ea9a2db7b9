"""DNS names as Route 53 and Elastic Load Balancing spell them, and ``host[:port]`` endpoints."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stackcheck.errors import IdentifierError

__all__ = ["dns_name", "is_hostname", "same_dns_name", "split_endpoint", "zone_name"]

_LABEL = re.compile(r"^(?!-)[a-z0-9_*-]{1,63}(?<!-)$")
_OCTAL = re.compile(r"\\([0-7]{3})")


def zone_name(value: str) -> str:
    """A DNS name as Route 53 returns it: lowercase, fully qualified with one trailing dot.

    ``Example.COM`` and ``example.com.`` both give ``example.com.``. Route 53 escapes some
    characters as ``\\ddd`` octal (``\\052`` for ``*``) in the names it returns
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html); those are
    decoded. Raises IdentifierError for an empty name or a malformed label.
    """
    raw = value
    if not isinstance(value, str):
        raise IdentifierError(f"expected a DNS name string, got {type(value).__name__}")
    value = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), value.strip()).lower().rstrip(".")
    labels = value.split(".")
    if not value or not all(_LABEL.match(label) for label in labels) or len(value) > 253:
        raise IdentifierError(f"{raw!r} is not a DNS name")
    return value + "."


def is_hostname(value: object) -> bool:
    """True when ``value`` is a DNS hostname with at least two labels (no port, no scheme)."""
    if not isinstance(value, str):
        return False
    try:
        name = zone_name(value)
    except IdentifierError:
        return False
    return name.count(".") >= 2 and "*" not in name


def dns_name(value: str) -> str:
    """A DNS name for comparison: lowercase, no trailing dot, no ``dualstack.`` prefix.

    Route 53 alias records to an Application Load Balancer hold
    ``dualstack.<alb-dns-name>.`` while DescribeLoadBalancers returns ``DNSName`` without it
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html).
    """
    name = zone_name(value).rstrip(".")
    if name.startswith("dualstack."):
        name = name[len("dualstack.") :]
    return name


def same_dns_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same host once normalized by ``dns_name``."""
    return dns_name(a) == dns_name(b)


def split_endpoint(value: str | Mapping[str, Any], default_port: int | None = None) -> tuple[str, int | None]:
    """Split an endpoint into ``(lowercase host, port)``.

    ``value`` is ``host``, ``host:port``, or the ``Endpoint`` structure of DescribeDBInstances,
    ``{"Address": host, "Port": 5432, "HostedZoneId": ...}``
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Endpoint.html); connection
    strings join what RDS reports apart. ``port`` is ``default_port`` when absent. Raises
    IdentifierError when the host is not a hostname or the port is not 1-65535.
    """
    if isinstance(value, Mapping):
        address, port_value = value.get("Address"), value.get("Port")
        if not isinstance(address, str):
            raise IdentifierError(f"endpoint {dict(value)!r} has no Address (expected {{'Address': host, 'Port': n}})")
        host, port = split_endpoint(address, default_port)
        if port_value is not None:
            port = _port(str(port_value), value)
        return host, port
    if not isinstance(value, str):
        raise IdentifierError(f"expected an endpoint string or {{Address, Port}}, got {type(value).__name__}")
    raw = value
    host, sep, port_text = value.strip().rpartition(":")
    if not sep:
        host, port = port_text, default_port
    else:
        port = _port(port_text, raw)
    if not is_hostname(host):
        raise IdentifierError(f"{raw!r} is not a hostname (optionally with :port)")
    return host.lower().rstrip("."), port


def _port(text: str, raw: object) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise IdentifierError(f"{raw!r}: port {text!r} is not a number from 1 to 65535")
    return int(text)
