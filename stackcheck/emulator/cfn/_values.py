"""Values of CloudFormation templates as the extension's models and wrappers read them."""

from __future__ import annotations

from typing import Any

__all__ = ["cfn_bool"]


def cfn_bool(value: Any, default: bool = False) -> bool:
    """A CloudFormation boolean as a bool: JSON true/false, or the strings ``"true"``/``"false"`` (any case) that a
    parameter gives; ``default`` when the property is absent (None)."""
    if value is None:
        return default
    return value is True or (isinstance(value, str) and value.lower() == "true")
