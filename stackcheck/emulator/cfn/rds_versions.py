"""RDS engine versions for the emulator: which ``Engine``/``EngineVersion`` pairs RDS no longer lets you create.

moto creates a DB instance on any version string; RDS refuses ``CreateDBInstance`` on a version it
no longer offers (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html
and https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html). The versions
come from cfn-lint's RDS schemas (``engine_version.json``: versions RDS lists;
``engine_version_deprecated.json``: listed but no longer creatable), kept with each cfn-lint release,
so the emulator and the scan's E3691/W3691 agree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["load_tables", "refused_engine_version_message"]

ENGINE_VERSIONS_DOC = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"


_SCHEMAS = ("data", "schemas", "extensions", "aws_rds_dbinstance")


def _schemas_folder() -> Traversable:
    """cfn-lint's ``data/schemas/extensions/aws_rds_dbinstance`` folder, found without running ``cfnlint/__init__``:
    importing the package imports all of cfn-lint and sympy (0.4-0.6 s of CPU, which the emulator's prewarm
    thread spent beside the first deployment's requests). A cfn-lint not installed as a folder (a zip) is
    imported; one not installed raises ModuleNotFoundError."""
    from importlib import resources, util

    spec = util.find_spec("cfnlint")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    folder = Path(locations[0]).joinpath(*_SCHEMAS) if locations else None
    if folder is not None and folder.is_dir():
        return folder
    import cfnlint.data.schemas.extensions.aws_rds_dbinstance as schemas

    return resources.files(schemas)


def _by_engine(filename: str) -> dict[str, frozenset[str]]:
    import json

    document: dict[str, Any] = json.loads(_schemas_folder().joinpath(filename).read_text(encoding="utf-8"))
    found: dict[str, frozenset[str]] = {}
    for entry in document.get("allOf", []):
        condition = entry.get("if", {}).get("properties", {})
        engine = condition.get("Engine", {}).get("const")
        versions = condition.get("EngineVersion", {}).get("enum") or (
            entry.get("then", {}).get("properties", {}).get("EngineVersion", {}).get("enum")
        )
        if isinstance(engine, str) and versions:
            found[engine] = frozenset(str(v) for v in versions)
    return found


@lru_cache(maxsize=1)
def _listed() -> dict[str, frozenset[str]]:
    return _by_engine("engine_version.json")


@lru_cache(maxsize=1)
def _deprecated() -> dict[str, frozenset[str]]:
    return _by_engine("engine_version_deprecated.json")


def load_tables() -> None:
    """Parse cfn-lint's two version tables now (a few ms) instead of at the first CreateDBInstance."""
    _listed()
    _deprecated()


def _numbers(version: str) -> tuple[int, ...] | None:
    """``"5.7.30"`` → (5, 7, 30); None for a version that is not dot-separated numbers (``8.0.mysql_aurora.3.05``)."""
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return tuple(int(part) for part in version.split("."))


def _removed(engine: str, version: str) -> bool:
    """True when ``version`` is not listed but a newer one of its series is: RDS dropped it.

    A version newer than every listed one of its series may be a release after cfn-lint's data,
    and a major-only version (``"8.0"``: RDS picks the default minor) is never refused.
    """
    listed = _listed().get(engine)
    numbers = _numbers(version)
    if not listed or version in listed or numbers is None or len(numbers) < 3:
        return False
    series = numbers[:-1]
    newer = [n for n in map(_numbers, listed) if n and len(n) == len(numbers) and n[:-1] == series and n > numbers]
    return bool(newer)


def refused_engine_version_message(engine: str, version: str) -> str | None:
    """RDS's InvalidParameterCombination message for creating ``engine`` at ``version``, or None when RDS allows it.

    Refused: a version cfn-lint marks deprecated (no longer creatable), or one RDS no longer lists
    while it lists a newer one of the same series (mysql 5.7.30 once 5.7.33 and later are listed).
    """
    engine = engine.lower()
    if version in _deprecated().get(engine, frozenset()) or _removed(engine, version):
        return f"Cannot find version {version} for {engine}"
    return None
