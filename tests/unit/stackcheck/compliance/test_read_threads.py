"""Live templates of several stacks read side by side: per-thread call counts, context kept, errors in stack order."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from stackcheck.aws.retry import current_node_id, node_context
from stackcheck.compliance.live import LiveReader, LiveTemplate, read_live_templates


class Factory:
    """A client factory whose every client answers ``get_thing`` with its arguments; a call with ``wait=True``
    first waits at a barrier of ``parties`` threads, so two reads pass only when they run at once (else the
    barrier times out and the test fails)."""

    def __init__(self, parties: int):
        self.barrier = threading.Barrier(parties, timeout=10)
        self.threads: set[str] = set()

    def __call__(self, service: str):
        def get_thing(**kwargs):
            self.threads.add(threading.current_thread().name)
            if kwargs.get("wait"):
                self.barrier.wait()
            return {"Thing": kwargs}

        return SimpleNamespace(get_thing=get_thing)


def stack(artifact_id: str) -> SimpleNamespace:
    return SimpleNamespace(artifact_id=artifact_id, resources=[])


class Reading(LiveReader):
    """A LiveReader whose live template of a stack is ``calls[stack]`` calls, each naming the running test."""

    def __init__(self, factory, calls, failing=()):
        super().__init__(factory, [])
        self.plan, self.failing, self.seen = calls, set(failing), {}

    def live_template(self, stack, resource_types):
        self.seen[stack.artifact_id] = current_node_id()
        for index in range(self.plan[stack.artifact_id]):
            self.call("things", "get_thing", stack=stack.artifact_id, index=index, wait=index == 0)
        if stack.artifact_id in self.failing:
            raise RuntimeError(f"{stack.artifact_id} could not be read")
        return LiveTemplate(stack=stack, template={"Resources": {}}, resources={})


def test_stacks_are_read_at_once_each_with_its_own_call_count_and_the_callers_context():
    factory = Factory(parties=2)
    reader = Reading(factory, {"Source": 3, "Target": 5})
    with node_context("tests/x.py::test_y"):
        read = read_live_templates(reader, [stack("Source"), stack("Target")], {"AWS::S3::Bucket"})
    assert list(read) == ["Source", "Target"]
    assert {k: f.result()[1] for k, f in read.items()} == {"Source": 3, "Target": 5}
    assert reader.calls == 8
    assert reader.thread_calls() == 0  # none from this thread
    assert reader.seen == {"Source": "tests/x.py::test_y", "Target": "tests/x.py::test_y"}
    assert len(factory.threads) == 2 and all(t.startswith("live-read") for t in factory.threads)


def test_a_read_that_fails_raises_from_its_own_future_and_the_others_are_kept():
    factory = Factory(parties=2)
    reader = Reading(factory, {"Source": 1, "Target": 1}, failing={"Source"})
    read = read_live_templates(reader, [stack("Source"), stack("Target")], set())
    with pytest.raises(RuntimeError, match=r"^Source could not be read$"):
        read["Source"].result()
    assert read["Target"].result()[1] == 1


def test_no_stack_reads_nothing_and_one_stack_is_read_alone():
    reader = Reading(Factory(parties=1), {"Only": 2})
    assert read_live_templates(reader, [], set()) == {}
    assert read_live_templates(reader, [stack("Only")], set())["Only"].result()[1] == 2
    assert reader.calls == 2
