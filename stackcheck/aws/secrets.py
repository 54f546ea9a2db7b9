"""Secret values that cannot reach output: what Secrets Manager answers, redacted in every repr, str and report."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from stackcheck.errors import BadInputError

__all__ = [
    "REDACTED",
    "SECRET_FIELDS",
    "SECRET_LOGGERS",
    "Redacted",
    "SecretFields",
    "install_log_redaction",
    "redact_secret_response",
    "register_secret_redaction",
]

REDACTED = "<redacted>"

SECRET_FIELDS: Mapping[str, tuple[str, ...]] = {
    # operation -> response members holding secret values; SecretValues[] members of
    # BatchGetSecretValue are redacted member by member.
    "GetSecretValue": ("SecretString", "SecretBinary"),
    "GetRandomPassword": ("RandomPassword",),
}
"""Secrets Manager response members that hold secret values, per operation
(https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html,
API_BatchGetSecretValue.html, API_GetRandomPassword.html)."""


class Redacted:
    """A secret value (str or bytes) that never shows itself.

    ``repr``/``str``/``format`` give ``<redacted NAME>`` (``NAME`` says which secret and field,
    never the value), so pytest's assertion rewriting, ``--showlocals``, JUnit XML and logs show
    no value. ``==``/``!=`` compare the value with a str, bytes or another Redacted; ``len()``
    is the value's length; ``reveal()`` returns the value itself (keep it out of assertions and
    messages); ``json()`` parses a JSON secret into SecretFields whose values are Redacted too.
    Not iterable and not a str, so pytest never diffs it character by character.
    """

    __slots__ = ("_value", "name")

    def __init__(self, value: str | bytes, name: str = "secret") -> None:
        if isinstance(value, Redacted):
            value = value.reveal()
        if not isinstance(value, str | bytes):
            raise TypeError(f"Redacted holds str or bytes, got {type(value).__name__}")
        self._value = value
        self.name = name

    def reveal(self) -> str | bytes:
        """The secret value itself."""
        return self._value

    def json(self) -> SecretFields:
        """The value parsed as a JSON object (an RDS secret: username, password, host, port, ...).

        Raises BadInputError naming the secret (never quoting it) when the value is not a JSON
        object.
        """
        try:
            data, parsed = json.loads(self._value), True
        except (ValueError, TypeError):
            data, parsed = None, False
        if not parsed:  # raised outside the handler: the decoder's error (its ``doc``) holds the value
            raise BadInputError(f"{self.name} is not JSON")
        if not isinstance(data, dict):
            raise BadInputError(f"{self.name} is JSON but not an object (got {type(data).__name__})")
        return SecretFields(data, name=self.name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Redacted):
            return self._value == other._value
        if isinstance(other, str | bytes):
            return self._value == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"<redacted {self.name}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __copy__(self) -> Redacted:
        return self

    def __deepcopy__(self, memo: Any) -> Redacted:
        return self

    def __reduce__(self) -> Any:
        # Pickling (pytest-xdist, multiprocessing) would carry the value to another process' reports.
        raise TypeError(f"{self!r} cannot be pickled")


class SecretFields(Mapping[str, Any]):
    """A JSON secret's fields: ``fields["password"]`` is a Redacted (strings) or the JSON value
    redacted as its JSON text (numbers, lists, ...). Its repr lists the field names only."""

    def __init__(self, data: Mapping[str, Any], *, name: str = "secret") -> None:
        self.name = name
        self._fields = {
            key: Redacted(value if isinstance(value, str) else json.dumps(value), f"{name} field {key}")
            for key, value in data.items()
        }

    def __getitem__(self, key: str) -> Redacted:
        try:
            return self._fields[key]
        except KeyError:
            raise KeyError(f"{self.name} has no field {key!r}; fields: {sorted(self._fields)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"<{self.name}: fields {sorted(self._fields)}, values redacted>"

    __str__ = __repr__


def redact_secret_response(parsed: Any, model: Any = None, **_: Any) -> None:
    """botocore ``after-call`` handler: replace the secret members of a Secrets Manager answer
    (SECRET_FIELDS, and each of BatchGetSecretValue's ``SecretValues``) with Redacted values
    named after the secret (its Name, else its ARN), in place, before the caller sees them."""
    if not isinstance(parsed, dict):
        return
    operation = getattr(model, "name", None)
    entries = parsed.get("SecretValues", []) if operation == "BatchGetSecretValue" else [parsed]
    members = (
        ("SecretString", "SecretBinary") if operation == "BatchGetSecretValue" else SECRET_FIELDS.get(str(operation))
    )
    for entry in entries:
        for member in members or ():
            value = entry.get(member)
            if isinstance(value, str | bytes):
                label = entry.get("Name") or entry.get("ARN")
                entry[member] = Redacted(value, f"secret {label} {member}" if label else member)


class _SecretLogFilter(logging.Filter):
    """Blanks botocore's DEBUG records of a request or answer body that holds a secret value
    (``Making request ... with params``, ``Response body``), keeping the words before the colon."""

    MARKERS = ("SecretString", "SecretBinary", "RandomPassword")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            message = record.getMessage()
            if any(marker in message for marker in self.MARKERS):
                record.msg = message.split(":", 1)[0] + ": <redacted: holds a Secrets Manager secret value>"
                record.args = ()
        return True


_LOG_FILTER = _SecretLogFilter()
SECRET_LOGGERS = ("botocore.endpoint", "botocore.parsers")
"""botocore loggers whose DEBUG records carry request and response bodies."""


def install_log_redaction() -> None:
    """Keep secret values out of botocore's DEBUG logs (SECRET_LOGGERS), once per process."""
    for name in SECRET_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)


def register_secret_redaction(client: Any) -> None:
    """Redact what ``client`` (a boto3 client; only Secrets Manager clients are touched) reads
    from Secrets Manager: after this, GetSecretValue's ``SecretString`` is a Redacted, and
    botocore's DEBUG logs of secret bodies are blanked (install_log_redaction)."""
    if client.meta.service_model.service_name != "secretsmanager":
        return
    install_log_redaction()
    event_service = client.meta.service_model.service_id.hyphenize()
    for operation in (*SECRET_FIELDS, "BatchGetSecretValue"):
        client.meta.events.register(f"after-call.{event_service}.{operation}", redact_secret_response)
