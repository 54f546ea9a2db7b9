"""The endpoint watch: an AWS endpoint that stops answering mid-run is said once, later checks fail fast, exit 3."""

from __future__ import annotations

import socket
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from stackcheck.errors import EmulatorError, NextStep

__all__ = [
    "AWS_FIXTURES",
    "COULD_NOT_RUN",
    "WATCH_KEY",
    "EndpointDown",
    "EndpointWatch",
    "answers",
    "endpoint_of",
    "unreachable_endpoint",
]

COULD_NOT_RUN = EmulatorError.exit_code
"""The session's exit status once an endpoint stopped answering: 3, "could not run" (README, stackcheck.errors)."""

AWS_FIXTURES = frozenset({"aws_client", "aws_endpoint_url"})
"""A test that uses any of these (directly or through another fixture) talks to the endpoint."""


def endpoint_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the endpoint, without the request's path and query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def answers(endpoint_url: str, timeout: float = 3.0) -> bool:
    """True when a TCP connection to the endpoint's host and port opens within ``timeout`` seconds."""
    parts = urlsplit(endpoint_url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def unreachable_endpoint(exc: BaseException | None) -> str | None:
    """The endpoint (``scheme://host:port``) of the first botocore "cannot reach the endpoint"
    error in ``exc`` or its causes and contexts: EndpointConnectionError (connection refused,
    DNS), ConnectTimeoutError, ConnectionClosedError (the server went away mid-answer); else None.
    """
    from botocore.exceptions import ConnectionClosedError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, BotocoreConnectionError | ConnectionClosedError):
            url = getattr(exc, "kwargs", {}).get("endpoint_url")
            return endpoint_of(url) if url else None
        exc = exc.__cause__ or exc.__context__
    return None


@dataclass(frozen=True)
class EndpointDown:
    """The endpoint that stopped answering, the test that saw it first and what botocore said."""

    endpoint: str
    test: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """Plain data for a report attribute (pytest-xdist serializes it to the controller)."""
        return {"endpoint": self.endpoint, "test": self.test, "reason": self.reason}


def _uses_aws(item: pytest.Item) -> bool:
    return bool(AWS_FIXTURES & set(getattr(item, "fixturenames", ())))


class EndpointWatch:
    """pytest plugin: notices an AWS endpoint that stops answering during a check.

    A failing check whose error is a botocore connection error (or, when the client factory has
    an explicit endpoint, whose endpoint no longer accepts TCP connections), confirmed with one
    TCP probe, marks the endpoint down: that check's report becomes one line naming the
    endpoint, every later check that uses ``aws_client``/``aws_endpoint_url`` fails at setup
    without any network call, the terminal summary says it once, and the session exits
    COULD_NOT_RUN (3). ``emulator`` says whether the settings' endpoint is the emulator's (for
    the next step).
    """

    def __init__(self, *, emulator: bool = False) -> None:
        self.down: EndpointDown | None = None
        self.not_run = 0
        self.emulator = emulator

    def mark_down(self, endpoint: str, test: str, reason: str) -> EndpointDown:
        """Record ``endpoint`` as down (first caller wins); returns the record kept."""
        if self.down is None:
            self.down = EndpointDown(endpoint_of(endpoint), test, reason)
        return self.down

    def next_step(self) -> str:
        """What to do about it: deploy the emulator again, or check the endpoint."""
        if self.emulator:
            return NextStep.REDEPLOY_LOCAL.render()
        return "check that it answers (--aws-endpoint-url / AWS_ENDPOINT_URL, network) and run again"

    def not_run_message(self) -> str:
        """The one-line failure of a check that was not run because the endpoint is down."""
        assert self.down is not None
        return f"not run: the AWS endpoint {self.down.endpoint} stopped answering (first seen in {self.down.test})"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.down is not None and _uses_aws(item):
            item.stackcheck_not_run = True  # type: ignore[attr-defined]
            pytest.fail(self.not_run_message(), pytrace=False)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if getattr(item, "stackcheck_not_run", False) and call.when == "setup":
            report.stackcheck_not_run = True
            return
        if not report.failed or call.excinfo is None or self.down is not None:
            return
        error = call.excinfo.value
        endpoint = unreachable_endpoint(error)
        if endpoint is None and _uses_aws(item):
            factory = getattr(item, "funcargs", {}).get("aws_client")
            endpoint = getattr(factory, "endpoint_url", None)  # masked causes: probe the explicit endpoint
        if endpoint is None or answers(endpoint):
            return
        reason = " ".join(str(error).split()) if unreachable_endpoint(error) else "it no longer accepts connections"
        down = self.mark_down(endpoint, item.nodeid, reason)
        report.longrepr = f"the AWS endpoint {down.endpoint} stopped answering: {reason}"
        report.stackcheck_endpoint_down = down.as_dict()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Under pytest-xdist this runs on the controller with the workers' reports.
        seen = getattr(report, "stackcheck_endpoint_down", None)
        if seen and self.down is None:
            self.down = EndpointDown(**seen)
        if getattr(report, "stackcheck_not_run", False):
            self.not_run += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.down is None:
            return
        down = self.down
        terminalreporter.write_sep("=", "stackcheck: the AWS endpoint stopped answering")
        terminalreporter.write_line(
            f"the AWS endpoint {down.endpoint} stopped answering (first seen in {down.test}): {down.reason}"
        )
        terminalreporter.write_line(
            "1 later check was not run (it failed without calling the endpoint)"
            if self.not_run == 1
            else f"{self.not_run} later checks were not run (they failed without calling the endpoint)"
        )
        terminalreporter.write_line(f"exit {COULD_NOT_RUN} (could not run); {self.next_step()}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.down is not None and not hasattr(session.config, "workerinput"):
            session.exitstatus = COULD_NOT_RUN


WATCH_KEY: pytest.StashKey[EndpointWatch] = pytest.StashKey()
