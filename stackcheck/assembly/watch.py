"""Which files of an app are its sources: ``cdk.json``'s ``watch`` include/exclude, read as the cdk CLI reads them.

The cdk CLI's ``cdk watch`` watches ``watch.include`` (default: the whole app folder) less
``watch.exclude``, and always excludes the output folder (``output``, default ``cdk.out``), dot
files and folders, and ``node_modules``
(https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-watch.html and the CLI's
``cdk-toolkit.ts`` ``watch``). A pattern that matches a folder covers everything inside it
(chokidar ignores and watches whole folders). Patterns are globs relative to the app folder: ``*``
within one path segment, ``**`` across segments, ``{a,b}`` alternatives; ``*`` and ``**`` do not
match names starting with a dot.

Beyond the CLI, stackcheck never counts its own output folders (``reports/``, ``cfn-outputs/``) nor
Python bytecode (``__pycache__``, ``*.pyc``) as sources: they change on every run without changing
what the app synthesizes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wcmatch import glob as wcglob

from stackcheck.errors import AssemblyError
from stackcheck.files import OUTPUTS_DIR, REPORTS_DIR

__all__ = ["ALWAYS_EXCLUDED", "watch_patterns", "watched_files"]

_FLAGS = wcglob.GLOBSTAR | wcglob.BRACE
CLI_EXCLUDED = ("**/.*", "**/.*/**", "**/node_modules/**")
"""What the cdk CLI excludes whatever ``watch.exclude`` says (besides the output folder)."""
ALWAYS_EXCLUDED = (*CLI_EXCLUDED, f"{REPORTS_DIR}/**", f"{OUTPUTS_DIR}/**", "**/__pycache__/**", "**/*.pyc")
"""The CLI's exclusions plus stackcheck's own output folders and Python bytecode."""


def _patterns(value: Any, key: str, path: Path) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise AssemblyError(f'{path}: "watch.{key}" must be a glob string or a list of them, got {value!r}')


def watch_patterns(cdk_json: Mapping[str, Any], path: Path = Path("cdk.json")) -> tuple[list[str], list[str]]:
    """``(include, exclude)`` globs of ``cdk_json`` (its ``watch`` and ``output`` keys), the defaults and the
    always-excluded ones added. Raises AssemblyError naming ``path`` when ``watch`` is not of that shape."""
    watch = cdk_json.get("watch")
    watch = {} if watch is None else watch
    if not isinstance(watch, Mapping):
        raise AssemblyError(f'{path}: "watch" must be an object with "include" and "exclude" globs')
    include = _patterns(watch.get("include"), "include", path) or ["**"]
    output = str(cdk_json.get("output") or "cdk.out").strip("/")
    exclude = [*_patterns(watch.get("exclude"), "exclude", path), f"{output}/**", *ALWAYS_EXCLUDED]
    return [p.removeprefix("./") for p in include], [p.removeprefix("./") for p in exclude]


def _covered(relative: str, matcher: wcglob.WcMatcher[str]) -> bool:
    """True when ``relative`` (a POSIX path) or one of its parent folders matches ``matcher``."""
    parts = relative.split("/")
    return any(matcher.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def watched_files(app_dir: str | os.PathLike[str], cdk_json: Mapping[str, Any]) -> list[Path]:
    """The app's source files under ``app_dir``, sorted: included by ``watch.include`` (or a folder it
    names), not excluded by ``watch.exclude`` and the always-excluded patterns. Excluded folders are
    never walked into (a virtualenv or ``node_modules`` costs nothing)."""
    root = Path(app_dir)
    include, exclude = watch_patterns(cdk_json, root / "cdk.json")
    # Compiled once: a glob compiled per path costs more than the walk (0.4 s per synthesis of a small app).
    included = wcglob.compile(include, flags=_FLAGS)
    excluded = wcglob.compile(exclude, flags=_FLAGS)
    skipped = wcglob.compile([*exclude, *(p.removesuffix("/**") for p in exclude if p.endswith("/**"))], flags=_FLAGS)
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else f"{base}/"
        dirs[:] = sorted(d for d in dirs if not skipped.match(f"{prefix}{d}"))
        for name in files:
            relative = f"{prefix}{name}"
            if _covered(relative, included) and not excluded.match(relative):
                found.append(root / relative)
    return sorted(found)
