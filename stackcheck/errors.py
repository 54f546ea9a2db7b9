"""The one error hierarchy of stackcheck; the CLI maps each class to an exit code."""

from __future__ import annotations

__all__ = [
    "StackcheckError",
    "BadInputError",
    "SynthesisError",
    "AssemblyError",
    "LedgerError",
    "ScannerError",
    "EmulatorError",
    "UnsupportedResourceError",
    "DeployError",
    "OutputsError",
    "OutputNotFoundError",
    "AmbiguousOutputError",
    "OutputCollisionError",
    "DetectionUnavailableError",
    "IdentifierError",
]


class StackcheckError(Exception):
    """Base of every error stackcheck raises on purpose.

    ``exit_code`` is what the CLI exits with: 2 for bad input, 3 for "could not run"
    (an emulator or API that does not answer), 1 is reserved for "findings/failures found".
    """

    exit_code = 2


class BadInputError(StackcheckError):
    """A file, key or argument the user gave is missing or malformed."""


class SynthesisError(StackcheckError):
    """The CDK app failed to synthesize."""


class AssemblyError(BadInputError):
    """The cloud assembly (``cdk.out``) is missing, stale or malformed."""


class LedgerError(BadInputError):
    """The suppression ledger is malformed: unknown rule id, short reason, bad expiry."""


class ScannerError(StackcheckError):
    """A scanner (cfn-lint, checkov, ...) could not run at all."""

    exit_code = 3


class EmulatorError(StackcheckError):
    """The embedded AWS emulator could not be started, reached or stopped."""

    exit_code = 3


class UnsupportedResourceError(BadInputError):
    """The assembly declares resource types the emulator cannot create."""


class DeployError(StackcheckError):
    """A stack failed to deploy or was left incomplete."""

    exit_code = 1


class OutputsError(BadInputError):
    """The outputs file is missing, empty, not JSON, not an object or holds non-string values."""


class OutputNotFoundError(OutputsError, LookupError):
    """No stack output matches what was asked for."""


class AmbiguousOutputError(OutputsError, LookupError):
    """Several stack outputs match what was asked for; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[str] | None = None):
        super().__init__(message)
        self.candidates = list(candidates or [])


class OutputCollisionError(OutputsError):
    """Two stacks declare the same output key, so a flat outputs file would lose one."""


class DetectionUnavailableError(StackcheckError):
    """Drift detection (or another live API) is not available at the target."""

    exit_code = 3


class IdentifierError(BadInputError, ValueError):
    """An AWS identifier (ARN, name, ID, endpoint) does not have the shape its kind requires."""
