"""AWS Secrets Manager identifiers: secret names, full ARNs (name + "-" + random suffix) and partial ARNs (no suffix)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stackcheck.aws.arn import is_arn, parse_arn
from stackcheck.aws.ids.match import Match, no, scope_mismatch, unknown, yes
from stackcheck.errors import IdentifierError

__all__ = ["SecretRef", "full_secret_arn", "same_secret", "secret_name", "secret_ref"]

_SECRET_NAME = re.compile(r"^[\w/+=.@-]{1,512}$")
# The documented suffix: a hyphen and six random characters. Used only to read an ARN alone; a
# comparison against a known name or a DescribeSecret answer assumes no length.
_DOCUMENTED_SUFFIX = re.compile(r"-([A-Za-z0-9]{6})$")
_ANY_SUFFIX = re.compile(r"-([A-Za-z0-9]+)$")

_DOCS = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen"


@dataclass(frozen=True)
class SecretRef:
    """One secret identifier.

    ``name`` is the secret's name as far as the identifier tells it. For an ARN, ``arn_id`` is the
    text after ``secret:``, ``partial`` is True for a partial ARN (no random suffix), False for a
    full one (``suffix`` then holds the random characters) and ``ambiguous`` is True when the ARN
    alone could be either (a name that itself ends in "-" and six characters, as AWS warns at
    ARN_secretnamehyphen). A plain name has ``arn_id`` None and ``partial`` None.
    """

    name: str
    arn_id: str | None = None
    partial: bool | None = None
    suffix: str | None = None
    ambiguous: bool = False
    partition: str = ""
    region: str = ""
    account: str = ""

    @property
    def scope(self) -> dict[str, str]:
        """Partition, region and account as a dict ("" where unknown)."""
        return {"partition": self.partition, "region": self.region, "account": self.account}


def secret_ref(value: str, *, partial: bool | None = None) -> SecretRef:
    """Parse a secret name, full ARN or partial ARN into a SecretRef.

    Forms (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html,
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html#API_DescribeSecret_RequestSyntax):
    ``prod/db``; ``arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf`` (full);
    ``arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db`` (partial).

    ``partial=True`` says the ARN is partial (its whole ID is the name, nothing is stripped);
    ``partial=False`` says it is full (the last "-" segment, of any length, is the suffix).
    ``partial=None`` reads the ARN as AWS does: a "-" and six letters or digits at the end is the
    suffix (``ambiguous`` is set, since a partial ARN of such a name looks the same), anything else
    is a partial ARN. Raises IdentifierError for another kind of ARN or an invalid name.
    """
    if not isinstance(value, str):
        raise IdentifierError(f"expected a secret name or ARN, got {type(value).__name__}")
    if not is_arn(value):
        if not _SECRET_NAME.match(value):
            raise IdentifierError(f"{value!r} is not a valid secret name")
        return SecretRef(name=value)
    arn = parse_arn(value)
    if arn.service != "secretsmanager" or arn.resource_type != "secret" or arn.separator != ":":
        raise IdentifierError(f"{value!r} is not a Secrets Manager secret ARN")
    scope = {"partition": arn.partition, "region": arn.region, "account": arn.account}
    arn_id = arn.resource_id
    if partial is True:
        name, suffix, ambiguous = arn_id, None, False
    elif partial is False:
        found = _ANY_SUFFIX.search(arn_id)
        if not found:
            raise IdentifierError(f"{value!r} is said to be a full secret ARN but has no '-<suffix>' after the name")
        name, suffix, ambiguous = arn_id[: found.start()], found.group(1), False
    else:
        found = _DOCUMENTED_SUFFIX.search(arn_id)
        if found and found.start() > 0:
            name, suffix, ambiguous = arn_id[: found.start()], found.group(1), True
        else:
            name, suffix, ambiguous = arn_id, None, False
    if not _SECRET_NAME.match(name):
        raise IdentifierError(f"{value!r}: {name!r} is not a valid secret name")
    return SecretRef(name, arn_id, suffix is None, suffix, ambiguous, **scope)


def secret_name(value: str, *, partial: bool | None = None) -> str:
    """The secret name of a secret name, full ARN or partial ARN (see ``secret_ref`` for ``partial``).

    A plain name is returned as given, never cut.
    """
    return secret_ref(value, partial=partial).name


def _name_of(entry: Mapping[str, Any] | None) -> tuple[str, str] | None:
    if not entry:
        return None
    arn, name = entry.get("ARN"), entry.get("Name")
    if not isinstance(arn, str) or not isinstance(name, str):
        raise IdentifierError("a DescribeSecret / ListSecrets entry needs both 'ARN' and 'Name'")
    return arn, name


def _is_that_secret(value: str, arn: str, name: str) -> bool:
    """True when ``value`` (name, full or partial ARN) names the secret whose full ARN and name are given."""
    if not is_arn(value):
        return value == name
    if value == arn:
        return True
    head = arn[: arn.index(":secret:") + len(":secret:")]
    return value == head + name


def same_secret(a: str, b: str, *, describe: Mapping[str, Any] | None = None) -> Match:
    """Whether ``a`` and ``b`` (names, full ARNs, partial ARNs, mixed) name the same secret.

    Partition, region and account must agree where both carry them. A partial ARN or name matches
    the full ARN that extends it by "-" and the documented six characters; any other suffix
    length, or a name that itself ends like a suffix, cannot be told apart from a different
    secret (AWS: ``_DOCS``) and answers "cannot tell". ``describe`` (a DescribeSecret answer,
    ``{"ARN": ..., "Name": ...}``) settles it: each side that is that secret's name, full ARN or
    partial ARN is that secret, with no suffix length assumed.
    """
    known = _name_of(describe)
    if known:
        arn, name = known
        left, right = _is_that_secret(a, arn, name), _is_that_secret(b, arn, name)
        if left and right:
            return yes(f"both name secret {name!r} ({arn})")
        if left or right:
            return no(f"{b if left else a!r} is not secret {name!r} ({arn})")
    ls, rs = secret_ref(a), secret_ref(b)
    mismatch = scope_mismatch(ls.scope, rs.scope)
    if mismatch:
        return no(mismatch)
    left_id, right_id = ls.arn_id or ls.name, rs.arn_id or rs.name
    if left_id == right_id:
        if ls.arn_id is None and rs.arn_id is None:
            return yes(f"secret name {left_id!r}")
        if ls.arn_id is None or rs.arn_id is None:
            # a name against an ARN whose ID is that name: a partial ARN, unless the name looks suffixed
            if _DOCUMENTED_SUFFIX.search(left_id):
                return unknown(
                    f"{left_id!r} ends like a random suffix: the ARN may be the full ARN of another secret ({_DOCS})"
                )
            return yes(f"partial ARN of secret {left_id!r}")
        return yes(f"same secret ARN ID {left_id!r}")
    short, long = sorted((left_id, right_id), key=len)
    if long.startswith(short + "-") and "-" not in long[len(short) + 1 :]:
        suffix = long[len(short) + 1 :]
        if not re.fullmatch(r"[A-Za-z0-9]{6}", suffix):
            return unknown(
                f"{long!r} extends {short!r} by {suffix!r}, not the documented 6 characters: "
                "another secret's name or an emulator's suffix; pass describe=DescribeSecret's answer"
            )
        if _DOCUMENTED_SUFFIX.search(short) and (ls.arn_id is not None and rs.arn_id is not None):
            return unknown(f"{short!r} may itself be a full ARN ID, as AWS warns ({_DOCS})")
        return yes(f"{short!r} is secret {short!r}, {long!r} its full ARN ID (suffix {suffix!r})")
    return no(f"secret {ls.name!r} != {rs.name!r}")


def full_secret_arn(value: str, candidates: Iterable[str | Mapping[str, Any]]) -> str:
    """The one full ARN among ``candidates`` that ``value`` (name, partial or full ARN) names.

    ``candidates`` are full ARNs or ListSecrets ``SecretList`` entries (``{"ARN", "Name"}``,
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html). With a
    ``Name`` the match is exact; with an ARN alone, ``value``'s ID must be the candidate's ID minus
    one final "-<suffix>" of any length, as GetSecretValue matches a partial ARN "as long as it
    uniquely matches only one secret". Raises IdentifierError when none or several match, naming them.
    """
    ref = secret_ref(value, partial=True) if is_arn(value) else secret_ref(value)
    found: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, Mapping):
            arn, name = _name_of(candidate) or ("", "")
            if _is_that_secret(value, arn, name) or (is_arn(value) and value == arn):
                found.append(arn)
            continue
        other = secret_ref(candidate, partial=False)
        if scope_mismatch(ref.scope, other.scope):
            continue
        if value == candidate or (other.arn_id or "").removesuffix(f"-{other.suffix}") == (ref.arn_id or ref.name):
            found.append(candidate)
    unique = sorted(set(found))
    if len(unique) == 1:
        return unique[0]
    if not unique:
        raise IdentifierError(f"no secret among the candidates matches {value!r}")
    raise IdentifierError(f"{value!r} matches {len(unique)} secrets: {', '.join(unique)}; use the full ARN")
