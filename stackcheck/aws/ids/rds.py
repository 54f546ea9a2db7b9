"""Amazon RDS endpoints: ``host``, ``host:port`` or DescribeDBInstances' ``Endpoint`` ``{Address, Port}``, with each engine's default port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stackcheck.aws.ids.dns import split_endpoint
from stackcheck.aws.ids.match import Match, no, unknown, yes
from stackcheck.errors import IdentifierError

__all__ = ["DEFAULT_PORTS", "RdsEndpoint", "default_port", "rds_endpoint", "same_rds_endpoint"]

DEFAULT_PORTS: dict[str, int] = {
    "aurora-mysql": 3306,
    "aurora-postgresql": 5432,
    "db2": 50000,
    "mariadb": 3306,
    "mysql": 3306,
    "oracle": 1521,
    "postgres": 5432,
    "sqlserver": 1433,
}
"""Default port per engine family, from the ``Port`` parameter of CreateDBInstance
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html). Engine
names with an edition (``oracle-ee``, ``sqlserver-se``, ``db2-ae``) use their family's port;
``aurora`` (Aurora MySQL 5.6) is MySQL's."""


def default_port(engine: str) -> int:
    """The default port of an RDS ``Engine`` value (``postgres``, ``oracle-ee``, ``aurora-postgresql``).
    Raises IdentifierError for an engine not in DEFAULT_PORTS."""
    name = engine.strip().lower()
    if name == "aurora":
        name = "aurora-mysql"
    if name in DEFAULT_PORTS:
        return DEFAULT_PORTS[name]
    family = name.split("-", 1)[0]
    if family in DEFAULT_PORTS and not name.startswith("aurora"):
        return DEFAULT_PORTS[family]
    raise IdentifierError(f"no default port known for engine {engine!r}; known: {', '.join(sorted(DEFAULT_PORTS))}")


@dataclass(frozen=True)
class RdsEndpoint:
    """An endpoint: lowercase ``host`` without trailing dot and ``port`` (None when unknown)."""

    host: str
    port: int | None = None


def rds_endpoint(
    value: str | Mapping[str, Any], *, port: int | str | None = None, engine: str | None = None
) -> RdsEndpoint:
    """An RdsEndpoint of ``host``, ``host:port`` or an ``Endpoint`` dict ``{"Address": ..., "Port": ...}``
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Endpoint.html).

    ``port`` (DescribeDBClusters returns ``Endpoint`` as a string and ``Port`` apart) is used when
    ``value`` carries none; then ``engine``'s default port. A port in ``value`` that contradicts
    ``port`` raises IdentifierError, as does a malformed host or port.
    """
    host, found = split_endpoint(value)
    given = int(port) if port is not None and str(port).isdigit() else None
    if port is not None and given is None:
        raise IdentifierError(f"port {port!r} is not a number")
    if found is not None and given is not None and found != given:
        raise IdentifierError(f"endpoint {value!r} says port {found}, but port {given} was given")
    resolved = found if found is not None else given
    if resolved is None and engine:
        resolved = default_port(engine)
    return RdsEndpoint(host, resolved)


def same_rds_endpoint(a: str | Mapping[str, Any], b: str | Mapping[str, Any], *, engine: str | None = None) -> Match:
    """Whether ``a`` and ``b`` are the same endpoint: same host (case and trailing dot ignored) and
    port, a missing port read as ``engine``'s default. Without ``engine``, a port only one side
    carries gives "cannot tell"."""
    left, right = rds_endpoint(a, engine=engine), rds_endpoint(b, engine=engine)
    if left.host != right.host:
        return no(f"host {left.host!r} != {right.host!r}")
    if left.port is None and right.port is None:
        return yes(f"host {left.host!r} (no port on either side)")
    if left.port is None or right.port is None:
        return unknown(f"host {left.host!r}: only one side carries a port; pass engine= for its default port")
    if left.port != right.port:
        return no(f"port {left.port} != {right.port}")
    return yes(f"{left.host}:{left.port}")
