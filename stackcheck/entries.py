"""YAML list entries (the suppression ledger, the drift allowlist) checked against a JSON Schema with jsonschema, each error said as the key and its fix."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

__all__ = ["entry_errors"]


def entry_errors(
    raw: Any,
    schema: Mapping[str, Any],
    checks: Mapping[str, Callable[[Any], list[str]]] | None = None,
) -> list[str]:
    """Every problem of one entry, one message each, ordered as the schema lists its properties.

    ``schema`` is a JSON Schema (draft 2020-12) for an object with ``properties``, ``required`` and
    ``additionalProperties: false``, carrying three annotations jsonschema ignores and this function
    reads: ``x-not-mapping`` (the message when the entry is not a mapping; ``{keys}`` and ``{got}``
    are filled), and per property ``x-missing`` (absent, null or empty) and ``x-invalid`` (any other
    schema error; ``{value!r}`` and ``{length}``, the stripped length of a string, are filled).
    ``checks`` adds, per key, what a schema cannot say (a known rule id, a glob's shape, a calendar
    date); it runs only when the schema found nothing wrong with that key and returns messages.
    Unknown keys come first, then each property in schema order.
    """
    properties: Mapping[str, Any] = schema["properties"]
    required = schema.get("required", ())
    if not isinstance(raw, dict):
        return [schema["x-not-mapping"].format(keys=", ".join(required), got=type(raw).__name__)]
    by_key: dict[str, list[str]] = {}
    unknown: list[str] = []
    import jsonschema  # here, not at the top: the modules importing this one (drift, compliance) load fast

    for error in jsonschema.Draft202012Validator(schema).iter_errors(raw):
        if error.validator == "additionalProperties":
            unknown += sorted(str(k) for k in raw if k not in properties)
            continue
        key = str(error.path[0]) if error.path else _missing_key(error)
        by_key.setdefault(key, []).append(_message(properties[key], raw.get(key), key in required))
    messages = []
    if unknown:
        messages.append(f"unknown key(s) {', '.join(sorted(set(unknown)))}; allowed keys: {', '.join(properties)}")
    for key in properties:
        if key in by_key:
            messages.append(by_key[key][0])  # one message per key: the first error says enough
        elif key in raw and checks and key in checks:
            messages += checks[key](raw[key])
    return messages


def _missing_key(error: jsonschema.ValidationError) -> str:
    # a "required" error sits on the entry itself; its message is "'<key>' is a required property"
    return str(error.message.split("'")[1])


def _message(spec: Mapping[str, Any], value: Any, required: bool) -> str:
    if required and value in (None, ""):
        return str(spec["x-missing"])
    length = len(value.strip()) if isinstance(value, str) else 0
    return str(spec["x-invalid"]).format(value=value, length=length)
