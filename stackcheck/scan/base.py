"""What every scanner adapter shares: the stack context, the adapter protocol, template loading."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from stackcheck.errors import BadInputError
from stackcheck.files import read_json, read_text
from stackcheck.findings import Finding, PropertyPath, Severity, Status

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.assembly import StackArtifact

__all__ = [
    "SCANNER_ERROR_RULE",
    "Scanner",
    "StackContext",
    "load_template",
    "scanner_error_finding",
    "split_resource_path",
    "stack_id_for_file",
]

SCANNER_ERROR_RULE = "stackcheck.scanner-error"
"""Rule id of the finding that stands for a scanner that crashed on a template."""

_TEMPLATE_SUFFIXES = (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml", ".template")


@dataclass(frozen=True)
class StackContext:
    """What an adapter needs to know about the template it scans, besides the file.

    ``stack`` is the artifact id (or the file name less its template suffix);
    ``construct_paths`` maps logical ID → construct path; ``resource_types`` maps logical ID →
    CloudFormation type (``AWS::S3::Bucket``).
    """

    stack: str
    template_file: Path
    construct_paths: Mapping[str, str] = field(default_factory=dict)
    resource_types: Mapping[str, str] = field(default_factory=dict)

    def construct_path(self, logical_id: str | None) -> str | None:
        """Construct path of ``logical_id``; None when unknown or ``logical_id`` is None."""
        return self.construct_paths.get(logical_id) if logical_id else None

    def resource_type(self, logical_id: str | None) -> str | None:
        """CloudFormation type of ``logical_id``; None when not a resource of the template."""
        return self.resource_types.get(logical_id) if logical_id else None

    @classmethod
    def from_template(
        cls,
        template_file: str | Path,
        template: Mapping[str, Any],
        stack: str | None = None,
        construct_paths: Mapping[str, str] | None = None,
    ) -> StackContext:
        """Context for a parsed template; construct paths default to each resource's ``aws:cdk:path`` metadata.

        Plain ``str`` values only (cfn-lint's parser hands out str subclasses carrying marks), so a context
        pickles for a worker process."""
        resources = template.get("Resources") or {}
        types = {
            str(lid): str(r["Type"])
            for lid, r in resources.items()
            if isinstance(r, Mapping) and isinstance(r.get("Type"), str)
        }
        paths = {str(lid): str(path) for lid, path in (construct_paths or {}).items()}
        for lid, resource in resources.items():
            meta = resource.get("Metadata") if isinstance(resource, Mapping) else None
            cdk_path = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
            if isinstance(cdk_path, str) and str(lid) not in paths:
                paths[str(lid)] = str(cdk_path)
        path = Path(template_file)
        return cls(
            stack=str(stack or stack_id_for_file(path)), template_file=path, construct_paths=paths, resource_types=types
        )

    @classmethod
    def from_artifact(cls, artifact: StackArtifact) -> StackContext:
        """Context for a stack of the cloud assembly; the template is parsed (and checked) here."""
        template = load_template(artifact.template_file)
        paths = artifact.construct_paths
        return cls.from_template(artifact.template_file, template, artifact.artifact_id, paths)


@runtime_checkable
class Scanner(Protocol):
    """A scanner adapter: load the tool once, then scan one template at a time.

    ``tool`` is the name findings carry (``cfn-lint``); ``reports_passes`` tells whether the tool
    reports passed checks (cfn-lint does not, so its passes are "not applicable");
    ``version`` is the tool's version string.
    """

    tool: str

    @property
    def reports_passes(self) -> bool:
        """True when the tool reports passed checks."""

    @property
    def version(self) -> str:
        """The tool's version string."""

    def rule_ids(self) -> frozenset[str]:
        """Every rule id this scanner can report (its registry), for ledger validation."""

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Findings of this tool on one template; may raise on a crash (the runner catches it)."""


def stack_id_for_file(path: Path) -> str:
    """``TapStackdevSource.template.json`` → ``TapStackdevSource``; ``bucket.yaml`` → ``bucket``."""
    name = path.name
    for suffix in _TEMPLATE_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def load_template(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation template (JSON, or YAML with short-form intrinsics like ``!Ref``).

    ``.json`` files must be strict JSON (YAML would accept some broken JSON). Raises
    BadInputError naming the file (and line) when it is missing, unreadable, malformed, not an
    object or has no ``Resources`` object (which CloudFormation requires). An empty ``Resources``
    object is a valid template: it is scanned like any other.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise BadInputError(
            f"template {path} {what}; give the path of a CloudFormation template file, "
            "or scan the whole cloud assembly with --assembly cdk.out"
        )
    if path.suffix.lower() == ".json":
        template = read_json(path, what="template")
    else:
        from cfnlint.decode import decode_str  # knows the short-form intrinsic tags (!Ref, !Sub)

        text = read_text(path, what="template")
        template, errors = decode_str(text)
        if errors:
            first = errors[0]
            raise BadInputError(f"template {path} is not valid YAML or JSON (line {first.linenumber}: {first.message})")
    if not isinstance(template, dict):
        raise BadInputError(f"template {path} must be an object (mapping) at the top, got {type(template).__name__}")
    if not isinstance(template.get("Resources"), dict):
        # An empty Resources object is valid input (cfn-lint lints it); a missing one is not a template.
        raise BadInputError(
            f"template {path} has no Resources object; is it a CloudFormation template? "
            "CloudFormation requires one (an empty `Resources: {}` is valid)"
        )
    return template


def split_resource_path(path: list[str | int] | tuple[str | int, ...] | None) -> tuple[str | None, PropertyPath]:
    """``["Resources", "Bucket", "Properties", "X"]`` → ``("Bucket", ("Properties", "X"))``.

    Paths outside ``Resources`` keep their full path and have no logical ID.
    """
    parts = tuple(path or ())
    if len(parts) >= 2 and parts[0] == "Resources" and isinstance(parts[1], str):
        return parts[1], parts[2:]
    return None, parts


_WHITESPACE = re.compile(r"\s+")


def scanner_error_finding(tool: str, context: StackContext, exc: BaseException) -> Finding:
    """The ERROR finding (status UNKNOWN) that stands for ``tool`` crashing on ``context``'s template."""
    detail = _WHITESPACE.sub(" ", str(exc)).strip()[:500] or "no message"
    return Finding(
        rule_id=SCANNER_ERROR_RULE,
        severity=Severity.ERROR,
        tool=tool,
        stack=context.stack,
        message=f"{tool} crashed on {context.template_file}: {type(exc).__name__}: {detail}; "
        "its checks on this template did not run",
        status=Status.UNKNOWN,
        template_file=str(context.template_file),
    )
