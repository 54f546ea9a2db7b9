"""The file I/O every stage shares: atomic writes, report sets published whole, JSON/YAML reads with the errors users see, and the names of the files under cfn-outputs/ and reports/."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.errors import BadInputError, NextStep

if TYPE_CHECKING:  # PyYAML loads when a YAML file is read (pytest's plugin start-up reads none)
    import yaml

__all__ = [
    "ALL_OUTPUTS_FILE",
    "COMPLIANCE_JSON",
    "COMPLIANCE_MARKDOWN",
    "COMPLIANCE_SARIF",
    "DEFAULT_OUTPUTS_FILE",
    "DRIFT_JSON",
    "DRIFT_JUNIT",
    "DRIFT_MARKDOWN",
    "EMULATOR_LOG_FILE",
    "EMULATOR_RECORD",
    "EMULATOR_RECORD_FILE",
    "FLAT_OUTPUTS_FILE",
    "GATE_MARKDOWN",
    "OUTPUTS_DIR",
    "REPORTS_DIR",
    "SCAN_JSON",
    "SCAN_MARKDOWN",
    "SCAN_SARIF",
    "atomic_write_json",
    "atomic_write_text",
    "json_text",
    "load_yaml_list",
    "publish_reports",
    "read_json",
    "read_reports",
    "read_text",
    "reports_lock",
]

# -- names ---------------------------------------------------------------------------------------
OUTPUTS_DIR = "cfn-outputs"
"""Folder of what a deployment leaves behind: the outputs files, the emulator record and log."""
ALL_OUTPUTS_FILE = "all-outputs.json"
"""Nested ``{stack: {output key: value}}``, the shape of ``cdk deploy --outputs-file``."""
FLAT_OUTPUTS_FILE = "flat-outputs.json"
"""Flat ``{output key: value}``, what post-deploy checks read."""
EMULATOR_RECORD_FILE = "target.json"
"""``{"target": "emulator", "endpoint_url", "region", "pid"}``: which emulator a local deployment went to."""
EMULATOR_LOG_FILE = "emulator.log"
"""The emulator server's start, stop and error lines, kept after teardown for post-mortems."""
DEFAULT_OUTPUTS_FILE = f"{OUTPUTS_DIR}/{FLAT_OUTPUTS_FILE}"
EMULATOR_RECORD = f"{OUTPUTS_DIR}/{EMULATOR_RECORD_FILE}"

REPORTS_DIR = "reports"
"""Folder of every report a run writes."""
SCAN_JSON = "scan.json"
SCAN_SARIF = "scan.sarif"
SCAN_MARKDOWN = "scan.md"
GATE_MARKDOWN = "gate.md"
DRIFT_JSON = "drift.json"
DRIFT_MARKDOWN = "drift.md"
DRIFT_JUNIT = "drift.xml"
COMPLIANCE_JSON = "compliance.json"
COMPLIANCE_SARIF = "compliance.sarif"
COMPLIANCE_MARKDOWN = "compliance.md"


# -- writing -------------------------------------------------------------------------------------
def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename.

    Readers see the old file or the new one, never half of one. Creates missing parent folders.
    Returns the path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        # mkstemp creates 0600; a report or outputs file gets the mode open() would give it.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def json_text(data: Any) -> str:
    """``data`` as the JSON text every stackcheck file holds: indented, keys sorted, one final newline."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON to ``path`` atomically (see ``atomic_write_text``)."""
    return atomic_write_text(path, json_text(data))


