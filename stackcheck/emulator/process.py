"""Start, find, probe and stop the emulator's background server; the emulator record and emulator clients."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from stackcheck.aws.clients import FAKE_CREDENTIALS, boto3_session, use_emulator_account
from stackcheck.emulator.record import EmulatorRecord, read_emulator_record, record_path, write_emulator_record
from stackcheck.errors import EmulatorError, NextStep
from stackcheck.files import EMULATOR_LOG_FILE, EMULATOR_RECORD_FILE, OUTPUTS_DIR

__all__ = [
    "DEFAULT_OUTPUTS_DIR",
    "DEFAULT_REGION",
    "FAKE_CREDENTIALS",
    "LOG_FILE",
    "RECORD_FILE",
    "EmulatorRecord",
    "EmulatorStatus",
    "Starting",
    "begin_start",
    "client",
    "emulator_session",
    "is_answering",
    "log_tail",
    "read_record",
    "require_running",
    "reset",
    "start",
    "status",
    "stop",
]

DEFAULT_OUTPUTS_DIR = OUTPUTS_DIR
DEFAULT_REGION = "us-east-1"
RECORD_FILE = EMULATOR_RECORD_FILE
LOG_FILE = EMULATOR_LOG_FILE
SERVER_MODULE = "stackcheck.emulator.server"

# Servers this process started, kept so they are reaped (not zombies) and Popen never warns
# that a deliberately detached child is "still running".
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class EmulatorStatus:
    """``state`` is "running" (record, live process, answers HTTP), "stale" (record, but the
    process is gone or does not answer) or "absent" (no record). ``detail`` says why."""

    state: str
    record: EmulatorRecord | None
    detail: str

    @property
    def exit_code(self) -> int:
        """LSB ``status`` convention: 0 running, 1 stale (dead but record exists), 3 not running."""
        return {"running": 0, "stale": 1}.get(self.state, 3)


def read_record(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR) -> EmulatorRecord | None:
    """The emulator record in ``outputs_dir``, or None when there is none (or it is for another target).

    Raises EmulatorRecordError naming the file when it exists but is not a valid record.
    """
    return read_emulator_record(record_path(outputs_dir))


def _is_our_server(pid: int) -> bool:
    """True when ``pid`` is a live (not zombie) emulator server process (its command line, via psutil)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return any(SERVER_MODULE in part for part in process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def is_answering(endpoint_url: str, timeout: float = 2.0) -> bool:
    """True when a moto server answers ``GET {endpoint_url}/moto-api/config`` with 2xx within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/config", timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def status(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR) -> EmulatorStatus:
    """Whether the emulator the record describes is running, stale or absent (see EmulatorStatus)."""
    record = read_record(outputs_dir)
    if record is None:
        return EmulatorStatus("absent", None, f"no emulator record at {record_path(outputs_dir)}")
    if not _is_our_server(record.pid):
        return EmulatorStatus("stale", record, f"process {record.pid} is gone (or is not an emulator server)")
    if not is_answering(record.endpoint_url):
        return EmulatorStatus("stale", record, f"process {record.pid} does not answer at {record.endpoint_url}")
    return EmulatorStatus("running", record, f"pid {record.pid} answers at {record.endpoint_url}")


def log_tail(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR, lines: int = 15) -> str:
    """The last ``lines`` lines of ``emulator.log`` (empty string when there is no log)."""
    try:
        text = (Path(outputs_dir) / LOG_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise EmulatorError(
                f"port {port} on {host} is already in use ({exc.strerror}); choose another with --port, "
                "or leave --port out to take a free one"
            ) from None


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM ``pid`` (an emulator server), SIGKILL after ``timeout`` s; reaps it if it is our child."""
    child = _STARTED.pop(pid, None)
    if child is not None:
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    # not psutil's Process.wait: it waits out a zombie whose parent is elsewhere; gone-or-zombie ends this loop
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not _is_our_server(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def start(
    outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = DEFAULT_REGION,
    timeout: float = 30.0,
    latency: str | None = None,
) -> tuple[EmulatorRecord, bool]:
    """Start the emulator server as a detached background process, unless one is already running.

    ``port`` 0 takes a free port. The server logs to ``<outputs_dir>/emulator.log``; once it
    answers (within ``timeout`` seconds) the emulator record in ``outputs_dir`` is written atomically.
    A stale record (process gone or not answering) is replaced. Returns ``(record, started)``;
    ``started`` is False when a running emulator was found.

    Raises EmulatorError (exit 3) when the port is taken, the server exits during start-up (the
    message carries the log tail) or it does not answer within ``timeout``. ``latency``: a simulated
    per-call delay for the new server, ``LOW-HIGH[@SEED]`` milliseconds (``stackcheck.emulator.latency``;
    a running emulator keeps its own); BadInputError for another shape.
    """
    starting = begin_start(outputs_dir, host=host, port=port, region=region, timeout=timeout, latency=latency)
    if isinstance(starting, EmulatorRecord):
        return starting, False
    return starting.wait(), True


@dataclass
class Starting:
    """An emulator server process started by ``begin_start`` that may not answer yet.

    ``wait()`` blocks until it answers (within the ``timeout`` given to ``begin_start``, counted
    from then), writes the emulator record and returns it; ``cancel()`` stops the process.
    """

    process: subprocess.Popen[bytes]
    ready: Path
    host: str
    region: str
    timeout: float
    outputs: Path
    began: float

    def wait(self) -> EmulatorRecord:
        """The record of the answering server (written to the outputs folder); EmulatorError as ``start`` raises it."""
        try:
            record = _wait_ready(
                self.process, self.ready, self.host, self.region, self.timeout, self.outputs, began=self.began
            )
        except BaseException:
            self.cancel()
            raise
        finally:
            self.ready.unlink(missing_ok=True)
        write_emulator_record(record, self.outputs)
        return record

    def cancel(self) -> None:
        """Stop the server if it still runs (nothing is recorded)."""
        if self.process.poll() is None:
            _terminate(self.process.pid, timeout=5.0)
        _STARTED.pop(self.process.pid, None)
        self.ready.unlink(missing_ok=True)


def begin_start(
    outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = DEFAULT_REGION,
    timeout: float = 30.0,
    latency: str | None = None,
) -> EmulatorRecord | Starting:
    """The first half of ``start``: the record of a running emulator, or a Starting server process
    (its interpreter and moto importing while the caller does other work; ``Starting.wait()``
    finishes the start). Raises EmulatorError when ``port`` is taken, BadInputError for a malformed ``latency``."""
    from stackcheck.emulator.latency import parse_latency

    simulated = parse_latency(latency) if latency else None
    outputs = Path(outputs_dir)
    current = status(outputs)
    if current.state == "running" and current.record is not None:
        return current.record
    if current.state == "stale" and current.record is not None:
        if _is_our_server(current.record.pid):
            _terminate(current.record.pid, timeout=5.0)
        record_path(outputs).unlink(missing_ok=True)
    if port:
        _check_port_free(host, port)
    outputs.mkdir(parents=True, exist_ok=True)
    ready = outputs / f".emulator-ready-{uuid.uuid4().hex}.json"
    log_path = outputs / LOG_FILE
    began = time.monotonic()
    with open(log_path, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", SERVER_MODULE, "--host", host, "--port", str(port), "--ready-file", str(ready)),
                *("--region", region),
                *(("--latency", simulated.spec) if simulated else ()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives the command that started it, and its terminal
            close_fds=True,
        )
    _STARTED[process.pid] = process
    return Starting(process, ready, host, region, timeout, outputs, began)


def _wait_ready(
    process: subprocess.Popen[bytes],
    ready: Path,
    host: str,
    region: str,
    timeout: float,
    outputs: Path,
    *,
    began: float | None = None,
) -> EmulatorRecord:
    deadline = (time.monotonic() if began is None else began) + timeout
    endpoint = None
    # not tenacity: each pass checks exit code, ready file and HTTP answer against one deadline
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            tail = log_tail(outputs)
            raise EmulatorError(
                f"the emulator server exited with code {code} while starting; last lines of {outputs / LOG_FILE}:\n{tail}"
            )
        if endpoint is None and ready.is_file():
            with contextlib.suppress(ValueError, OSError):
                endpoint = f"http://{host}:{int(json.loads(ready.read_text())['port'])}"
        if endpoint is not None and is_answering(endpoint, timeout=max(0.1, min(2.0, deadline - time.monotonic()))):
            return EmulatorRecord(endpoint_url=endpoint, region=region, pid=process.pid)
        time.sleep(0.05)
    raise EmulatorError(
        f"the emulator server (pid {process.pid}) did not answer within {timeout:g} s; it was stopped. "
        f"Last lines of {outputs / LOG_FILE}:\n{log_tail(outputs)}"
    )


def stop(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR, timeout: float = 10.0) -> EmulatorRecord | None:
    """Stop the emulator the record names and remove the record; returns the record, or None if there was none.

    A stale record is removed too. Only a process whose command line is the emulator server is
    signalled, so a reused pid is never killed.
    """
    record = read_record(outputs_dir)
    if record is None:
        return None
    if _is_our_server(record.pid):
        _terminate(record.pid, timeout)
    record_path(outputs_dir).unlink(missing_ok=True)
    return record


def require_running(outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR) -> EmulatorRecord:
    """The record of the running emulator; EmulatorError saying what to do when it is absent or stale."""
    current = status(outputs_dir)
    if current.state != "running" or current.record is None:
        raise EmulatorError(f"the emulator is {current.state} ({current.detail})", next_step=NextStep.START_EMULATOR)
    return current.record


def reset(record: EmulatorRecord, timeout: float = 30.0) -> None:
    """Drop every resource the emulator holds (moto's ``POST /moto-api/reset``); EmulatorError if it does not answer."""
    request = urllib.request.Request(f"{record.endpoint_url}/moto-api/reset", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise EmulatorError(f"emulator reset at {record.endpoint_url} answered HTTP {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        raise EmulatorError(f"emulator at {record.endpoint_url} did not accept the reset: {exc}") from None


def emulator_session(record: EmulatorRecord, *, account: str | None = None, region: str | None = None) -> Any:
    """A boto3 Session for the emulator: ``region`` (default: the record's) and fake credentials (``FAKE_CREDENTIALS``).

    With ``account`` (12 digits) every client of the session acts as that account on the emulator,
    which keeps each account's resources apart (``stackcheck.aws.clients.use_emulator_account``:
    moto reads the ``x-moto-account-id`` header); None is moto's default account, 123456789012.
    The credentials live in this session only; the process environment is left alone, so a
    client made elsewhere for real AWS never signs with them. Raises BadInputError for a malformed account.
    """
    session = boto3_session(region or record.region, **FAKE_CREDENTIALS)
    if account is not None:
        use_emulator_account(session.events, account)
    return session


def client(
    service: str, record: EmulatorRecord | None = None, *, outputs_dir: str | os.PathLike[str] = DEFAULT_OUTPUTS_DIR
) -> Any:
    """A boto3 client for ``service`` at the emulator endpoint (the running one in ``outputs_dir`` by default).

    Path-style S3 addressing (the endpoint is an IP address); standard retry mode, 3 attempts.
    Raises EmulatorError when no emulator is running and ``record`` is not given.
    """
    from botocore.config import Config

    record = record or require_running(outputs_dir)
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=300,
        s3={"addressing_style": "path"},
    )
    return emulator_session(record).client(service, endpoint_url=record.endpoint_url, config=config)
