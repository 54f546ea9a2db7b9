"""The benchmark-only context knob ``benchmarkEnvironments``: N sets of Source/Target/Route53 that never collide."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from infra.app import MAX_BENCHMARK_ENVIRONMENTS, benchmark_cidrs, build_app
from stackcheck.assembly import load_cdk_json

ROOT = Path(__file__).resolve().parents[3]


def stacks(context: dict) -> dict[str, cdk.Stack]:
    app = build_app(cdk.App(context={**load_cdk_json(ROOT)["context"], **context}))
    return {c.node.id: c for c in app.node.children if isinstance(c, cdk.Stack)}


def test_three_sets_add_two_suffixed_sets_sharing_one_prereq_stack():
    found = stacks({"benchmarkEnvironments": 3})
    assert sorted(found) == sorted(
        [
            "TapStackdevDmsPrereq",
            "TapStackdevSource",
            "TapStackdevTarget",
            "TapStackdevRoute53",
            "TapStackdev2Source",
            "TapStackdev2Target",
            "TapStackdev2Route53",
            "TapStackdev3Source",
            "TapStackdev3Target",
            "TapStackdev3Route53",
        ]
    )
    environments = {sid: s for sid, s in found.items() if sid.endswith(("Source", "Target"))}
    assert {sid: (s.environment_name, s.cidr) for sid, s in environments.items()} == {
        "TapStackdevSource": ("source-dev", "10.10.0.0/16"),
        "TapStackdevTarget": ("target-dev", "10.20.0.0/16"),
        "TapStackdev2Source": ("source-dev2", "10.100.0.0/16"),
        "TapStackdev2Target": ("target-dev2", "10.101.0.0/16"),
        "TapStackdev3Source": ("source-dev3", "10.102.0.0/16"),
        "TapStackdev3Target": ("target-dev3", "10.103.0.0/16"),
    }
    zones = {sid: s.hosted_zone.zone_name for sid, s in found.items() if sid.endswith("Route53")}
    assert zones == {
        "TapStackdevRoute53": "payments-migration.example.com",
        "TapStackdev2Route53": "dev2.payments-migration.example.com",
        "TapStackdev3Route53": "dev3.payments-migration.example.com",
    }
    prereq = found["TapStackdevDmsPrereq"]
    assert all(prereq in s.dependencies for s in environments.values())


@pytest.mark.parametrize("value", [None, 1, "1"])
def test_one_set_is_the_app_without_the_knob(value):
    context = {} if value is None else {"benchmarkEnvironments": value}
    assert sorted(stacks(context)) == [
        "TapStackdevDmsPrereq",
        "TapStackdevRoute53",
        "TapStackdevSource",
        "TapStackdevTarget",
    ]


@pytest.mark.parametrize("value", [0, -1, "three", MAX_BENCHMARK_ENVIRONMENTS + 1, 2.5])
def test_bad_counts_name_the_context_key(value):
    with pytest.raises(
        ValueError,
        match=r"context benchmarkEnvironments=.* is (not an integer|outside 1\.\.60); use an integer 1\.\.60",
    ):
        stacks({"benchmarkEnvironments": value})


def test_cidrs_of_every_set_are_distinct_and_inside_10_slash_8():
    cidrs = [c for index in range(2, MAX_BENCHMARK_ENVIRONMENTS + 1) for c in benchmark_cidrs(index).values()]
    cidrs += ["10.10.0.0/16", "10.20.0.0/16"]
    assert len(set(cidrs)) == len(cidrs) == 2 * MAX_BENCHMARK_ENVIRONMENTS
    assert all(c.startswith("10.") and 0 <= int(c.split(".")[1]) <= 255 for c in cidrs)
    with pytest.raises(ValueError, match=r"outside 2..60"):
        benchmark_cidrs(1)