# -- report sets ---------------------------------------------------------------------------------
@contextlib.contextmanager
def reports_lock(directory: str | os.PathLike[str], *, shared: bool = False) -> Iterator[None]:
    """Hold the report folder's lock: ``flock`` on ``directory`` itself (shared for readers, else exclusive).

    The folder is created when missing; no lock file is left among the reports. Blocks until the
    lock is free; released on exit, and by the kernel when the process dies, so a killed run never
    leaves a stuck lock. Do not fork while holding it: the child shares the locked descriptor.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        # not filelock: its shared (reader) lock is a SQLite file that would sit among the reports
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def publish_reports(directory: str | os.PathLike[str], files: Mapping[str, str]) -> dict[str, Path]:
    """Publish one run's report set: ``files`` maps file name (``scan.json``) → UTF-8 text.

    Every file is written aside first, into a temporary folder inside ``directory`` (so on the
    same filesystem), then all are renamed into place while holding ``reports_lock``: two runs
    publishing at once leave one run's set whole, never a mix, and a reader holding the shared
    lock (``read_reports``) sees one run's set. A failure while writing aside leaves the files
    in place untouched. Returns name → path written, in the order of ``files``.
    Raises ValueError for a name that is not a plain file name.
    """
    folder = Path(directory)
    for name in files:
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"report file name {name!r} must be a plain file name")
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publish-", dir=folder))
    try:
        for name, text in files.items():
            atomic_write_text(staging / name, text)
        with reports_lock(folder):
            for name in files:
                os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: folder / name for name in files}


def read_reports(directory: str | os.PathLike[str], names: Iterable[str]) -> dict[str, str | None]:
    """The texts of report files ``names`` in ``directory``, read under the shared ``reports_lock``:
    all from one published set. A file that does not exist reads as None."""
    folder = Path(directory)
    texts: dict[str, str | None] = {}
    with reports_lock(folder, shared=True):
        for name in names:
            try:
                texts[name] = (folder / name).read_text(encoding="utf-8")
            except FileNotFoundError:
                texts[name] = None
    return texts


# -- reading -------------------------------------------------------------------------------------
def read_text(
    path: str | os.PathLike[str],
    *,
    what: str,
    error: type[BadInputError] = BadInputError,
    missing: str | None = None,
    next_step: NextStep | None = None,
) -> str:
    """Read ``path`` as UTF-8 text.

    ``what`` names the file in messages ("outputs file"). Raises ``error`` (a BadInputError,
    exit code 2) carrying ``next_step`` when the file does not exist (message ``<what> <path>
    does not exist``, then ``missing`` when given), is a directory, cannot be read, or is not
    UTF-8 (naming the byte offset).
    """
    where = Path(path)
    try:
        return where.read_text(encoding="utf-8")
    except FileNotFoundError:
        tail = f"; {missing}" if missing else ""
        raise error(f"{what} {where} does not exist{tail}", next_step=next_step) from None
    except IsADirectoryError:
        raise error(f"{what} {where} is a directory, not a file", next_step=next_step) from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} {where} is not UTF-8 text (byte {exc.start}: {exc.reason})", next_step=next_step) from None
    except OSError as exc:
        raise error(f"{what} {where} cannot be read ({exc.strerror or exc})", next_step=next_step) from None


def read_json(
    path: str | os.PathLike[str],
    *,
    what: str,
    error: type[BadInputError] = BadInputError,
    missing: str | None = None,
    next_step: NextStep | None = None,
    allow_empty: bool = False,
) -> Any:
    """Read and parse the JSON file at ``path``; returns the parsed value (any JSON type).

    Errors as ``read_text``, plus: an empty (or all-whitespace) file, unless ``allow_empty``
    (then None is returned), and text that is not JSON, naming the line and column.
    """
    text = read_text(path, what=what, error=error, missing=missing, next_step=next_step)
    if not text.strip():
        if allow_empty:
            return None
        raise error(f"{what} {Path(path)} is empty", next_step=next_step)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{what} {Path(path)} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            next_step=next_step,
        ) from None


def load_yaml_list(
    path: str | os.PathLike[str],
    *,
    what: str,
    example: str,
    error: type[BadInputError] = BadInputError,
    loader: type[yaml.SafeLoader] | None = None,
) -> list[tuple[int, int | None, Any]]:
    """Read a YAML list from ``path``; returns ``[(index, line, item)]`` (index and line 1-based).

    An empty file is an empty list. ``what`` names the file in messages (``suppression ledger``),
    ``example`` shows an entry's first line (``- rule: ...``). Raises ``error`` (a BadInputError,
    exit code 2) naming the file, and the line for malformed YAML, when the file is missing,
    unreadable, not YAML or not a list. ``loader`` defaults to ``yaml.SafeLoader``.
    """
    import yaml

    loader = loader or yaml.SafeLoader
    path = Path(path)
    text = read_text(path, what=what, error=error, missing="create it holding `[]` (an empty list)")
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{what} {where}: not valid YAML ({problem}); it must be a YAML list of entries") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise error(
            f"{what} {path}: must be a YAML list of entries ({example}), got a {type(data).__name__}; "
            f"an empty {what} is `[]`"
        )
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return [
        (position + 1, lines[position] if position < len(lines) else None, raw) for position, raw in enumerate(data)
    ]
