"""Stack outputs: write, flatten and load outputs files, read live outputs, and resolve them by role, kind and attribute.

The cdk CLI writes ``{"StackName": {"OutputKey": "value", ...}, ...}`` with
``cdk deploy --outputs-file`` (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html).
The flat file post-deploy checks read is ``{"OutputKey": "value", ...}``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from stackcheck.aws import normalize
from stackcheck.aws.arn import Arn, is_arn, parse_arn
from stackcheck.errors import (
    AmbiguousOutputError,
    BadInputError,
    IdentifierError,
    NextStep,
    OutputCollisionError,
    OutputNotFoundError,
    OutputsError,
)
from stackcheck.files import (
    ALL_OUTPUTS_FILE,
    DEFAULT_OUTPUTS_FILE,
    FLAT_OUTPUTS_FILE,
    OUTPUTS_DIR,
    atomic_write_json,
    read_json,
)

__all__ = [
    "ALL_OUTPUTS_FILE",
    "ATTR_WORDS",
    "DEFAULT_OUTPUTS_FILE",
    "FLAT_OUTPUTS_FILE",
    "KINDS",
    "ROLE_WORDS",
    "AttrSpec",
    "KindSpec",
    "OutputEntry",
    "OutputMatch",
    "OutputResolver",
    "describe_stack_outputs",
    "flatten_outputs",
    "key_words",
    "load_outputs",
    "read_outputs",
    "write_outputs",
]


def flatten_outputs(nested: Mapping[str, Mapping[str, Any]], *, source: str = "outputs") -> dict[str, str]:
    """Flatten ``{stack: {key: value}}`` into ``{key: value}``.

    Raises OutputsError when ``nested`` is not that shape (naming ``source``) and
    OutputCollisionError naming both stacks when two stacks declare the same output key.
    Values are returned as strings (the cdk CLI writes numbers for numeric outputs).
    """
    if not isinstance(nested, Mapping):
        raise OutputsError(f"{source}: expected an object of stack name -> outputs, got {type(nested).__name__}")
    flat: dict[str, str] = {}
    owner: dict[str, str] = {}
    for stack, outputs in nested.items():
        if not isinstance(outputs, Mapping):
            raise OutputsError(
                f"{source}: outputs of stack {stack!r} must be an object of key -> value, got {type(outputs).__name__}"
            )
        for key, value in outputs.items():
            if key in owner:
                raise OutputCollisionError(
                    f"{source}: output key {key!r} is declared by both stack {owner[key]!r} and "
                    f"stack {stack!r}; a flat outputs file would lose one. Give the outputs distinct ids."
                )
            if isinstance(value, (dict, list)) or value is None:
                raise OutputsError(f"{source}: output {stack}.{key} must be a string, got {type(value).__name__}")
            owner[key] = stack
            flat[key] = value if isinstance(value, str) else json.dumps(value)
    return flat


def write_outputs(
    nested: Mapping[str, Mapping[str, Any]], directory: str | os.PathLike[str] = OUTPUTS_DIR
) -> tuple[Path, Path]:
    """Write ``all-outputs.json`` (nested, cdk CLI shape) and ``flat-outputs.json`` into ``directory``.

    Flattening happens first, so an OutputCollisionError leaves both files untouched.
    Returns ``(all_outputs_path, flat_outputs_path)``.
    """
    flat = flatten_outputs(nested)
    out = Path(directory)
    all_path = atomic_write_json(out / ALL_OUTPUTS_FILE, {s: dict(o) for s, o in nested.items()})
    flat_path = atomic_write_json(out / FLAT_OUTPUTS_FILE, flat)
    return all_path, flat_path


# -- loading -----------------------------------------------------------------------------------


def read_outputs(
    path: str | os.PathLike[str],
    next_step: NextStep | None = NextStep.DEPLOY_LOCAL,
) -> tuple[dict[str, str], dict[str, dict[str, str]] | None]:
    """Read an outputs file, flat or the cdk CLI's nested one: ``(flat, nested)``; ``nested`` is None for a flat file.

    Raises OutputsError naming the file, carrying ``next_step`` (what to do), when it is missing,
    unreadable, not UTF-8, empty, not JSON, not an object or holds non-string values;
    OutputCollisionError when two stacks of a nested file declare the same output key.
    """
    where = Path(path)
    data = read_json(where, what="outputs file", error=OutputsError, next_step=next_step)
    if not isinstance(data, dict):
        raise OutputsError(
            f"outputs file {where} must hold a JSON object of output key -> value, got {type(data).__name__}",
            next_step=next_step,
        )
    if data and all(isinstance(v, dict) for v in data.values()):
        nested = {stack: dict(values) for stack, values in data.items()}
        flat = flatten_outputs(nested, source=f"outputs file {where}")
        return flat, {stack: {k: flat[k] for k in values} for stack, values in nested.items()}
    bad = sorted(k for k, v in data.items() if not isinstance(v, str))
    if bad:
        raise OutputsError(
            f"outputs file {where}: values of {bad} are not strings; expected a flat file "
            f"{{output key: value}} or the cdk CLI's {{stack: {{output key: value}}}}",
            next_step=next_step,
        )
    return dict(data), None


def load_outputs(path: str | os.PathLike[str] = DEFAULT_OUTPUTS_FILE) -> dict[str, str]:
    """Load stack outputs as ``{output key: value}`` from a flat file or the cdk CLI's nested file.

    The nested ``{stack: {output key: value}}`` shape (``cdk deploy --outputs-file``) is
    flattened with ``flatten_outputs``. Raises OutputsError naming the file and what to do
    when it is missing, empty, not JSON, not an object or holds non-string values;
    OutputCollisionError when two stacks of a nested file declare the same output key.
    """
    return read_outputs(path)[0]


def describe_stack_outputs(cloudformation: Any, stack_names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Outputs of live stacks as ``{stack name: {output key: value}}``, read with DescribeStacks.

    ``cloudformation`` is a boto3 CloudFormation client; ``stack_names=None`` reads every stack
    through the ``describe_stacks`` paginator
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html:
    ``Stacks[].Outputs[].{OutputKey, OutputValue}``; a stack without outputs has no ``Outputs``).
    A named stack that does not exist raises OutputsError naming it.
    """
    from stackcheck.aws.retry import is_stack_missing

    pages: list[dict[str, Any]] = []
    try:
        if stack_names is None:
            pages.extend(cloudformation.get_paginator("describe_stacks").paginate())
        else:
            for name in stack_names:
                pages.extend(cloudformation.get_paginator("describe_stacks").paginate(StackName=name))
    except Exception as exc:
        if is_stack_missing(exc):
            raise OutputsError(exc.response["Error"]["Message"], next_step=NextStep.DEPLOY_LOCAL) from None
        raise
    nested: dict[str, dict[str, str]] = {}
    for page in pages:
        for stack in page.get("Stacks") or []:
            nested[stack["StackName"]] = {
                o["OutputKey"]: str(o.get("OutputValue", "")) for o in stack.get("Outputs") or []
            }
    return nested


