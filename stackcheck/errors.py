"""The one error hierarchy of stackcheck; the CLI maps each class to an exit code."""

from __future__ import annotations

import functools
import re
from enum import Enum
from pathlib import Path

__all__ = [
    "AmbiguousOutputError",
    "AssemblyError",
    "BadInputError",
    "DeployError",
    "DetectionUnavailableError",
    "EmulatorError",
    "EmulatorRecordError",
    "IdentifierError",
    "InconclusiveError",
    "LedgerError",
    "NextStep",
    "OutputCollisionError",
    "OutputNotFoundError",
    "OutputsError",
    "ScannerError",
    "StackcheckError",
    "SynthesisError",
    "UnsupportedResourceError",
]


def _make_targets(directory: str) -> frozenset[str]:
    makefile = Path(directory) / "Makefile"
    try:
        return _parse_make_targets(str(makefile), makefile.stat().st_mtime_ns)
    except OSError:
        return frozenset()


@functools.lru_cache(maxsize=32)
def _parse_make_targets(makefile: str, mtime_ns: int) -> frozenset[str]:
    try:
        text = Path(makefile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


class NextStep(Enum):
    """What the user does next after an error, said where they are.

    Each member is ``(phrase, command, make_target)``: ``phrase`` holds one ``{}`` for the
    command; ``render`` gives ``make <make_target>`` when the folder's Makefile defines that
    target (a project wired like this one), else ``command``, the ``stackcheck`` command that
    does the same from any project.
    """

    SYNTH = ("synthesize first with {}", "stackcheck synth", "synth")
    RESYNTH = ("synthesize again with {}", "stackcheck synth", "synth")
    SCAN = ("run {} again", "stackcheck scan --assembly cdk.out", "scan")
    SEE_SCAN = ("the template fails this rule too (see {})", "stackcheck scan --assembly cdk.out", "scan")
    SCAN_TEMPLATE = ("the others only in the template ({})", "stackcheck scan --assembly cdk.out", "scan")
    DEPLOY_LOCAL = (
        "deploy first with {}",
        "stackcheck emulator start && stackcheck deploy --target emulator",
        "deploy-local",
    )
    REDEPLOY_LOCAL = (
        "deploy again with {}",
        "stackcheck emulator start && stackcheck deploy --target emulator",
        "deploy-local",
    )
    DEPLOY_ANY = (
        "deploy first with {} (or `stackcheck deploy --target aws` for AWS)",
        "stackcheck emulator start && stackcheck deploy --target emulator",
        "deploy-local",
    )
    DEPLOY_CDK = (
        "deploy first with {}, which writes it; did the deploy fail?",
        "npx cdk deploy --all --outputs-file cfn-outputs/all-outputs.json",
        "deploy",
    )
    START_EMULATOR = ("start it with {}", "stackcheck emulator start", None)
    DESTROY_LOCAL = (
        "tear it down with {} before deploying again",
        "stackcheck destroy --target emulator",
        "destroy-local",
    )
    INTEGRATION = ("run the post-deploy checks first ({})", "pytest --junitxml=FILE", "integration")

    def __init__(self, phrase: str, command: str, make_target: str | None) -> None:
        self.phrase = phrase
        self.command = command
        self.make_target = make_target

    def render(self, directory: str | Path = ".") -> str:
        """The phrase with the command for ``directory`` (default: the current folder)."""
        use_make = self.make_target is not None and self.make_target in _make_targets(str(Path(directory).resolve()))
        return self.phrase.format(f"`make {self.make_target}`" if use_make else f"`{self.command}`")


class StackcheckError(Exception):
    """Base of every error stackcheck raises on purpose.

    ``exit_code`` is what the CLI exits with: 2 for bad input, 3 for "could not run"
    (an emulator or API that does not answer), 1 is reserved for "findings/failures found".
    ``message`` is what went wrong; ``next_step`` (a NextStep, or None) is what to do about it,
    kept as data so each front end says it in its user's terms. ``str()`` joins the two, the
    step rendered for the current folder (``make deploy-local`` in a project whose Makefile has
    that target, the ``stackcheck`` command elsewhere).
    """

    exit_code = 2

    def __init__(self, message: str = "", *, next_step: NextStep | None = None):
        super().__init__(message)
        self.message = message
        self.next_step = next_step

    def __str__(self) -> str:
        if self.next_step is None:
            return self.message
        return f"{self.message}; {self.next_step.render()}"


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


class EmulatorRecordError(BadInputError):
    """The emulator record exists but is not a valid record."""


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

    def __init__(self, message: str, candidates: list[str] | None = None, *, next_step: NextStep | None = None):
        super().__init__(message, next_step=next_step)
        self.candidates = list(candidates or [])


class OutputCollisionError(OutputsError):
    """Two stacks declare the same output key, so a flat outputs file would lose one."""


class DetectionUnavailableError(StackcheckError):
    """Drift detection (or another live API) is not available at the target."""

    exit_code = 3


class IdentifierError(BadInputError, ValueError):
    """An AWS identifier (ARN, name, ID, endpoint) does not have the shape its kind requires."""


class InconclusiveError(StackcheckError):
    """A check ran out of its retry or wait budget before AWS gave an answer it could judge
    (throttling outlasting the retry profile, a change still PENDING, IAM not yet propagated).

    Neither a pass nor a failure: the pytest plugin reports the check INCONCLUSIVE with ``saw``
    (what the last answer was: an error code and message, a status) and ``budget`` (what ran
    out, e.g. "5 attempts / 60 s"). Exit code 3, "could not conclude", like drift's UNKNOWN.
    """

    exit_code = 3

    def __init__(self, message: str, *, saw: str = "", budget: str = "", next_step: NextStep | None = None):
        super().__init__(message, next_step=next_step)
        self.saw = saw
        self.budget = budget
