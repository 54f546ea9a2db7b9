"""Per-rule timing: exclusive seconds per rule (nested rules left out), generators timed per step, real scanners instrumented."""

from __future__ import annotations

import threading

import pytest

from stackcheck.scan.timing import RuleClock, instrument


class FakeClock:
    """A clock the test advances by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    fake = FakeClock()
    return fake, RuleClock(fake)


def test_nested_rule_time_is_charged_to_the_inner_rule_only(clock):
    fake, rules = clock

    def inner():
        fake.now += 2.0
        return "inner"

    timed_inner = rules.wrap("E2", inner)

    def outer():
        fake.now += 1.0
        result = timed_inner()
        fake.now += 0.5
        return result

    assert rules.wrap("E1", outer)() == "inner"
    assert rules.take() == {"E1": 1.5, "E2": 2.0}
    assert rules.take() == {}


def test_generators_are_timed_at_each_step_not_while_the_caller_holds_them(clock):
    fake, rules = clock

    def generate():
        fake.now += 1.0
        yield "a"
        fake.now += 3.0
        yield "b"
        fake.now += 0.25

    steps = rules.wrap("W1", generate)()
    assert next(steps) == "a"
    fake.now += 100.0  # the caller's own work between steps
    assert list(steps) == ["b"]
    assert rules.take() == {"W1": 4.25}


def test_an_exception_still_stops_the_clock_and_propagates(clock):
    fake, rules = clock

    def boom():
        fake.now += 2.0
        raise RuntimeError("rule bug")

    with pytest.raises(RuntimeError, match="rule bug"):
        rules.wrap("E9", boom)()
    fake.now += 5.0
    assert rules.take() == {"E9": 2.0}


def test_seconds_from_other_threads_are_merged(clock):
    _fake, rules = clock
    timed = rules.wrap("CKV2_AWS_1", lambda: None)

    def worker():
        timed()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rules.take() == {"CKV2_AWS_1": 0.0}


def test_units_record_the_cpu_seconds_of_cfn_lint_and_checkov_rules(scanners, templates):
    from stackcheck.scan.runner import contexts_from_files, run_unit

    (context,) = contexts_from_files([templates / "s3_public_unencrypted.yaml"])
    cfn_lint, checkov = (next(s for s in scanners if s.tool == tool) for tool in ("cfn-lint", "checkov"))
    first, again = run_unit(cfn_lint, context), run_unit(cfn_lint, context)
    assert set(first.rule_seconds) <= set(cfn_lint.rule_ids()) and "E3002" in first.rule_seconds
    assert set(again.rule_seconds) == set(first.rule_seconds)
    assert {"CKV_AWS_18", "CKV_AWS_21"} <= set(run_unit(checkov, context).rule_seconds)
    assert all(seconds >= 0 for seconds in first.rule_seconds.values())
    rule = cfn_lint._rules.data["E3002"]
    assert rule.validate.__wrapped__.__self__ is rule  # wrapped once, around the rule's own bound method


def test_instrument_leaves_other_tools_alone():
    class Other:
        tool = "cdk-nag"

        def scan_template(self, path, context):
            return []

    other = Other()
    instrument(other, RuleClock())
    assert "scan_template" not in vars(other)
