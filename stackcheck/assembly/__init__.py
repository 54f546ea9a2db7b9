"""Synthesize a CDK app in-process (cached by source hash) and read its cloud assembly.

The cloud assembly is the directory the CDK writes (``cdk.out``): ``manifest.json`` lists the
artifacts; each ``aws:cloudformation:stack`` artifact names its template, its dependencies and,
in its metadata, the construct path of every logical ID. See
https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly and the cloud assembly
schema in ``aws-cdk.cloud-assembly-schema``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import runpy
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

# filelock and wcmatch (stackcheck.assembly.watch) load when an assembly is synthesized or keyed:
# reading one, or pytest's plugin start-up, needs neither.
from stackcheck.assembly.callsites import CALL_SITES_FILE, record_call_sites, write_call_sites
from stackcheck.errors import AssemblyError, NextStep, SynthesisError
from stackcheck.files import read_json

__all__ = [
    "CACHE_RECORD",
    "NAG_CONTEXT_KEY",
    "VALIDATION_CONTEXT_KEY",
    "CloudAssembly",
    "StackArtifact",
    "SynthResult",
    "cache_key",
    "load_cdk_json",
    "read_assembly",
    "synthesize",
]

CACHE_RECORD = "stackcheck-synth.json"
"""File inside the assembly directory that records the cache key it was synthesized from."""

STACK_ARTIFACT = "aws:cloudformation:stack"
LOGICAL_ID_METADATA = "aws:cdk:logicalId"
# Packages whose version changes what the app synthesizes.
SYNTH_PACKAGES = ("aws-cdk-lib", "constructs", "cdk-nag")
# What the cdk CLI adds to every app's context unless told otherwise (`cdk synth --path-metadata`
# and friends). Path metadata puts each resource's construct path in the template, which is how
# scanners recognize a CDK template and how findings point back at a construct.
CLI_CONTEXT_DEFAULTS = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:bundling-stacks": ["**"],
}
NAG_CONTEXT_KEY = "stackcheck:cdk-nag"
"""Context key: ``false`` synthesizes without cdk-nag's AwsSolutions checks (default ``true``)."""
VALIDATION_CONTEXT_KEY = "stackcheck:cdk-validation"
"""Context key: ``true`` keeps aws-cdk-lib's built-in CloudFormation validation at synthesis (default ``false``).

aws-cdk-lib (2.275 here) runs, in ``App.synth()``, a CloudFormation validation plugin (a port of
cfn-lint's schema rules, reported as warnings into ``validation-report.json``) unless the App
prop ``builtinCloudFormationValidation`` is false, ``CDK_VALIDATION=false`` is set or
``cdk synth --no-validation`` is used. Every scan runs cfn-lint itself on every template, so the
plugin only repeats it: for this app it doubles synthesis time (about 8 s against 3.7 s) and
nearly triples its memory (about 580 MB against 210 MB). An app that sets the prop itself keeps its choice.
"""
# Context every in-process synthesis merges first; being in the merged context puts it in the
# cache key, so an assembly synthesized with cdk-nag (or the CDK's validation) is never reused
# for one without, or back.
CONTEXT_DEFAULTS = {**CLI_CONTEXT_DEFAULTS, NAG_CONTEXT_KEY: True, VALIDATION_CONTEXT_KEY: False}
# jsii prints a banner per process for Node.js versions it no longer tests; the gate's output is
# for findings. END_OF_LIFE takes the list of major versions to silence.
JSII_QUIET = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,19,20,21,23",
}


