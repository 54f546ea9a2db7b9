"""boto3 clients sharing one botocore Config, endpoint and region; calls retried on throttling and recorded."""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING, Any

from stackcheck.aws.retry import RETRY_LOG, THROTTLING, RetryLog, RetryProfile, RetryRecord, current_node_id
from stackcheck.aws.secrets import register_secret_redaction
from stackcheck.errors import BadInputError

if TYPE_CHECKING:
    from stackcheck.emulator.record import EmulatorRecord

__all__ = [
    "EMULATOR_ACCOUNT_HEADER",
    "FAKE_CREDENTIALS",
    "ClientFactory",
    "RecordingClient",
    "boto3_session",
    "botocore_config",
    "record_botocore_retries",
    "use_emulator_account",
]

FAKE_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
"""Credentials handed to the local emulator only, so a real profile is never sent to it."""

EMULATOR_ACCOUNT_HEADER = "x-moto-account-id"
"""The request header that makes the emulator (moto) act as that account.

moto picks the account of each request, in this order: the ``MOTO_ACCOUNT_ID`` environment
variable of the server, this header, the account an access key was issued in (IAM CreateAccessKey
or STS AssumeRole on the server), else 123456789012 (moto.core.responses.BaseResponse.get_current_account
and moto.iam.models.get_account_id_from in moto 5; https://docs.getmoto.org/en/latest/docs/multi_account.html).
An access key that merely looks like an account id is not one of them: it gets the default account.
"""


def use_emulator_account(events: Any, account: str) -> None:
    """Make every request sent through ``events`` (a boto3 Session's or a client's ``meta.events``) act
    as ``account`` on the emulator, by the ``EMULATOR_ACCOUNT_HEADER`` header. Emulator only: AWS ignores it.
    Raises BadInputError unless ``account`` is 12 digits."""
    if not (len(account) == 12 and account.isdigit()):
        raise BadInputError(f"emulator account {account!r} must be a 12-digit account id")

    def add_header(request: Any, **_: Any) -> None:
        request.headers[EMULATOR_ACCOUNT_HEADER] = account

    events.register("before-send", add_header, unique_id=f"stackcheck-emulator-account-{account}")


def botocore_config(*, max_attempts: int = 3, connect_timeout: float = 5, read_timeout: float = 30) -> Any:
    """The botocore Config every stackcheck client shares.

    Standard retry mode with ``max_attempts`` total attempts (first call included) for transient
    and throttling errors, and connect/read timeouts in seconds
    (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).
    """
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        user_agent_extra="stackcheck",
    )


class RecordingClient:
    """A boto3 client whose API operations run under a RetryProfile and record their retries.

    Paginators and waiters from ``get_paginator``/``get_waiter`` call the operations through the
    profile too. Everything else (``meta``, ``exceptions``, ``can_paginate``) is the wrapped
    client's. ``client`` is the wrapped client (give it to botocore's Stubber).
    """

    def __init__(self, client: Any, *, profile: RetryProfile = THROTTLING, log: RetryLog | None = None):
        self.client = client
        self.profile = profile
        self.log = log
        self._service = client.meta.service_model.service_name
        self._operations = client.meta.method_to_api_mapping

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if name not in self._operations:
            return attr
        operation = f"{self._service}.{name}"

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self.profile.call(attr, *args, operation=operation, log=self.log, **kwargs)

        return call

    def get_paginator(self, operation_name: str) -> Any:
        """The client's paginator, its page requests retried under the profile."""
        paginator = self.client.get_paginator(operation_name)
        # botocore's Paginator calls the bound client method it keeps in ``_method``.
        if hasattr(paginator, "_method"):
            paginator._method = getattr(self, operation_name)
        return paginator

    def get_waiter(self, waiter_name: str) -> Any:
        """The client's waiter, each poll retried under the profile when throttled (a throttled
        poll would otherwise end the wait with WaiterError)."""
        from botocore import xform_name

        waiter = self.client.get_waiter(waiter_name)
        # botocore's Waiter polls through NormalizedOperationMethod(<bound client method>).
        normalized = getattr(waiter, "_operation_method", None)
        if normalized is not None and hasattr(normalized, "_client_method"):
            normalized._client_method = getattr(self, xform_name(waiter.config.operation))
        return waiter

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.client)) | set(vars(self)))

    def __repr__(self) -> str:
        return f"RecordingClient({self._service}, profile={self.profile.name})"


def record_botocore_retries(client: Any, log: RetryLog | None = None) -> None:
    """Record the retries botocore's own retry handler makes on ``client`` into ``log``.

    botocore emits ``needs-retry`` after every attempt and ``request-created`` before every
    attempt; a request whose ``retries.attempt`` context is above 1 follows a retry decision, so
    the error code of the previous attempt and the time slept in between are recorded with
    ``layer="botocore"``.
    """
    from botocore import xform_name

    target = RETRY_LOG if log is None else log
    service = client.meta.service_model.service_name
    event_service = client.meta.service_model.service_id.hyphenize()
    pending = threading.local()

    def after_attempt(
        attempts: int, response: Any = None, caught_exception: Any = None, operation: Any = None, **_: Any
    ) -> None:
        code = None
        if response is not None:
            code = ((response[1] or {}).get("Error") or {}).get("Code")
        if code is None and caught_exception is not None:
            code = type(caught_exception).__name__
        pending.value = (attempts, code or "unknown", time.monotonic(), operation.name if operation else "?")

    def before_attempt(request: Any, operation_name: str = "?", **_: Any) -> None:
        attempt = ((getattr(request, "context", None) or {}).get("retries") or {}).get("attempt", 1)
        seen, pending.value = getattr(pending, "value", None), None
        if attempt > 1 and seen is not None:
            failed, code, since, op = seen
            target.record(
                RetryRecord(
                    node_id=current_node_id(),
                    operation=f"{service}.{xform_name(op)}",
                    error_code=code,
                    attempt=failed,
                    sleep=round(time.monotonic() - since, 3),
                    layer="botocore",
                )
            )

    client.meta.events.register_first(f"needs-retry.{event_service}", after_attempt)
    client.meta.events.register(f"request-created.{event_service}", before_attempt)


