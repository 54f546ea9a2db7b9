"""Where in the app's Python sources each construct was created, recorded during in-process synthesis.

The CDK's own construct stack traces (``aws:cdk:stackTrace`` metadata, on with ``CDK_DEBUG`` or
the ``@aws-cdk/core:stackTraces`` feature) are taken in the Node.js process jsii runs, so they
show JavaScript frames, never the Python line that made the construct. Every Python-side
construct is made through ``jsii.create(cls, obj, args)``, so ``record_call_sites`` wraps that
one function while the app runs: for each ``constructs.Construct`` it keeps the innermost
frame in one of the app's source files that is not the construct's own ``__init__`` chain (a
``Construct`` subclass of the app calling ``super().__init__``), and after the app has run it
reads each construct's path. Constructs made inside the CDK (a Bucket's ``Resource``, a VPC's
subnets) have no Python frame; ``CallSites.locate`` answers for them with the nearest recorded
ancestor, the line that made the construct they belong to.

The record is ``stackcheck-callsites.json`` in the cloud assembly: ``{"format": 1, "root":
<the app folder, relative to the assembly folder>, "sites": {construct path: [file relative to
the app folder, 1-based line]}}``, construct paths without the leading ``/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["CALL_SITES_FILE", "CallSite", "CallSites", "load_call_sites", "record_call_sites", "write_call_sites"]

CALL_SITES_FILE = "stackcheck-callsites.json"
"""File inside the cloud assembly folder holding the construct call sites (see the module docstring)."""
_FORMAT = 1


@dataclass(frozen=True)
class CallSite:
    """One source line: ``file`` is absolute, ``line`` 1-based."""

    file: Path
    line: int


@dataclass(frozen=True)
class CallSites:
    """Recorded call sites of one cloud assembly: ``sites`` maps construct path (no leading ``/``) → CallSite."""

    sites: Mapping[str, CallSite] = field(default_factory=dict)

    def locate(self, construct_path: str | None) -> CallSite | None:
        """Call site of ``construct_path`` or of its nearest recorded ancestor; None when none is recorded.

        ``/Stack/Bucket/Resource`` → the site of ``Stack/Bucket`` when ``Stack/Bucket/Resource``
        itself was made by the CDK rather than by the app.
        """
        path = (construct_path or "").strip("/")
        while path:
            site = self.sites.get(path)
            if site is not None:
                return site
            path = path.rpartition("/")[0]
        return None


def load_call_sites(assembly_dir: str | os.PathLike[str]) -> CallSites:
    """The call sites recorded in ``assembly_dir``; empty when it holds none or an unreadable record.

    An assembly the cdk CLI synthesized has no record, and a report must still be written from
    it, so a missing or malformed file is not an error: results then stay at template lines.
    """
    directory = Path(assembly_dir)
    try:
        data = json.loads((directory / CALL_SITES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return CallSites()
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("sites"), dict):
        return CallSites()
    root = (directory / str(data.get("root") or ".")).resolve()
    sites = {}
    for path, where in data["sites"].items():
        if (
            isinstance(where, list)
            and len(where) == 2
            and isinstance(where[0], str)
            and isinstance(where[1], int)
            and where[1] >= 1
        ):
            sites[str(path)] = CallSite(root / where[0], where[1])
    return CallSites(sites)


def _call_site(frame: FrameType | None, obj: Any, sources: Collection[str]) -> tuple[str, int] | None:
    """The innermost frame in ``sources`` (absolute file names) that is not ``obj``'s own constructor."""
    while frame is not None:
        if frame.f_code.co_filename in sources and frame.f_locals.get("self") is not obj:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None


@contextlib.contextmanager
def record_call_sites(root: Path, sources: Collection[Path]) -> Iterator[dict[str, Any]]:
    """Record, while the block runs, where each construct made from the app's ``sources`` was created.

    ``root`` is the app folder; ``sources`` the app's source files (``watched_files``). Yields a
    dict that, when the block ends without an exception, holds the record (the module
    docstring's shape less ``root``, which the caller sets when writing it with
    ``write_call_sites``). Constructs are resolved to their paths after the block, while the jsii
    kernel still runs; a construct whose path cannot be read is left out.
    """
    import constructs
    import jsii

    names = {os.path.realpath(p) for p in sources} | {str(p) for p in sources}
    pending: list[tuple[Any, str, int]] = []
    original = jsii.create

    def create(klass: Any, obj: Any, args: Any = None) -> Any:
        ref = original(klass, obj, args)
        if isinstance(obj, constructs.Construct):
            site = _call_site(sys._getframe(1), obj, names)
            if site is not None:
                pending.append((obj, *site))
        return ref

    record: dict[str, Any] = {"format": _FORMAT, "sites": {}}
    jsii.create = create  # every generated constructor looks jsii.create up when it runs
    try:
        yield record
    finally:
        jsii.create = original
    base = root.resolve()
    relative_names: dict[str, str | None] = {}  # one realpath per source file, not per construct
    for obj, filename, line in pending:
        if filename not in relative_names:
            try:
                relative_names[filename] = Path(os.path.realpath(filename)).relative_to(base).as_posix()
            except ValueError:  # a source outside the app folder cannot be named relative to it
                relative_names[filename] = None
        relative = relative_names[filename]
        if relative is None:
            continue
        try:
            path = obj.node.path
        except Exception:  # a construct the kernel cannot name: no site for it, and no failed synthesis
            continue
        record["sites"].setdefault(path, [relative, line])


def write_call_sites(record: Mapping[str, Any], assembly_dir: Path, root: Path) -> Path:
    """Write ``record`` (from ``record_call_sites``) into ``assembly_dir`` with ``root`` relative to it; returns the file."""
    relative = os.path.relpath(root.resolve(), assembly_dir.resolve())
    target = assembly_dir / CALL_SITES_FILE
    target.write_text(json.dumps({**record, "root": Path(relative).as_posix()}, sort_keys=True, indent=1) + "\n")
    return target