@dataclass(frozen=True)
class StackArtifact:
    """One CloudFormation stack of the cloud assembly.

    ``artifact_id`` is the construct id of the stack (what ``cdk deploy ID`` takes);
    ``stack_name`` is the CloudFormation stack name; ``dependencies`` are artifact ids of
    other *stacks* (asset manifests are left out); ``construct_paths`` maps logical ID →
    construct path (``/TapStackdevSource/Database/Resource``).
    """

    artifact_id: str
    stack_name: str
    template_file: Path
    dependencies: tuple[str, ...]
    construct_paths: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def template(self) -> dict[str, Any]:
        """The parsed template (a dict); raises AssemblyError naming the file if unreadable."""
        return _load_json(self.template_file, what="template")

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """``Resources`` of the template: logical ID → resource dict."""
        return self.template.get("Resources", {}) or {}

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """``Outputs`` of the template: output key → output dict."""
        return self.template.get("Outputs", {}) or {}

    @property
    def exports(self) -> dict[str, str]:
        """Export names this stack declares, mapped to the output key that declares them.

        Only literal export names are listed; an export name built from intrinsics is skipped.
        """
        found = {}
        for key, output in self.outputs.items():
            name = (output.get("Export") or {}).get("Name")
            if isinstance(name, str):
                found[name] = key
        return found

    def resource_types(self) -> dict[str, int]:
        """Count of resources by CloudFormation type, e.g. ``{"AWS::S3::Bucket": 1}``."""
        counts: dict[str, int] = {}
        for resource in self.resources.values():
            counts[resource.get("Type", "?")] = counts.get(resource.get("Type", "?"), 0) + 1
        return counts

    def construct_path(self, logical_id: str) -> str | None:
        """Construct path of ``logical_id``, or None if the assembly does not record it."""
        path = self.construct_paths.get(logical_id)
        if path:
            return path
        meta = (self.resources.get(logical_id) or {}).get("Metadata") or {}
        return meta.get("aws:cdk:path")


@dataclass(frozen=True)
class CloudAssembly:
    """A read cloud assembly: ``stacks`` maps artifact id → StackArtifact in manifest order;
    ``missing_context``: the manifest's ``missing`` context keys (lookups synthesis could not make,
    answered with CDK's placeholder values)."""

    directory: Path
    stacks: Mapping[str, StackArtifact]
    missing_context: tuple[str, ...] = ()

    def stack(self, artifact_id: str) -> StackArtifact:
        """The stack with this artifact id (or stack name); AssemblyError listing ids if absent."""
        if artifact_id in self.stacks:
            return self.stacks[artifact_id]
        for artifact in self.stacks.values():
            if artifact.stack_name == artifact_id:
                return artifact
        raise AssemblyError(
            f"stack {artifact_id!r} is not in the cloud assembly {self.directory}; stacks: {sorted(self.stacks)}"
        )

    def deployment_waves(self) -> list[list[StackArtifact]]:
        """Stacks grouped so every stack comes after all it depends on.

        Stacks within one wave do not depend on each other and may deploy in parallel.
        Raises AssemblyError on a dependency cycle or a dependency on an unknown stack.
        """
        remaining = dict(self.stacks)
        done: set[str] = set()
        waves: list[list[StackArtifact]] = []
        while remaining:
            wave = [a for a in remaining.values() if set(a.dependencies) <= done]
            if not wave:
                missing = {d for a in remaining.values() for d in a.dependencies} - done - set(remaining)
                detail = f"unknown dependencies {sorted(missing)}" if missing else "a dependency cycle"
                raise AssemblyError(f"cannot order stacks {sorted(remaining)} in {self.directory}: {detail}")
            waves.append(sorted(wave, key=lambda a: a.artifact_id))
            for artifact in wave:
                done.add(artifact.artifact_id)
                del remaining[artifact.artifact_id]
        return waves

    def dependency_order(self) -> list[StackArtifact]:
        """All stacks, each after the stacks it depends on (waves flattened)."""
        return [a for wave in self.deployment_waves() for a in wave]

    def resource_count(self) -> int:
        """Total number of resources over all templates."""
        return sum(len(a.resources) for a in self.stacks.values())


@dataclass(frozen=True)
class SynthResult:
    """What ``synthesize`` did: the assembly, whether the cache was reused, and wall seconds."""

    assembly: CloudAssembly
    cached: bool
    seconds: float
    key: str


