"""The answer of a "same identifier?" comparison: yes, no, or cannot tell, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Match"]


@dataclass(frozen=True)
class Match:
    """Whether two identifiers name the same resource.

    ``same`` is True, False, or None when the identifiers alone cannot tell (a KMS key against an
    alias without a DescribeKey answer; an ECS service whose cluster one side does not carry).
    ``reason`` says why, in words a failed check can show. ``bool(match)`` is True only for a
    definite yes, so ``assert same_kms_key(a, b)`` fails on "cannot tell" and its message shows the
    reason; test ``match.same is None`` to tell "cannot tell" from "no".
    """

    same: bool | None
    reason: str

    def __bool__(self) -> bool:
        return self.same is True

    @property
    def known(self) -> bool:
        """True when the comparison gave a definite answer."""
        return self.same is not None


def yes(reason: str) -> Match:
    """A definite match."""
    return Match(True, reason)


def no(reason: str) -> Match:
    """A definite mismatch."""
    return Match(False, reason)


def unknown(reason: str) -> Match:
    """Cannot tell from the identifiers alone."""
    return Match(None, reason)


def scope_mismatch(left: dict[str, str], right: dict[str, str]) -> str | None:
    """The first of partition, region and account both sides know and disagree on, as a sentence; else None."""
    for part in ("partition", "region", "account"):
        a, b = left.get(part, ""), right.get(part, "")
        if a and b and a != b:
            return f"{part} differs: {a!r} != {b!r}"
    return None