# -- resolving ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def key_words(text: str) -> tuple[str, ...]:
    """Lowercase words of an output key or stack name: ``SourceDbEndpointAddress`` → source, db, endpoint, address."""
    return tuple(t.lower() for t in _TOKEN.findall(text))


def _arn_shape(service: str, resource_type: str, extra: Callable[[Arn], bool] | None = None) -> Callable[[str], bool]:
    def shape(value: str) -> bool:
        if not is_arn(value, service, resource_type):
            return False
        return extra(parse_arn(value)) if extra else True

    return shape


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: bool(compiled.match(value))


def _raises_not(fn: Callable[[str], Any]) -> Callable[[str], bool]:
    def shape(value: str) -> bool:
        try:
            fn(value)
        except IdentifierError:
            return False
        return True

    return shape


def _port(value: str) -> bool:
    return value.isdigit() and 0 < int(value) < 65536


def _zone_name_shape(value: str) -> bool:
    return not value.startswith("arn:") and _raises_not(normalize.zone_name)(value) and "." in value.strip(".")


@dataclass(frozen=True)
class AttrSpec:
    """One attribute of a resource kind: the value's ``shape``, a ``describe`` phrase for messages
    ("an S3 bucket name"), the attribute words of keys that may hold it (``key_attrs``, default
    the attribute itself) and ``derive_from`` pairs (other attribute, function) used only when no
    output holds the attribute itself (bucket name from bucket ARN)."""

    shape: Callable[[str], bool]
    describe: str
    key_attrs: tuple[str, ...] = ()
    derive_from: tuple[tuple[str, Callable[[str], str]], ...] = ()