def _load_json(path: Path, *, what: str) -> Any:
    return read_json(path, what=what, error=AssemblyError, next_step=NextStep.RESYNTH)


def read_assembly(directory: str | os.PathLike[str] = "cdk.out") -> CloudAssembly:
    """Read the cloud assembly in ``directory``.

    Returns a CloudAssembly whose stacks keep manifest order. Raises AssemblyError naming the
    file when the directory, ``manifest.json`` or a template is missing or malformed, or when the
    assembly holds no stack.
    """
    root = Path(directory)
    if not root.is_dir():
        raise AssemblyError(f"cloud assembly directory {root} does not exist", next_step=NextStep.SYNTH)
    manifest = _load_json(root / "manifest.json", what="cloud assembly manifest")
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise AssemblyError(f"{root / 'manifest.json'} has no 'artifacts' object; is {root} a cloud assembly?")
    stack_ids = {k for k, v in artifacts.items() if isinstance(v, dict) and v.get("type") == STACK_ARTIFACT}
    stacks: dict[str, StackArtifact] = {}
    for artifact_id, artifact in artifacts.items():
        if artifact_id not in stack_ids:
            continue
        props = artifact.get("properties") or {}
        template_name = props.get("templateFile")
        if not template_name:
            raise AssemblyError(f"{root / 'manifest.json'}: stack {artifact_id} has no templateFile")
        paths: dict[str, str] = {}
        metadata_entries = dict(artifact.get("metadata") or {})
        if artifact.get("additionalMetadataFile"):  # newer CDK versions move metadata out
            extra = _load_json(root / artifact["additionalMetadataFile"], what="stack metadata file")
            metadata_entries.update(extra if isinstance(extra, dict) else {})
        for path, entries in metadata_entries.items():
            for entry in entries or []:
                if entry.get("type") == LOGICAL_ID_METADATA and isinstance(entry.get("data"), str):
                    paths[entry["data"]] = path
        stacks[artifact_id] = StackArtifact(
            artifact_id=artifact_id,
            stack_name=props.get("stackName") or artifact.get("displayName") or artifact_id,
            template_file=root / template_name,
            dependencies=tuple(d for d in artifact.get("dependencies", []) if d in stack_ids),
            construct_paths=paths,
        )
    if not stacks:
        raise AssemblyError(f"cloud assembly {root} holds no CloudFormation stack")
    for artifact in stacks.values():
        if not artifact.template_file.is_file():
            raise AssemblyError(
                f"template {artifact.template_file} of stack {artifact.artifact_id} does not exist",
                next_step=NextStep.RESYNTH,
            )
    missing = manifest.get("missing") or []
    keys = tuple(str(m.get("key")) for m in missing if isinstance(m, dict) and m.get("key"))
    return CloudAssembly(directory=root, stacks=stacks, missing_context=keys)


