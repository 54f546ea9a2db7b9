"""The emulator record (``files.EMULATOR_RECORD``): which emulator a local deployment went to; one type, one reader, one writer."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stackcheck.errors import EmulatorRecordError, NextStep
from stackcheck.files import EMULATOR_RECORD_FILE, OUTPUTS_DIR, atomic_write_json, read_json

__all__ = ["EmulatorRecord", "read_emulator_record", "record_path", "write_emulator_record"]


@dataclass(frozen=True)
class EmulatorRecord:
    """What the record file holds: ``{"target": "emulator", "endpoint_url", "region", "pid"}``.

    ``endpoint_url`` is the server's ``http://127.0.0.1:<port>``, ``region`` the region clients
    use, ``pid`` the server process.
    """

    endpoint_url: str
    region: str
    pid: int
    target: str = "emulator"

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object written to the record file."""
        return asdict(self)


def record_path(outputs_dir: str | os.PathLike[str] = OUTPUTS_DIR) -> Path:
    """Where the record of a deployment whose outputs go to ``outputs_dir`` lives."""
    return Path(outputs_dir) / EMULATOR_RECORD_FILE


def read_emulator_record(path: str | os.PathLike[str]) -> EmulatorRecord | None:
    """Read the emulator record file at ``path``.

    Returns None when the file does not exist or records another target than ``emulator``.
    Raises EmulatorRecordError (bad input, exit code 2) naming the file when it cannot be read,
    is not JSON, not an object, or lacks a non-empty string ``endpoint_url`` and ``region`` or an
    integer ``pid``.
    """
    where = Path(path)
    if not where.exists():
        return None
    data = read_json(where, what="emulator record", error=EmulatorRecordError, next_step=NextStep.REDEPLOY_LOCAL)
    if not isinstance(data, dict):
        raise EmulatorRecordError(
            f"emulator record {where} must be a JSON object, got {type(data).__name__}",
            next_step=NextStep.REDEPLOY_LOCAL,
        )
    if data.get("target") != "emulator":
        return None
    endpoint, region, pid = data.get("endpoint_url"), data.get("region"), data.get("pid")
    problems = [
        name
        for name, ok in (
            ("endpoint_url", isinstance(endpoint, str) and endpoint),
            ("region", isinstance(region, str) and region),
            ("pid", isinstance(pid, int) and not isinstance(pid, bool)),
        )
        if not ok
    ]
    if problems:
        raise EmulatorRecordError(
            f"emulator record {where} lacks {', '.join(problems)} (needs a string endpoint_url and region and an "
            "integer pid)",
            next_step=NextStep.REDEPLOY_LOCAL,
        )
    return EmulatorRecord(endpoint_url=str(endpoint), region=str(region), pid=int(pid))  # type: ignore[arg-type]


def write_emulator_record(record: EmulatorRecord, outputs_dir: str | os.PathLike[str] = OUTPUTS_DIR) -> Path:
    """Write ``record`` atomically into ``outputs_dir``; returns the path written."""
    return atomic_write_json(record_path(outputs_dir), record.to_json())
