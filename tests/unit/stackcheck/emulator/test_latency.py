"""Simulated AWS API latency: spec parsing, seeded draws within the bounds, the WSGI delay, and a server started with it."""

from __future__ import annotations

import pytest

from stackcheck.emulator.latency import Latency, LatencyMiddleware, parse_latency
from stackcheck.errors import BadInputError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("20-150", Latency(20, 150, 0)), ("20-150@7", Latency(20, 150, 7)), (" 5.5-5.5 ", Latency(5.5, 5.5, 0))],
)
def test_specs_parse(spec, expected):
    assert parse_latency(spec) == expected
    assert parse_latency(expected.spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("150", "--latency '150': give LOW-HIGH milliseconds, optionally @SEED (e.g. 20-150 or 20-150@7)"),
        ("150-20", "--latency '150-20': need LOW <= HIGH <= 10000 ms"),
        ("10-20000", "--latency '10-20000': need LOW <= HIGH <= 10000 ms"),
    ],
)
def test_bad_specs_are_refused_naming_the_option(spec, message):
    with pytest.raises(BadInputError) as err:
        parse_latency(spec)
    assert str(err.value) == message


def test_draws_are_seeded_and_within_the_bounds():
    first = [Latency(20, 150, 7).draws()() for _ in range(1)]
    draw_a, draw_b, other = Latency(20, 150, 7).draws(), Latency(20, 150, 7).draws(), Latency(20, 150, 8).draws()
    a = [draw_a() for _ in range(500)]
    assert a == [draw_b() for _ in range(500)]
    assert a != [other() for _ in range(500)]
    assert a[0] == first[0]
    assert min(a) >= 0.020 and max(a) <= 0.150
    assert sum(a) / len(a) == pytest.approx((20 + 150 + 52.5) / 3 / 1000, rel=0.1)  # triangular mean


def test_middleware_waits_before_api_calls_only():
    waits: list[float] = []
    answered: list[str] = []

    def app(environ, start_response):
        answered.append(environ["PATH_INFO"])
        return [b"ok"]

    middleware = LatencyMiddleware(app, Latency(30, 30), sleep=waits.append)
    for path in ("/", "/moto-api/reset", "/2015-03-31/functions"):
        assert middleware({"PATH_INFO": path}, lambda *a: None) == [b"ok"]
    assert answered == ["/", "/moto-api/reset", "/2015-03-31/functions"]
    assert waits == [pytest.approx(0.030), pytest.approx(0.030)]
    assert middleware.delays == 2


@pytest.mark.emulator
def test_a_server_started_with_latency_says_so_and_answers(tmp_path):
    from stackcheck.emulator.process import client, start, stop

    record, started = start(tmp_path, latency="1-2@3")
    try:
        assert started
        assert client("sts", record).get_caller_identity()["Account"]
        log = (tmp_path / "emulator.log").read_text()
        assert "simulated latency 1-2 ms per call (seed 3; a simulation, not AWS)" in log
    finally:
        stop(tmp_path)
