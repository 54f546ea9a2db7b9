"""The embedded AWS emulator: a moto server with the project's CloudFormation extension; deploy, verify and tear down a cloud assembly.

Importing this package is cheap (no moto, no boto3); they load when a function needs them.
"""

from __future__ import annotations

from stackcheck.emulator.process import (
    DEFAULT_OUTPUTS_DIR,
    DEFAULT_REGION,
    FAKE_CREDENTIALS,
    EmulatorRecord,
    EmulatorStatus,
    client,
    emulator_session,
    is_answering,
    read_record,
    require_running,
    reset,
    start,
    status,
    stop,
)

__all__ = [
    "DEFAULT_OUTPUTS_DIR",
    "DEFAULT_REGION",
    "FAKE_CREDENTIALS",
    "EmulatorRecord",
    "EmulatorStatus",
    "client",
    "emulator_session",
    "is_answering",
    "read_record",
    "require_running",
    "reset",
    "start",
    "status",
    "stop",
]
