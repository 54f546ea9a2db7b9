"""Findings cache: each (scanner, template) unit's findings, before the ledger, keyed by everything that decides them.

A unit's key is the SHA-256 of the scan setup (tool versions, the policy pack's files, cfn-lint
regions, stackcheck's own scanner code, cfn-lint settings files) and of what the unit reads:
the stack id, the template path and bytes, the construct paths, and, for scanners that read the
cloud assembly around a template (cdk-nag's reports, assembly rules), every stack of that
assembly and its cdk-nag reports. Findings are stored before the suppression ledger is applied,
so editing the ledger never invalidates them. An entry carries a digest of its own content; an
entry that is unreadable, malformed or fails its digest is ignored, deleted and written again
after the unit runs. Crashed units are never stored. The directory holds a ``.gitignore`` of
``*`` so it never shows up in ``git status`` (as ``.pytest_cache`` does).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.base import StackContext

__all__ = [
    "DEFAULT_CACHE_DIR",
    "FORMAT",
    "MAX_AGE_DAYS",
    "TEMPLATE_SCOPED_TOOLS",
    "TOOL_DISTRIBUTIONS",
    "CachedUnit",
    "FindingsCache",
    "code_digest",
    "scan_setup",
    "tree_digest",
]

DEFAULT_CACHE_DIR = Path(".stackcheck") / "cache"
"""Where ``stackcheck scan`` keeps the cache, relative to the working directory."""

FORMAT = 1
"""Version of the entry layout; bumping it orphans every older entry."""

MAX_AGE_DAYS = 14
"""Entries neither written nor read for this many days are removed by ``FindingsCache.prune``."""

TEMPLATE_SCOPED_TOOLS = frozenset({"cfn-lint", "checkov"})
"""Tools whose findings depend on the template file alone; any other tool is keyed on its whole cloud assembly."""

TOOL_DISTRIBUTIONS = {
    "cfn-lint": "cfn-lint",
    "checkov": "checkov",
    "cdk-nag": "cdk-nag",
    "stackcheck-assembly": "stackcheck",
}
"""Tool name → the installed distribution whose version is the tool's version."""

# cfn-lint reads these from the working directory and the home directory (cfnlint.config.ConfigFileArgs).
_CFN_LINT_SETTINGS = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
_SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def tree_digest(root: str | os.PathLike[str], pattern: str = "**/*") -> str:
    """SHA-256 over every file under ``root`` matching ``pattern``: relative path and bytes, path order.

    ``__pycache__`` folders and ``*.pyc`` files are left out. A missing ``root`` gives the digest of
    no file (so the key still changes when the folder appears).
    """
    base = Path(root)
    parts: list[bytes] = []
    for path in sorted(base.glob(pattern)) if base.is_dir() else []:
        rel = path.relative_to(base)
        if not path.is_file() or path.suffix == ".pyc" or _SKIP_DIRS.intersection(rel.parts):
            continue
        parts += [rel.as_posix().encode(), path.read_bytes()]
    return _sha256(*parts)


def code_digest() -> str:
    """SHA-256 of stackcheck's own code that turns a tool's output into findings.

    That is ``stackcheck/scan/*.py``, ``stackcheck/findings.py`` and ``stackcheck/assembly.py``:
    an edited adapter must not be answered from entries the old one wrote.
    """
    package = Path(__file__).resolve().parents[1]
    parts: list[bytes] = []
    for path in [*sorted((package / "scan").glob("*.py")), package / "findings.py", package / "assembly.py"]:
        parts += [path.name.encode(), path.read_bytes() if path.is_file() else b""]
    return _sha256(*parts)


