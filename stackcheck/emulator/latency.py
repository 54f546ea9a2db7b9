"""Simulated AWS API latency for the emulator: a seeded delay before each answer, off by default.

moto answers in about 5 ms; AWS API calls take tens to hundreds of milliseconds, which is where
running checks in parallel (pytest-xdist) pays. ``--latency 20-150`` (or ``STACKCHECK_EMULATOR_LATENCY``)
makes the server wait a seeded draw from a triangular distribution between the two bounds (mode at
a quarter of the range: most calls fast, a tail of slow ones) before each API answer. It is a
simulation, labelled as one in the emulator log and the record; it never reaches real AWS and
says nothing about a particular API's latency. moto's own ``/moto-api/`` (reset, seed) is not delayed.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from stackcheck.errors import BadInputError

__all__ = ["LATENCY_ENV", "Latency", "LatencyMiddleware", "parse_latency"]

LATENCY_ENV = "STACKCHECK_EMULATOR_LATENCY"
_SPEC = re.compile(r"^(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?)(?:@(?P<seed>\d+))?$")


@dataclass(frozen=True)
class Latency:
    """A simulated per-call latency: ``low_ms``..``high_ms`` milliseconds, draws seeded by ``seed``."""

    low_ms: float
    high_ms: float
    seed: int = 0

    @property
    def spec(self) -> str:
        """``20-150@0``: the form ``parse_latency`` reads back."""
        return f"{self.low_ms:g}-{self.high_ms:g}@{self.seed}"

    def describe(self) -> str:
        """The log's label: ``simulated latency 20-150 ms per call (seed 0; a simulation, not AWS)``."""
        return (
            f"simulated latency {self.low_ms:g}-{self.high_ms:g} ms per call (seed {self.seed}; a simulation, not AWS)"
        )

    def draws(self) -> Callable[[], float]:
        """A thread-safe source of delays in seconds: the same sequence for the same seed."""
        rng = random.Random(self.seed)
        lock = threading.Lock()
        mode = self.low_ms + (self.high_ms - self.low_ms) / 4

        def draw() -> float:
            with lock:
                return rng.triangular(self.low_ms, self.high_ms, mode) / 1000.0

        return draw


def parse_latency(spec: str, where: str = "--latency") -> Latency:
    """``"20-150"`` or ``"20-150@7"`` (milliseconds, optional seed) as a Latency.

    Raises BadInputError naming ``where`` for another shape, a low bound above the high one, or a
    high bound over 10,000 ms."""
    match = _SPEC.match(spec.strip())
    if match is None:
        raise BadInputError(f"{where} {spec!r}: give LOW-HIGH milliseconds, optionally @SEED (e.g. 20-150 or 20-150@7)")
    low, high = float(match["low"]), float(match["high"])
    if low > high or high > 10_000:
        raise BadInputError(f"{where} {spec!r}: need LOW <= HIGH <= 10000 ms")
    return Latency(low, high, int(match["seed"] or 0))


class LatencyMiddleware:
    """WSGI middleware: waits one ``latency`` draw (``sleep``, default ``time.sleep``) before handing an
    API request to ``app``; paths under ``/moto-api/`` pass at once. ``delays`` counts the waits."""

    def __init__(self, app: Any, latency: Latency, sleep: Callable[[float], None] = time.sleep):
        self.app = app
        self.latency = latency
        self._draw = latency.draws()
        self._sleep = sleep
        self.delays = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            self.delays += 1
            self._sleep(self._draw())
        return self.app(environ, start_response)
