"""A live form: a rule of the policy pack (or a checkov check of the library) that also judges live resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.custom import RuleInfo

__all__ = ["LiveForm"]


@dataclass(frozen=True)
class LiveForm:
    """A rule of the policy pack with a live form: the rule, and the live resource types it judges.

    ``kind`` is ``resource`` for a checkov check (its ``evaluate`` runs on each live resource of
    those types) and ``template`` for a cfn-lint rule (its ``check`` runs once per live template).
    ``origin`` says where the live form comes from: ``pack`` (the policy pack's rule), ``library``
    (stackcheck's own live form of a checkov check, ``stackcheck.compliance.library``) or ``checkov``
    (checkov's check run as it is on the live resource, ``stackcheck.compliance.checkov_checks``).
    """

    rule: RuleInfo
    resource_types: tuple[str, ...]
    origin: str = "pack"

    @property
    def id(self) -> str:
        """The rule id, the same as the template form's."""
        return self.rule.id

    @property
    def kind(self) -> str:
        """``resource`` or ``template``."""
        return "resource" if self.rule.tool == "checkov" else "template"

    def to_dict(self) -> dict[str, Any]:
        """``{"rule_id", "tool", "kind", "origin", "resource_types", "outcome"}``."""
        return {
            "rule_id": self.id,
            "tool": self.rule.tool,
            "kind": self.kind,
            "origin": self.origin,
            "resource_types": list(self.resource_types),
            "outcome": self.rule.outcome,
        }
