"""The embedded AWS emulator: a moto server with the project's CloudFormation extension; deploy, verify and tear down a cloud assembly.

Importing this package, or its ``record`` module (which pytest's plugin reads at start-up), is cheap: no
moto, no boto3, no psutil. The names below come from ``stackcheck.emulator.process``, imported the first
time one is asked for (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("stackcheck.emulator.process"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
