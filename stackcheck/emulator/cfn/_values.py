"""Values of CloudFormation templates as the extension's models and wrappers read them."""

from __future__ import annotations

from typing import Any

__all__ = ["camel_keys", "cfn_bool"]


def cfn_bool(value: Any, default: bool = False) -> bool:
    """A CloudFormation boolean as a bool: JSON true/false, or the strings ``"true"``/``"false"`` (any case) that a
    parameter gives; ``default`` when the property is absent (None)."""
    if value is None:
        return default
    return value is True or (isinstance(value, str) and value.lower() == "true")


def camel_keys(value: Any) -> Any:
    """CloudFormation PascalCase keys → the service API's camelCase keys, recursively (``DeploymentCircuitBreaker``
    → ``deploymentCircuitBreaker``; ``{"Level": "ALL", "Destinations": [...]}`` → ``{"level": "ALL",
    "destinations": [...]}``)."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value