def load_cdk_json(app_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """Parse ``cdk.json`` in ``app_dir``; raises AssemblyError naming the file if absent or invalid."""
    path = Path(app_dir) / "cdk.json"
    data = read_json(  # its own mistake, not the assembly's: no "synthesize again"
        path,
        what="CDK settings file",
        error=AssemblyError,
        missing="run this in the folder holding the app's cdk.json, or name that folder with --app-dir DIR "
        "(scan: --synth-arg=--app-dir --synth-arg=DIR)",
    )
    if not isinstance(data, dict) or not isinstance(data.get("app"), str):
        raise AssemblyError(f'{path} must be an object with an "app" command string')
    return data


def cache_key(app_dir: str | os.PathLike[str] = ".", context: Mapping[str, Any] | None = None) -> str:
    """SHA-256 over everything that changes synthesis output.

    That is: the app's source files (``stackcheck.assembly.watch.watched_files``: ``cdk.json``'s
    ``watch`` read as the cdk CLI reads it), the app command, the merged context, and the installed
    versions of aws-cdk-lib, constructs and cdk-nag.
    """
    return _keyed(app_dir, context)[0]


def _keyed(app_dir: str | os.PathLike[str], context: Mapping[str, Any] | None) -> tuple[str, dict[str, str]]:
    """``(cache_key, {source file (POSIX, relative to app_dir): its SHA-256})``, the files read once."""
    from stackcheck.assembly.watch import watched_files

    root = Path(app_dir)
    cdk_json = load_cdk_json(root)
    digest = hashlib.sha256()
    files: dict[str, str] = {}
    for path in watched_files(root, cdk_json):
        relative = path.relative_to(root).as_posix()
        content = path.read_bytes()
        files[relative] = hashlib.sha256(content).hexdigest()
        digest.update(relative.encode())
        digest.update(b"\0")
        digest.update(content)
        digest.update(b"\0")
    merged = {**CONTEXT_DEFAULTS, **(cdk_json.get("context") or {}), **(context or {})}
    digest.update(json.dumps({"app": cdk_json["app"], "context": merged}, sort_keys=True).encode())
    for package in SYNTH_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest(), files


def _app_target(app_command: str) -> tuple[str, str]:
    """("module", name) for ``python -m name``, ("path", file) for ``python file.py``."""
    argv = shlex.split(app_command)
    if len(argv) >= 3 and argv[1] == "-m":
        return "module", argv[2]
    if len(argv) >= 2 and argv[1].endswith(".py"):
        return "path", argv[1]
    raise AssemblyError(
        f'cdk.json "app" is {app_command!r}; in-process synthesis needs `python -m MODULE` or `python FILE.py`'
    )


@contextlib.contextmanager
def _app_defaults(outdir: Path, context: Mapping[str, Any]) -> Iterator[None]:
    """Make every ``aws_cdk.App`` built meanwhile write to ``outdir`` with ``context``.

    The cdk CLI passes these through CDK_OUTDIR and CDK_CONTEXT_JSON, but in-process the jsii
    kernel (a Node.js child process) keeps the environment it started with, so a second
    synthesis in one Python process would read the first one's values. App props win over
    that environment: ``outdir`` directly, and ``post_cli_context`` after everything else.
    Unless ``context[NAG_CONTEXT_KEY]`` is false, each App also gets cdk-nag's AwsSolutions
    checks (see ``_add_nag_checks``). Unless ``context[VALIDATION_CONTEXT_KEY]`` is true, each App
    that does not set ``builtin_cloud_formation_validation`` itself gets it false (see
    ``VALIDATION_CONTEXT_KEY``).
    """
    import aws_cdk

    original = aws_cdk.App.__init__

    nag = _context_flag(context, NAG_CONTEXT_KEY, True)
    validation = _context_flag(context, VALIDATION_CONTEXT_KEY, False)

    def init(self, *args, **kwargs):
        kwargs["outdir"] = str(outdir)
        kwargs["post_cli_context"] = {**(kwargs.get("post_cli_context") or {}), **context}
        if kwargs.get("builtin_cloud_formation_validation") is None:
            kwargs["builtin_cloud_formation_validation"] = validation
        original(self, *args, **kwargs)
        if nag:
            _add_nag_checks(self)

    aws_cdk.App.__init__ = init  # type: ignore[method-assign]  # patched for this synthesis only
    try:
        yield
    finally:
        aws_cdk.App.__init__ = original  # type: ignore[method-assign]


def _context_flag(context: Mapping[str, Any], key: str, default: bool) -> bool:
    """``context[key]`` as a bool (absent: ``default``); AssemblyError for anything but true/false."""
    value = context.get(key, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if not isinstance(value, bool):
        raise AssemblyError(f"context {key}={value!r} must be true or false")
    return value


def _add_nag_checks(app: Any) -> None:
    """Add cdk-nag's AwsSolutions pack to ``app`` as a read-only aspect that only writes reports.

    The aspect runs after every mutating aspect (``AspectPriority.READONLY``), so it sees the
    resources as they are deployed. Its JSON reports (``AwsSolutions-...-NagReport.json``, one per
    stack: rule id, construct path, compliance, level, rule info) land in the App's outdir, the
    cloud assembly. cdk-nag's pack constructor always adds an AnnotationLogger, which turns
    Error-level findings into error annotations, and the cdk CLI refuses to deploy an assembly
    holding those; the findings belong in the reports (and so in the scan and its ledger), so
    the pack keeps its report logger only. See https://github.com/cdklabs/cdk-nag#readme.
    """
    import aws_cdk
    import cdk_nag

    checks = cdk_nag.AwsSolutionsChecks(reports=True, report_formats=[cdk_nag.NagReportFormat.JSON])
    checks._loggers = [logger for logger in checks._loggers if not isinstance(logger, cdk_nag.AnnotationLogger)]
    aws_cdk.Aspects.of(app).add(checks, priority=aws_cdk.AspectPriority.READONLY)


def synthesize(
    app_dir: str | os.PathLike[str] = ".",
    outdir: str | os.PathLike[str] | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    force: bool = False,
) -> SynthResult:
    """Synthesize the app ``cdk.json`` names, in this process, unless the cache is current.

    The app module runs as ``__main__``; every ``aws_cdk.App`` it builds gets ``outdir`` and the
    ``cdk.json`` context merged with ``context`` (what the cdk CLI passes as CDK_OUTDIR and
    CDK_CONTEXT_JSON). Output goes to a temporary
    directory that replaces ``outdir`` (default ``<app_dir>/cdk.out``; a relative one is under the
    current directory, as ``is_current`` and every command read it) only on success, so a
    failed synthesis never leaves a half-written assembly. When ``outdir`` already holds an
    assembly synthesized from the same ``cache_key``, it is reused (``cached=True``).

    Raises AssemblyError for a bad ``cdk.json`` and SynthesisError when the app raises; an interrupt
    (KeyboardInterrupt) passes through, the staging folder removed first.
    """
    root = Path(app_dir).resolve()
    out = Path(outdir).resolve() if outdir is not None else root / "cdk.out"
    for flag, value in JSII_QUIET.items():
        os.environ.setdefault(flag, value)
    out.parent.mkdir(parents=True, exist_ok=True)
    import filelock

    # One synthesis at a time per assembly folder (pytest-xdist workers share it).
    with filelock.FileLock(out.parent / f".{out.name}.lock"):
        return _synthesize_locked(root, out, context, force)


def _synthesize_locked(root: Path, out: Path, context: Mapping[str, Any] | None, force: bool) -> SynthResult:
    started = time.perf_counter()
    key, files = _keyed(root, context)
    record = out / CACHE_RECORD
    if not force and record.is_file() and (out / CALL_SITES_FILE).is_file():
        with contextlib.suppress(OSError, ValueError, AssemblyError):
            if json.loads(record.read_text()).get("key") == key:
                assembly = read_assembly(out)
                return SynthResult(assembly, True, time.perf_counter() - started, key)

    cdk_json = load_cdk_json(root)
    kind, target = _app_target(cdk_json["app"])
    merged = {**CONTEXT_DEFAULTS, **(cdk_json.get("context") or {}), **(context or {})}
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    added_path = str(root) not in sys.path
    if added_path:
        sys.path.insert(0, str(root))
    try:
        from stackcheck.assembly.watch import watched_files

        sources = watched_files(root, cdk_json)
        with _app_defaults(staging, merged), contextlib.chdir(root), record_call_sites(root, sources) as sites:
            if kind == "module":
                # Forget earlier imports of the app's package so edited sources take effect.
                package = target.split(".")[0]
                for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
                    del sys.modules[name]
                runpy.run_module(target, run_name="__main__", alter_sys=False)
            else:
                runpy.run_path(str(root / target), run_name="__main__")
        if not (staging / "manifest.json").is_file():
            raise SynthesisError(
                f"the app {cdk_json['app']!r} ran but wrote no cloud assembly; does it call app.synth()?"
            )
        write_call_sites(sites, staging, root)
        # the extra context is kept so is_current can recompute the key (`synth --no-nag`, then `deploy`)
        # the files' digests let `stale_reasons` name what changed
        (staging / CACHE_RECORD).write_text(
            json.dumps({"key": key, "context": dict(context or {}), "files": files}, default=str)
        )
        assembly_check = read_assembly(staging)  # validate before replacing the old one
        del assembly_check
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except SystemExit as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if exc.code not in (0, None):
            raise SynthesisError(f"the app {cdk_json['app']!r} exited with {exc.code}") from None
        raise SynthesisError(f"the app {cdk_json['app']!r} exited before synthesizing") from None
    except (AssemblyError, SynthesisError):
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SynthesisError(f"synthesis of {cdk_json['app']!r} failed: {type(exc).__name__}: {exc}") from exc
    except BaseException:  # interrupted (Ctrl-C): no staging folder is left behind either
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if added_path:
            with contextlib.suppress(ValueError):
                sys.path.remove(str(root))
    return SynthResult(read_assembly(out), False, time.perf_counter() - started, key)


def is_current(
    app_dir: str | os.PathLike[str] = ".",
    outdir: str | os.PathLike[str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """True when ``outdir`` holds an assembly synthesized from the current sources and context.

    ``context`` None: the extra context the assembly was synthesized with (``--context``,
    ``--no-nag``, recorded in its ``CACHE_RECORD``), so only a change of sources or of ``cdk.json``
    makes it stale.
    """
    root = Path(app_dir)
    out = Path(outdir) if outdir is not None else root / "cdk.out"
    try:
        record = json.loads((out / CACHE_RECORD).read_text())
        recorded = record.get("context") if context is None else context
        return record.get("key") == cache_key(root, recorded if isinstance(recorded, dict) else None)
    except (OSError, ValueError, AttributeError):
        return False


def stale_reasons(
    app_dir: str | os.PathLike[str] = ".",
    outdir: str | os.PathLike[str] | None = None,
    context: Mapping[str, Any] | None = None,
    limit: int = 5,
) -> list[str]:
    """Why ``outdir``'s assembly is not current (``is_current``), said for people: ``infra/app.py changed``,
    ``reports-qs/compliance.json added``, ``lib/old.py removed`` (the source files, sorted, at most ``limit``
    and ``and N more``), else ``cdk.json's app command or context, or the CDK package versions, changed``;
    ``no record of its sources (synthesized by another tool, or before stackcheck kept one)`` when the
    assembly has no usable record. Empty when current. Raises AssemblyError as ``load_cdk_json``."""
    root = Path(app_dir)
    out = Path(outdir) if outdir is not None else root / "cdk.out"
    try:
        record = json.loads((out / CACHE_RECORD).read_text())
    except (OSError, ValueError):
        record = None
    if not isinstance(record, dict):
        return ["no record of its sources (synthesized by another tool, or before stackcheck kept one)"]
    recorded = record.get("context") if context is None else context
    key, files = _keyed(root, recorded if isinstance(recorded, dict) else None)
    if record.get("key") == key:
        return []
    before = record.get("files")
    if not isinstance(before, dict):
        return [
            "its sources, cdk.json or the CDK versions changed (its record, from an older stackcheck, does not say which)"
        ]
    changes = sorted(
        [f"{name} changed" for name in files if name in before and before[name] != files[name]]
        + [f"{name} added" for name in files if name not in before]
        + [f"{name} removed" for name in before if name not in files]
    )
    if not changes:
        return ["cdk.json's app command or context, or the CDK package versions, changed"]
    more = len(changes) - limit
    return changes[:limit] + ([f"and {more} more"] if more > 0 else [])
