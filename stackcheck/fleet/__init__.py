"""The fleet file: every deployment the nightly checks, one target each (account, region, role, suffix, assembly).

``policies/fleet.yaml`` is a YAML list; each entry is validated against ``ENTRY_SCHEMA`` (JSON
Schema, with the ``jsonschema`` library) and errors name the entry, its line and the key. The
nightly workflow turns it into a GitHub Actions matrix (``stackcheck fleet matrix``), one job per
target, each assuming its own role through OIDC
(https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackcheck.errors import BadInputError
from stackcheck.files import load_yaml_list

__all__ = ["DEFAULT_FLEET", "ENTRY_SCHEMA", "FleetError", "FleetTarget", "load_fleet", "single_target"]

DEFAULT_FLEET = Path("policies/fleet.yaml")

# Account IDs are 12 digits; regions as AWS names them (us-east-1, eu-central-2, us-gov-west-1, cn-north-1);
# role ARNs in any partition (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "account", "region", "role_arn"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,62}$"},
        "account": {"type": "string", "pattern": r"^[0-9]{12}$"},
        "region": {"type": "string", "pattern": r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"},
        "role_arn": {
            "type": "string",
            "pattern": r"^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::[0-9]{12}:role/[\w+=,.@/-]+$",
        },
        "environment_suffix": {"type": "string", "pattern": r"^[a-z0-9]{1,16}$"},
        "assembly": {"type": "string", "minLength": 1},
    },
}


class FleetError(BadInputError):
    """The fleet file is missing or malformed (exit 2); the message names the entry and the key."""


@dataclass(frozen=True)
class FleetTarget:
    """One deployment of the fleet: ``name`` (unique; names the matrix job and the report folder),
    ``account`` (12 digits), ``region``, ``role_arn`` (assumed through OIDC, in ``account``),
    ``environment_suffix`` (the app's ``environmentSuffix`` context; default ``dev``) and
    ``assembly`` (the cloud assembly folder; default ``cdk.out``)."""

    name: str
    account: str
    region: str
    role_arn: str
    environment_suffix: str = "dev"
    assembly: str = "cdk.out"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready: every field, as a matrix entry."""
        return {
            "name": self.name,
            "account": self.account,
            "region": self.region,
            "role_arn": self.role_arn,
            "environment_suffix": self.environment_suffix,
            "assembly": self.assembly,
        }


def load_fleet(path: str | os.PathLike[str] = DEFAULT_FLEET) -> tuple[FleetTarget, ...]:
    """Every target of the fleet file at ``path``, in file order.

    Raises FleetError (exit 2) naming the file, the entry (number, line, name) and each problem: a
    missing or unknown key, a value of the wrong shape, a duplicate name, a role in another account
    than the entry's, or an empty fleet.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(ENTRY_SCHEMA)
    entries = load_yaml_list(
        path, what="fleet file", example="- name: prod-eu\n  account: '123456789012'", error=FleetError
    )
    if not entries:
        raise FleetError(
            f"fleet file {path} lists no target; add one entry per deployment (name, account, region, role_arn)"
        )
    problems: list[str] = []
    targets: list[FleetTarget] = []
    seen: dict[str, int] = {}
    for index, line, raw in entries:
        label = f"entry {index}" + (f" (line {line})" if line else "")
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label += f" {raw['name']!r}"
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
        if errors:
            problems += [f"{label}: {_describe(e)}" for e in errors]
            continue
        target = FleetTarget(**raw)
        if target.role_arn.split(":")[4] != target.account:
            problems.append(
                f"{label}: role_arn {target.role_arn} is in account {target.role_arn.split(':')[4]}, not {target.account}"
            )
        if target.name in seen:
            problems.append(f"{label}: name {target.name!r} is already used by entry {seen[target.name]}")
        seen.setdefault(target.name, index)
        targets.append(target)
    if problems:
        raise FleetError(f"fleet file {path}: " + "; ".join(problems))
    return tuple(targets)


def single_target(role_arn: str, region: str | None, environment_suffix: str | None = None) -> FleetTarget:
    """The one target of a repository without a fleet file: ``default``, in the role's account.

    Validated as a fleet entry is; raises FleetError naming what is missing or malformed (an empty
    region or role, as an unset repository variable gives).
    """
    import jsonschema

    raw: dict[str, Any] = {"name": "default", "role_arn": role_arn, "region": region or ""}
    parts = role_arn.split(":")
    raw["account"] = parts[4] if len(parts) > 4 else ""
    if environment_suffix:
        raw["environment_suffix"] = environment_suffix
    errors = sorted(
        jsonschema.Draft202012Validator(ENTRY_SCHEMA).iter_errors(raw), key=lambda e: list(map(str, e.path))
    )
    if errors:
        raise FleetError(
            "the single target (no fleet file): "
            + "; ".join(_describe(e) for e in errors)
            + "; set the repository variables AWS_NIGHTLY_ROLE_ARN and AWS_REGION, or write policies/fleet.yaml"
        )
    return FleetTarget(**raw)


def _describe(error: Any) -> str:
    """One jsonschema error as ``account '12' must be 12 digits`` (the key first, then what is wrong)."""
    key = ".".join(str(p) for p in error.path)
    if error.validator == "required":
        return f"{error.message.split(' ')[0].strip(chr(39))} is missing"
    if error.validator == "additionalProperties":
        unknown = re.findall(r"'([^']+)'", error.message)
        return f"unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(ENTRY_SCHEMA['properties']))}"
    if error.validator == "pattern":
        return f"{key} {error.instance!r} {_SHAPES.get(key, 'has the wrong shape')}"
    if error.validator == "type":
        return f"{key or 'the entry'} must be {'a mapping of keys' if not key else 'a string'} (got {type(error.instance).__name__})"
    return f"{key}: {error.message}"


_SHAPES = {
    "name": "must be lower-case letters, digits and '-' (at most 63, starting with a letter or digit)",
    "account": "must be 12 digits (quote it in YAML: '012345678901')",
    "region": "is not an AWS region name (like us-east-1)",
    "role_arn": "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)",
    "environment_suffix": "must be 1 to 16 lower-case letters or digits",
}