def _tool_version(tool: str) -> str:
    distribution = TOOL_DISTRIBUTIONS.get(tool, tool)
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def scan_setup(
    tools: Iterable[str], *, regions: Sequence[str] = (), policies: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """What every unit of a scan shares and its findings depend on, as a JSON-ready dict.

    ``tools`` are the scanners' tool names (versions are read from the installed distributions,
    ``TOOL_DISTRIBUTIONS``, without importing the tools); ``policies`` is the policy pack folder
    or None. Also holds the digest of stackcheck's scanner code and of any cfn-lint settings
    file in the working or home directory.
    """
    settings = {}
    for folder in (Path.cwd(), Path.home()):
        for name in _CFN_LINT_SETTINGS:
            path = folder / name
            if path.is_file():
                settings[str(path)] = _sha256(path.read_bytes())
    return {
        "format": FORMAT,
        "tools": {tool: _tool_version(tool) for tool in tools},
        "regions": list(regions),
        "policies": None
        if policies is None
        else {"path": str(Path(policies).resolve()), "digest": tree_digest(policies)},
        "code": code_digest(),
        "cfn_lint_settings": settings,
    }


class CachedUnit:
    """One stored unit: its findings (before the ledger) and the CPU seconds of each rule when it ran."""

    __slots__ = ("findings", "rule_seconds", "seconds")

    def __init__(self, findings: tuple[Finding, ...], rule_seconds: Mapping[str, float], seconds: float):
        self.findings = findings
        self.rule_seconds = dict(rule_seconds)
        self.seconds = seconds


class FindingsCache:
    """The findings cache in ``directory`` for one scan ``setup`` (see ``scan_setup``).

    ``unit_key`` names a unit; ``get``/``put`` read and write its entry; ``get_registry``/``put_registry``
    keep what the loaded scanners told about themselves (tool, version, rule ids), so a scan whose
    units all hit never loads cfn-lint or checkov. ``hits``, ``misses`` and ``rejected`` (corrupt
    entries ignored) count this object's lookups. Raises nothing for a broken entry; OSError only
    when ``directory`` cannot be created on the first write.
    """

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_CACHE_DIR, *, setup: Mapping[str, Any]):
        self.directory = Path(directory)
        self.setup = dict(setup)
        self.setup_key = _sha256(_canonical(self.setup))
        self.hits = 0
        self.misses = 0
        self.rejected = 0
        self._assemblies: dict[Path, str] = {}

    # -- keys -------------------------------------------------------------------------------

    def unit_key(self, tool: str, context: StackContext) -> str:
        """Key of ``tool`` on ``context``'s template: setup, stack id, template path and bytes, construct paths.

        For a tool outside ``TEMPLATE_SCOPED_TOOLS`` the cloud assembly around the template is part
        of the key too (``assembly_digest``). Raises OSError when the template cannot be read.
        """
        template = Path(context.template_file)
        parts = [
            self.setup_key.encode(),
            tool.encode(),
            context.stack.encode(),
            str(template).encode(),
            template.read_bytes(),
            _canonical(dict(context.construct_paths)),
        ]
        if tool not in TEMPLATE_SCOPED_TOOLS:
            parts.append(self.assembly_digest(template.parent).encode())
        return _sha256(*parts)

    def assembly_digest(self, directory: str | os.PathLike[str]) -> str:
        """SHA-256 of what a scanner can read from the cloud assembly in ``directory``.

        Every stack (artifact id, stack name, template path and bytes, dependencies, construct
        paths) and every cdk-nag report file; stack traces and other metadata that change on each
        synthesis are left out. A folder without ``manifest.json`` (or a malformed assembly,
        which the scan itself reports) gives a digest of its manifest state alone.
        """
        from stackcheck.errors import StackcheckError

        root = Path(directory).resolve()
        if root in self._assemblies:
            return self._assemblies[root]
        manifest = root / "manifest.json"
        parts: list[bytes] = [str(root).encode()]
        if manifest.is_file():
            from stackcheck.assembly import read_assembly

            try:
                assembly = read_assembly(root)
            except (StackcheckError, OSError):
                parts.append(manifest.read_bytes())
            else:
                for artifact in assembly.stacks.values():
                    parts += [
                        artifact.artifact_id.encode(),
                        artifact.stack_name.encode(),
                        str(artifact.template_file).encode(),
                        artifact.template_file.read_bytes(),
                        _canonical(list(artifact.dependencies)),
                        _canonical(dict(artifact.construct_paths)),
                    ]
            for report in sorted(root.glob("*-NagReport.*")):
                parts += [report.name.encode(), report.read_bytes()]
        else:
            parts.append(b"no cloud assembly")
        self._assemblies[root] = _sha256(*parts)
        return self._assemblies[root]

    # -- entries ----------------------------------------------------------------------------

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedUnit | None:
        """The unit stored under ``key``, or None (absent, or corrupt: then deleted and counted in ``rejected``)."""
        body = self._read("units", key)
        if body is not None:
            try:
                findings = tuple(Finding.from_dict(item) for item in body["findings"])
                rules = {str(k): float(v) for k, v in body["rule_seconds"].items()}
                unit = CachedUnit(findings, rules, float(body["seconds"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                self._reject("units", key)
            else:
                self.hits += 1
                return unit
        self.misses += 1
        return None

    def put(self, key: str, findings: Iterable[Finding], rule_seconds: Mapping[str, float], seconds: float) -> None:
        """Store a unit's findings (before the ledger), its rules' CPU seconds and its wall seconds under ``key``."""
        self._write(
            "units",
            key,
            {"findings": [f.to_dict() for f in findings], "rule_seconds": dict(rule_seconds), "seconds": seconds},
        )

    def get_registry(self) -> list[dict[str, Any]] | None:
        """What the scanners of this setup told about themselves (see ``put_registry``), or None."""
        body = self._read("registry", self.setup_key)
        scanners = body.get("scanners") if body else None
        if body is not None and not (isinstance(scanners, list) and all(isinstance(s, dict) for s in scanners)):
            self._reject("registry", self.setup_key)
            return None
        return scanners

    def put_registry(self, scanners: Sequence[dict[str, Any]]) -> None:
        """Store each scanner's ``tool``, ``version``, ``reports_passes``, ``rule_ids`` (and optional extras)."""
        self._write("registry", self.setup_key, {"scanners": list(scanners)})

    def prune(self, max_age_days: float = MAX_AGE_DAYS, *, now: float | None = None) -> int:
        """Delete entries not written or read for ``max_age_days``; returns how many were deleted."""
        cutoff = (now if now is not None else time.time()) - max_age_days * 86400
        removed = 0
        for kind in ("units", "registry"):
            for path in (self.directory / kind).glob("*/*.json"):
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except OSError:
                    continue
        return removed

    # -- storage ----------------------------------------------------------------------------

    def _read(self, kind: str, key: str) -> dict[str, Any] | None:
        path = self._path(kind, key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            entry = json.loads(raw)
            body = entry["body"]
            valid = (
                isinstance(entry, dict)
                and entry.get("format") == FORMAT
                and entry.get("key") == key
                and isinstance(body, dict)
                and entry.get("digest") == _sha256(_canonical(body))
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            self._reject(kind, key)
            return None
        if kind == "units":  # mark it used, for prune
            with contextlib.suppress(OSError):
                os.utime(path)
        return body

    def _reject(self, kind: str, key: str) -> None:
        self.rejected += 1
        self._path(kind, key).unlink(missing_ok=True)

    def _write(self, kind: str, key: str, body: dict[str, Any]) -> None:
        path = self._path(kind, key)
        marker = self.directory / ".gitignore"
        if not marker.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            marker.write_text("# created by stackcheck: the findings cache is never committed\n*\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"format": FORMAT, "key": key, "digest": _sha256(_canonical(body)), "body": body}
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_canonical(entry))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