@dataclass(frozen=True)
class KindSpec:
    """One resource kind: alternative word sets an output key must contain (all words of one set,
    in any order) and its attributes."""

    label: str
    words: tuple[tuple[str, ...], ...]
    attrs: Mapping[str, AttrSpec]


ATTR_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "name": (("name",),),
    "arn": (("arn",),),
    "id": (("id",), ("identifier",)),
    "endpoint": (("endpoint", "address"), ("endpoint",), ("address",), ("hostname",), ("host",)),
    "dns": (("dns", "name"), ("dns",)),
    "port": (("endpoint", "port"), ("port",)),
}
"""Words of an output key that say which attribute it holds."""

ROLE_WORDS: dict[str, tuple[str, ...]] = {"source": ("source",), "target": ("target",)}
"""Words of an output key (or its stack name) that say which environment it belongs to."""

_SG_ID = _pattern(r"^sg-[0-9a-f]{8,17}$")
_SG = {
    "id": AttrSpec(_SG_ID, "a security group ID (sg-...)", derive_from=(("arn", lambda v: parse_arn(v).resource_id),)),
    "arn": AttrSpec(_arn_shape("ec2", "security-group"), "an EC2 security group ARN"),
}
_RDS_ID = _pattern(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")
_DB_ID = AttrSpec(
    _RDS_ID,
    "an RDS DB instance identifier",
    key_attrs=("id", "name"),
    derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
)
_ELB_NAME = _pattern(r"^[A-Za-z0-9](?!.*--)[A-Za-z0-9-]{0,31}$")
_ECS_NAME = _pattern(r"^[A-Za-z0-9_-]{1,255}$")


def _kms_key_id(value: str) -> bool:
    try:
        return not value.startswith("arn:") and normalize.kms_key(value).key_id is not None
    except IdentifierError:
        return False


def _elb_name(value: str) -> str:
    arn = parse_arn(value)
    parts = arn.resource_id.split("/")
    return parts[1] if arn.resource_type == "loadbalancer" else parts[0]


KINDS: dict[str, KindSpec] = {
    "bucket": KindSpec(
        "S3 bucket",
        (("bucket",),),
        {
            "name": AttrSpec(
                normalize.is_bucket_name, "an S3 bucket name", derive_from=(("arn", normalize.bucket_name),)
            ),
            "arn": AttrSpec(
                _arn_shape("s3", "", lambda a: not a.account and "/" not in a.resource), "an S3 bucket ARN"
            ),
        },
    ),
    "hosted_zone": KindSpec(
        "Route 53 hosted zone",
        (("hosted", "zone"),),
        {
            "id": AttrSpec(
                _raises_not(normalize.hosted_zone_id),
                "a Route 53 hosted zone ID",
                derive_from=(("arn", normalize.hosted_zone_id),),
            ),
            "name": AttrSpec(_zone_name_shape, "a DNS zone name"),
            "arn": AttrSpec(_arn_shape("route53", "hostedzone"), "a Route 53 hosted zone ARN"),
        },
    ),
    "dns_record": KindSpec(
        "DNS record",
        (("record",), ("dns", "record")),
        {
            "name": AttrSpec(_zone_name_shape, "a DNS name"),
        },
    ),
    "load_balancer": KindSpec(
        "load balancer",
        (("load", "balancer"), ("alb",), ("lb",)),
        {
            "arn": AttrSpec(
                _arn_shape("elasticloadbalancing", "loadbalancer"), "an Elastic Load Balancing load balancer ARN"
            ),
            "dns": AttrSpec(normalize.is_hostname, "a DNS name"),
            "name": AttrSpec(_ELB_NAME, "a load balancer name", derive_from=(("arn", _elb_name),)),
        },
    ),
    "target_group": KindSpec(
        "target group",
        (("target", "group"), ("tg",)),
        {
            "arn": AttrSpec(
                _arn_shape("elasticloadbalancing", "targetgroup"), "an Elastic Load Balancing target group ARN"
            ),
            "name": AttrSpec(_ELB_NAME, "a target group name", derive_from=(("arn", _elb_name),)),
        },
    ),
    "db_instance": KindSpec(
        "RDS DB instance",
        (("db", "instance"), ("database", "instance"), ("db",), ("database",), ("rds",)),
        {
            "id": _DB_ID,
            "name": _DB_ID,
            "arn": AttrSpec(_arn_shape("rds", "db"), "an RDS DB instance ARN"),
            "endpoint": AttrSpec(normalize.is_hostname, "a hostname"),
            "port": AttrSpec(_port, "a port number (1-65535)"),
        },
    ),
    "db_secret": KindSpec(
        "database secret",
        (("db", "secret"), ("database", "secret"), ("secret",)),
        {
            "arn": AttrSpec(_arn_shape("secretsmanager", "secret"), "a Secrets Manager secret ARN"),
            "name": AttrSpec(
                lambda v: not v.startswith("arn:") and _raises_not(normalize.secret_name)(v),
                "a secret name",
                derive_from=(("arn", normalize.secret_name),),
            ),
        },
    ),
    "kms_key": KindSpec(
        "KMS key",
        (("kms", "key"), ("kms",), ("encryption", "key")),
        {
            "arn": AttrSpec(_arn_shape("kms", "key"), "a KMS key ARN"),
            "id": AttrSpec(_kms_key_id, "a KMS key ID", derive_from=(("arn", lambda v: parse_arn(v).resource_id),)),
        },
    ),
    "ecs_cluster": KindSpec(
        "ECS cluster",
        (("ecs", "cluster"), ("cluster",)),
        {
            "name": AttrSpec(_ECS_NAME, "an ECS cluster name", derive_from=(("arn", normalize.ecs_cluster_name),)),
            "arn": AttrSpec(_arn_shape("ecs", "cluster"), "an ECS cluster ARN"),
        },
    ),
    "ecs_service": KindSpec(
        "ECS service",
        (("ecs", "service"), ("service",)),
        {
            "name": AttrSpec(
                _ECS_NAME, "an ECS service name", derive_from=(("arn", lambda v: normalize.ecs_service(v).name),)
            ),
            "arn": AttrSpec(_arn_shape("ecs", "service"), "an ECS service ARN"),
        },
    ),
    "task_definition": KindSpec(
        "ECS task definition",
        (("task", "definition"), ("task", "def"), ("taskdef",)),
        {
            "arn": AttrSpec(_arn_shape("ecs", "task-definition"), "an ECS task definition ARN"),
            "name": AttrSpec(
                _ECS_NAME,
                "a task definition family",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id.split(":")[0]),),
            ),
        },
    ),
    "security_group": KindSpec("security group", (("security", "group"), ("sg",)), _SG),
    "service_security_group": KindSpec(
        "service security group", (("service", "security", "group"), ("service", "sg")), _SG
    ),
    "db_security_group": KindSpec(
        "DB security group", (("db", "security", "group"), ("database", "security", "group"), ("db", "sg")), _SG
    ),
    "alb_security_group": KindSpec(
        "load balancer security group",
        (
            ("load", "balancer", "security", "group"),
            ("alb", "security", "group"),
            ("lb", "security", "group"),
            ("alb", "sg"),
        ),
        _SG,
    ),
    "dms_endpoint": KindSpec(
        "DMS endpoint",
        (("dms", "endpoint"),),
        {
            "arn": AttrSpec(_arn_shape("dms", "endpoint"), "a DMS endpoint ARN"),
        },
    ),
    "dms_replication_instance": KindSpec(
        "DMS replication instance",
        (("dms", "replication", "instance"), ("replication", "instance")),
        {
            "arn": AttrSpec(_arn_shape("dms", "rep"), "a DMS replication instance ARN"),
        },
    ),
    "replication_task": KindSpec(
        "DMS replication task",
        (("replication", "task"), ("dms", "task")),
        {
            "arn": AttrSpec(_arn_shape("dms", "task"), "a DMS replication task ARN"),
        },
    ),
    "dms_role": KindSpec(
        "DMS IAM role",
        (("dms", "role"),),
        {
            "arn": AttrSpec(_arn_shape("iam", "role"), "an IAM role ARN"),
            "name": AttrSpec(
                _pattern(r"^[\w+=,.@-]{1,64}$"), "an IAM role name", derive_from=(("arn", normalize.iam_role_name),)
            ),
        },
    ),
    "sns_topic": KindSpec(
        "SNS topic",
        (("sns", "topic"), ("topic",), ("alarm", "topic")),
        {
            "arn": AttrSpec(_arn_shape("sns", ""), "an SNS topic ARN"),
            "name": AttrSpec(
                _pattern(r"^[A-Za-z0-9_-]{1,256}(\.fifo)?$"),
                "an SNS topic name",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
            ),
        },
    ),
    "vpc": KindSpec(
        "VPC",
        (("vpc",),),
        {
            "id": AttrSpec(
                _pattern(r"^vpc-[0-9a-f]{8,17}$"),
                "a VPC ID (vpc-...)",
                derive_from=(("arn", lambda v: parse_arn(v).resource_id),),
            ),
            "arn": AttrSpec(_arn_shape("ec2", "vpc"), "an EC2 VPC ARN"),
        },
    ),
    "log_group": KindSpec(
        "CloudWatch Logs log group",
        (("log", "group"), ("logs", "group")),
        {
            "name": AttrSpec(
                lambda v: not v.startswith("arn:") and _raises_not(normalize.log_group_name)(v),
                "a log group name",
                derive_from=(("arn", normalize.log_group_name),),
            ),
            "arn": AttrSpec(_arn_shape("logs", "log-group"), "a CloudWatch Logs log group ARN"),
        },
    ),
}
"""Resource kinds the resolver knows, by the name ``OutputResolver.get(kind=...)`` takes."""