_SHARED_LOADER: list[Any] = []


def _botocore_session() -> Any:
    """A new botocore Session whose data loader is the one every session made here shares.

    The loader caches what it reads (service models, endpoint rules: JSON of 0.1-0.5 MB per
    service), so a process making many factories (the gate's stages, a pytest session's fixtures and
    the compliance command it runs) parses each model once instead of once per factory. Sessions keep
    their own credentials, configuration and event handlers.
    """
    import botocore.session

    session = botocore.session.get_session()
    with _LOADER_LOCK:
        if _SHARED_LOADER:
            session.register_component("data_loader", _SHARED_LOADER[0])
        else:
            _SHARED_LOADER.append(session.get_component("data_loader"))
    return session


def boto3_session(region: str | None = None, **credentials: Any) -> Any:
    """A new boto3 Session for ``region`` with ``credentials`` (``aws_access_key_id``, ...; none: the usual
    chain), sharing one botocore data loader with every session made here (``_botocore_session``): its
    clients are made without parsing their service models again."""
    import boto3

    session = boto3.session.Session(botocore_session=_botocore_session(), region_name=region, **credentials)
    _dedupe_search_paths()
    return session


def _dedupe_search_paths() -> None:
    """boto3 adds its own data folder to the loader's search paths for every Session: keep each folder once."""
    with _LOADER_LOCK:
        paths = _SHARED_LOADER[0].search_paths
        paths[:] = list(dict.fromkeys(paths))


_LOADER_LOCK = threading.Lock()


class ClientFactory:
    """Makes boto3 clients that share one botocore Config, one endpoint URL and one region.

    ``factory("s3")`` returns a RecordingClient (throttling retried under ``profile`` and
    recorded in ``log``, RETRY_LOG by default); ``factory.raw("s3")`` the plain boto3 client.
    Clients are cached per service. Fake credentials (FAKE_CREDENTIALS) are used only when
    ``emulator`` is true, which requires ``endpoint_url``; otherwise boto3's credential chain
    applies. What Secrets Manager clients read is redacted (stackcheck.aws.secrets: GetSecretValue's
    ``SecretString`` is a Redacted; ``.reveal()`` gives the value, ``.json()`` its fields). ``region=None`` leaves the region to boto3's configuration chain.
    ``account`` (emulator only; a 12-digit id) makes every client act as that account on the emulator
    (``use_emulator_account``); None is the emulator's default account.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        emulator: bool = False,
        config: Any = None,
        profile: RetryProfile = THROTTLING,
        log: RetryLog | None = None,
        account: str | None = None,
    ):
        if emulator and not endpoint_url:
            raise BadInputError("fake emulator credentials need the emulator's endpoint URL")
        if account is not None and not emulator:
            raise BadInputError(
                f"account {account} can only be chosen on the emulator; on AWS the credentials decide it"
            )
        self.account = account
        self.region = region
        self.endpoint_url = endpoint_url
        self.emulator = emulator
        self.config = config if config is not None else botocore_config()
        self.profile = profile
        self.log = log
        self._session: Any = None
        self._raw: dict[str, Any] = {}
        self._wrapped: dict[str, RecordingClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_emulator(cls, record: EmulatorRecord, **kwargs: Any) -> ClientFactory:
        """A factory pointed at the emulator ``record`` describes, with fake credentials."""
        kwargs.setdefault("region", record.region)
        return cls(endpoint_url=record.endpoint_url, emulator=True, **kwargs)

    @property
    def session(self) -> Any:
        """The boto3 Session every client comes from (FAKE_CREDENTIALS when ``emulator``)."""
        with self._lock:
            return self._get_session()

    def _get_session(self) -> Any:
        if self._session is None:
            credentials = FAKE_CREDENTIALS if self.emulator else {}
            self._session = boto3_session(self.region, **credentials)
            if self.account is not None:
                use_emulator_account(self._session.events, self.account)
        return self._session

    def raw(self, service: str) -> Any:
        """The cached plain boto3 client for ``service`` (its botocore retries are still recorded)."""
        with self._lock:
            if service not in self._raw:
                client = self._get_session().client(
                    service, region_name=self.region, endpoint_url=self.endpoint_url, config=self.config
                )
                record_botocore_retries(client, self.log)
                register_secret_redaction(client)
                self._raw[service] = client
            return self._raw[service]

    def register(self, event: str, handler: Any, *, unique_id: str) -> None:
        """Register a botocore event ``handler`` (``"before-parameter-build"``, ...) on every client this
        factory made and will make (botocore copies the session's handlers into each new client)."""
        with self._lock:
            self._get_session().events.register(event, handler, unique_id=unique_id)
            for client in self._raw.values():
                client.meta.events.register(event, handler, unique_id=unique_id)

    def __call__(self, service: str) -> RecordingClient:
        """The cached RecordingClient for ``service`` (``"s3"``, ``"cloudformation"``, ...)."""
        client = self.raw(service)
        with self._lock:
            if service not in self._wrapped:
                self._wrapped[service] = RecordingClient(client, profile=self.profile, log=self.log)
            return self._wrapped[service]
