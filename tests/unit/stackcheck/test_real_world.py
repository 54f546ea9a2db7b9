"""The real-world corpus: every case in tests/data/real-world/ (one public issue, PR or AWS doc each) runs against the identifier normalizers and response parsers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stackcheck import errors
from stackcheck.aws import arn, normalize, parsers

CORPUS = Path(__file__).resolve().parents[2] / "data" / "real-world"

FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(module, name)
    for module, names in (
        (
            normalize,
            (
                "bucket_name",
                "s3_ref",
                "same_bucket",
                "secret_name",
                "same_secret",
                "full_secret_arn",
                "kms_key",
                "same_kms_key",
                "hosted_zone_id",
                "change_id",
                "delegation_set_id",
                "route53_id",
                "ecs_service",
                "ecs_task",
                "same_ecs_service",
                "iam_role",
                "iam_role_name",
                "same_iam_role",
                "rds_endpoint",
                "same_rds_endpoint",
                "default_port",
            ),
        ),
        (arn, ("build_arn", "parse_arn", "partition_for_region")),
        (parsers, ("parse_bucket_region", "head_bucket_region", "encryption_verdict")),
    )
    for name in names
}
"""The functions a case's ``function`` may name."""

REQUIRED = {"id", "source", "summary", "function", "input", "expected"}


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        case["_file"] = path.name
        cases.append(case)
    return cases


CASES = load_cases()


def build(value: Any) -> Any:
    """Turn ``{"$client_error": {Code, Message, operation, headers}}`` into a botocore ClientError, recursively."""
    if isinstance(value, dict):
        if set(value) == {"$client_error"}:
            spec = value["$client_error"]
            response = {
                "Error": {"Code": spec["Code"], "Message": spec.get("Message", "")},
                "ResponseMetadata": {"HTTPHeaders": spec.get("headers", {})},
            }
            return ClientError(response, spec["operation"])  # type: ignore[arg-type]
        return {k: build(v) for k, v in value.items()}
    if isinstance(value, list):
        return [build(v) for v in value]
    return value


def plain(result: Any) -> Any:
    """A result as JSON-like data: a Match as ``{"same": ...}``, dataclasses as dicts, enums as values."""
    if isinstance(result, normalize.Match):
        return {"same": result.same}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {f.name: plain(getattr(result, f.name)) for f in dataclasses.fields(result)}
    if isinstance(result, Enum):
        return result.value
    if isinstance(result, tuple | list):
        return [plain(v) for v in result]
    return result


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert set(case) - {"_file"} == REQUIRED, case["_file"]
        assert case["_file"] == f"{case['id']}.json"
        assert case["source"].startswith(("https://github.com/", "https://docs.aws.amazon.com/")), case["id"]
        assert case["function"] in FUNCTIONS, case["id"]
        assert set(case["input"]) == {"args", "kwargs"}, case["id"]
        assert set(case["expected"]) in ({"value"}, {"value", "reason_contains"}, {"raises", "message"}), case["id"]


def test_corpus_covers_every_family_it_owns() -> None:
    families = {
        "secrets": {"secret_name", "same_secret", "full_secret_arn"},
        "kms": {"kms_key", "same_kms_key"},
        "route53": {"hosted_zone_id", "change_id", "delegation_set_id", "route53_id"},
        "ecs": {"ecs_service", "ecs_task", "same_ecs_service"},
        "iam": {"iam_role", "iam_role_name", "same_iam_role"},
        "rds": {"rds_endpoint", "same_rds_endpoint", "default_port"},
        "arn": {"build_arn", "parse_arn", "partition_for_region"},
        "s3": {"bucket_name", "s3_ref", "same_bucket"},
        "bucket region": {"parse_bucket_region", "head_bucket_region"},
        "encryption": {"encryption_verdict"},
    }
    used = {c["function"] for c in CASES}
    assert {name for name, functions in families.items() if not functions & used} == set()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_real_world_case(case: dict[str, Any]) -> None:
    function = FUNCTIONS[case["function"]]
    args, kwargs = build(case["input"]["args"]), build(case["input"]["kwargs"])
    expected = case["expected"]
    if "raises" in expected:
        error = getattr(errors, expected["raises"])
        with pytest.raises(error) as err:
            function(*args, **kwargs)
        assert expected["message"] in str(err.value)
        return
    result = function(*args, **kwargs)
    got, want = plain(result), expected["value"]
    if isinstance(want, dict) and isinstance(got, dict) and not isinstance(result, normalize.Match):
        # a case names the fields it is about; each named field must be present and equal
        assert {k: got.get(k, "<absent>") for k in want} == want
    else:
        assert got == want
    if "reason_contains" in expected:
        assert expected["reason_contains"] in result.reason