def _contains(tokens: Sequence[str], words: Sequence[str]) -> bool:
    pool = list(tokens)
    for word in words:
        if word not in pool:
            return False
        pool.remove(word)
    return True


def _adjacent(tokens: Sequence[str], words: Sequence[str]) -> bool:
    size = len(words)
    return any(sorted(tokens[i : i + size]) == sorted(words) for i in range(len(tokens) - size + 1))


def _without(tokens: Sequence[str], words: Sequence[str]) -> list[str]:
    pool = list(tokens)
    for word in words:
        pool.remove(word)
    return pool


@dataclass(frozen=True)
class OutputEntry:
    """How the resolver reads one output: the kinds its key names (most specific word set wins),
    the attribute word (None when the key has none), the role (None: shared, or a key naming
    several roles) and the remaining qualifier words (``logs`` in ``SourceLogsBucketName``)."""

    key: str
    value: str
    stack: str | None
    kinds: tuple[str, ...]
    attr: str | None
    role: str | None
    qualifiers: tuple[str, ...]


@dataclass(frozen=True)
class OutputMatch:
    """A resolved output: ``value`` read from output ``key`` (of ``stack`` when known);
    ``derived_from`` names the attribute it was derived from ("arn"), None when read as is."""

    key: str
    value: str
    stack: str | None = None
    derived_from: str | None = None


def _norm_name(value: str) -> str:
    return re.sub(r"[\s-]+", "_", value.strip()).lower()


class OutputResolver:
    """Find a stack output by environment role, resource kind and attribute, never by exact key.

    A key qualifies when its words name the kind (``KINDS``), the attribute (``ATTR_WORDS``) and
    the role (``ROLE_WORDS``; no role word means shared), AND its value has the attribute's shape
    (an ARN of that service and resource type, a valid bucket name, ...). ``source`` names where
    the outputs came from in messages.
    """

    def __init__(
        self,
        outputs: Mapping[str, str],
        *,
        source: str = DEFAULT_OUTPUTS_FILE,
        stacks: Mapping[str, str] | None = None,
        kinds: Mapping[str, KindSpec] | None = None,
        roles: Mapping[str, Sequence[str]] | None = None,
    ):
        self.source = str(source)
        self.kinds = dict(KINDS if kinds is None else kinds)
        self.roles = {r: tuple(w) for r, w in (ROLE_WORDS if roles is None else roles).items()}
        self.outputs = dict(outputs)
        stacks = stacks or {}
        self.entries = {key: self._classify(key, value, stacks.get(key)) for key, value in self.outputs.items()}

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] = DEFAULT_OUTPUTS_FILE, **kwargs: Any) -> "OutputResolver":
        """A resolver over a flat or nested outputs file (see ``load_outputs`` for errors raised)."""
        flat, nested = read_outputs(path)
        stacks = {key: stack for stack, values in (nested or {}).items() for key in values}
        return cls(flat, source=str(path), stacks=stacks, **kwargs)

    @classmethod
    def from_nested(
        cls, nested: Mapping[str, Mapping[str, str]], *, source: str = "DescribeStacks", **kwargs: Any
    ) -> "OutputResolver":
        """A resolver over ``{stack: {key: value}}`` (cdk CLI file or ``describe_stack_outputs``);
        a key without a role word takes the role its stack name names."""
        flat = flatten_outputs(nested, source=source)
        stacks = {key: stack for stack, values in nested.items() for key in values}
        return cls(flat, source=source, stacks=stacks, **kwargs)

    def _classify(self, key: str, value: str, stack: str | None) -> OutputEntry:
        tokens = list(key_words(key))
        # The most specific word set wins: LoadBalancerSecurityGroupId is a security group's, not a
        # load balancer's. Among equally long sets, adjacent words win (FlowLogGroupName in the
        # target environment names a log group, not a target group). Remaining ties make the key
        # a candidate for each tied kind.
        best: dict[str, tuple[tuple[int, bool], tuple[str, ...]]] = {}
        for name, spec in self.kinds.items():
            for words in spec.words:
                if _contains(tokens, words):
                    score = (len(words), _adjacent(tokens, words))
                    if name not in best or score > best[name][0]:
                        best[name] = (score, words)
        top = max((score for score, _ in best.values()), default=None)
        kinds = [name for name, (score, _) in best.items() if score == top]
        rest = _without(tokens, best[kinds[0]][1]) if kinds else tokens
        attr, attr_words = None, ()
        for name, alternatives in ATTR_WORDS.items():
            for words in alternatives:
                if len(words) > len(attr_words) and _contains(rest, words):
                    attr, attr_words = name, words
        rest = _without(rest, attr_words)
        roles = {r for r, words in self.roles.items() if any(w in rest for w in words)}
        if not roles and stack:
            roles = {r for r, words in self.roles.items() if any(w in key_words(stack) for w in words)}
        role_words = {w for words in self.roles.values() for w in words}
        return OutputEntry(
            key=key,
            value=value,
            stack=stack,
            kinds=tuple(kinds),
            attr=attr,
            role=roles.pop() if len(roles) == 1 else None,
            qualifiers=tuple(t for t in rest if t not in role_words),
        )

    def _query(self, role: str | None, kind: str, attr: str) -> tuple[str | None, str, str, KindSpec, AttrSpec]:
        role_name = None if role is None or _norm_name(role) in {"none", "shared", ""} else _norm_name(role)
        if role_name is not None and role_name not in self.roles:
            raise BadInputError(f"unknown role {role!r}; known: {sorted(self.roles)} or None/'shared'")
        kind_name = _norm_name(kind)
        if kind_name not in self.kinds:
            raise BadInputError(f"unknown resource kind {kind!r}; known: {sorted(self.kinds)}")
        spec = self.kinds[kind_name]
        attr_name = _norm_name(attr)
        if attr_name not in spec.attrs:
            raise BadInputError(f"a {spec.label} has no attribute {attr!r} here; known: {sorted(spec.attrs)}")
        return role_name, kind_name, attr_name, spec, spec.attrs[attr_name]

    @staticmethod
    def _qualified(entry: OutputEntry, qualifier: str | None) -> bool:
        if not qualifier:
            return True
        want = re.sub(r"[^a-z0-9]", "", qualifier.lower())
        quals = entry.qualifiers
        return any("".join(quals[i:j]) == want for i in range(len(quals)) for j in range(i + 1, len(quals) + 1))

    def _describe(self, role: str | None, spec: KindSpec, attr: str, qualifier: str | None) -> str:
        qual = f" ({qualifier})" if qualifier else ""
        return f"{role or 'shared'} {spec.label}{qual} {attr}"

    def find(self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None) -> list[OutputMatch]:
        """Every output that matches, without raising for none or several (values deduplicated).

        Outputs holding the attribute itself win; derived values (bucket name from bucket ARN)
        are returned only when there are none.
        """
        return self._find(role, kind, attr, qualifier)[0]

    def _find(
        self, role: str | None, kind: str, attr: str, qualifier: str | None
    ) -> tuple[list[OutputMatch], list[str], str]:
        role_name, kind_name, attr_name, spec, attr_spec = self._query(role, kind, attr)
        direct: list[OutputMatch] = []
        derived: list[OutputMatch] = []
        seen: list[str] = []
        key_attrs = attr_spec.key_attrs or (attr_name,)
        derivers = dict(attr_spec.derive_from)
        for entry in self.entries.values():
            if kind_name not in entry.kinds:
                continue
            why = None
            if entry.role != role_name:
                why = f"role {entry.role or 'shared'}"
            elif not self._qualified(entry, qualifier):
                why = f"qualifier {' '.join(entry.qualifiers) or 'none'}"
            elif entry.attr is None or entry.attr in key_attrs:
                if attr_spec.shape(entry.value):
                    direct.append(OutputMatch(entry.key, entry.value, entry.stack))
                else:
                    why = f"value {entry.value!r} is not {attr_spec.describe}"
            elif entry.attr in derivers:
                try:
                    value = derivers[entry.attr](entry.value)
                except IdentifierError:
                    value = None
                if value is not None and attr_spec.shape(value):
                    derived.append(OutputMatch(entry.key, value, entry.stack, derived_from=entry.attr))
                else:
                    why = f"value {entry.value!r} does not give {attr_spec.describe}"
            else:
                why = f"holds the {entry.attr}"
            if why:
                seen.append(f"{entry.key} ({why})")
        found = direct or derived
        unique: dict[str, OutputMatch] = {}
        for match in found:
            unique.setdefault(match.value, match)
        if not any(kind_name in e.kinds for e in self.entries.values()):
            seen = [f"{k} (not a {spec.label})" for k in sorted(self.entries)]
        return list(unique.values()), seen, self._describe(role_name, spec, attr_name, qualifier)

    def resolve(self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None) -> OutputMatch:
        """The one output that matches, as an OutputMatch.

        Raises OutputNotFoundError (naming the outputs file, what was asked, the candidate keys
        seen with why each was passed over; next step: deploy) when none
        matches, AmbiguousOutputError listing the candidates when several distinct values match,
        and BadInputError for an unknown role, kind or attribute.
        """
        matches, seen, what = self._find(role, kind, attr, qualifier)
        if not matches:
            raise OutputNotFoundError(
                f"output for the {what} not found in {self.source}; candidates: [{', '.join(seen)}]",
                next_step=NextStep.DEPLOY_LOCAL,
            )
        if len(matches) > 1:
            keys = [m.key for m in matches]
            quals = sorted({" ".join(self.entries[k].qualifiers) for k in keys} - {""})
            hint = f"pass qualifier= one of {quals}" if quals else "give the outputs distinct names"
            raise AmbiguousOutputError(
                f"{len(matches)} outputs in {self.source} match the {what}: "
                f"{', '.join(f'{m.key}={m.value!r}' for m in matches)}; {hint}",
                candidates=keys,
            )
        return matches[0]

    def get(self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None) -> str:
        """The value of the one output that matches (see ``resolve`` for errors raised)."""
        return self.resolve(role=role, kind=kind, attr=attr, qualifier=qualifier).value
