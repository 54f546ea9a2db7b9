"""over_parameters: a rule judged over every combination of AllowedValues, merged per target."""

from __future__ import annotations

import pytest

from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict
from stackcheck.scan.scenarios import MAX_SCENARIOS, candidates, over_parameters


@pytest.mark.parametrize(
    ("parameter", "expected"),
    [
        ({"Type": "Number", "AllowedValues": ["22", 443, "1.5"]}, [22, 443, 1.5]),
        ({"Type": "String", "AllowedValues": ["a", "b", "a"]}, ["a", "b"]),
        ({"Type": "AWS::EC2::VPC::Id", "AllowedValues": ["vpc-1"]}, ["vpc-1"]),
        ({"Type": "String", "Default": "a"}, None),  # a Default alone binds no deployer
        ({"Type": "Number", "AllowedValues": ["x"]}, None),
        ({"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}, None),
        ({"Type": "AWS::SSM::Parameter::Value<String>", "AllowedValues": ["/app/port"]}, None),
        ({"Type": "String", "AllowedValues": []}, None),
    ],
)
def test_candidates_are_the_allowed_values_of_a_scalar_parameter(parameter, expected):
    assert candidates(parameter) == expected


def template(*parameters: tuple[str, list | None]) -> dict:
    return {
        "Parameters": {
            name: {"Type": "String", **({"AllowedValues": allowed} if allowed else {})} for name, allowed in parameters
        },
        "Resources": {
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Tags": [{"Ref": n} for n, _ in parameters]}}
        },
    }


def port_rule(view: TemplateView):
    """Passes on port 443 (path ``()``), fails on 22 (path ``("Properties", "Port")``), unknown otherwise."""
    port = view.value({"Ref": "Port"})
    if port == "443":
        yield Verdict(Outcome.PASSED, f"port {port} is fine", "Sg")
    elif port == "22":
        yield Verdict(Outcome.FAILED, f"port {port} is open", "Sg", ("Properties", "Port"))
    else:
        yield Verdict(Outcome.UNKNOWN, f"port is unknown ({getattr(port, 'reason', port)})", "Sg")
    yield Verdict(Outcome.PASSED, "the output is fine", None, ("Outputs", "Name", "Value"))
    yield Verdict(Outcome.NOT_APPLICABLE, "", "Other")


def outcomes(view: TemplateView) -> list[tuple[str, str, str | None]]:
    return [(v.outcome.value, v.message, v.logical_id) for v in over_parameters(view, port_rule)]


def test_a_target_failed_under_one_allowed_value_is_failed_once_naming_the_value():
    view = TemplateView(template(("Port", ["443", "22"]), ("Env", ["dev", "prod"])))
    assert outcomes(view) == [
        ("FAILED", "port 22 is open when Port = 22", "Sg"),  # Env does not decide it, so it is not named
        ("PASSED", "the output is fine", None),
    ]


def test_a_target_passed_under_every_allowed_value_is_passed():
    view = TemplateView(template(("Port", ["443"]), ("Env", ["dev", "prod"])))
    assert outcomes(view) == [("PASSED", "port 443 is fine", "Sg"), ("PASSED", "the output is fine", None)]


def test_an_unconstrained_parameter_is_not_enumerated_and_stays_unknown():
    view = TemplateView(template(("Port", None), ("Env", ["dev", "prod"])))
    assert outcomes(view) == [
        ("UNKNOWN", "port is unknown (depends on parameter Port)", "Sg"),
        ("PASSED", "the output is fine", None),
    ]


def test_unknown_under_some_allowed_values_and_passed_under_others_is_unknown_naming_the_value():
    view = TemplateView(template(("Port", ["443", "8080"])))
    assert outcomes(view)[0] == ("UNKNOWN", "port is unknown (8080) when Port = 8080", "Sg")


def test_passed_messages_that_differ_say_every_allowed_value_passed():
    def rule(view: TemplateView):
        yield Verdict(Outcome.PASSED, f"port {view.value({'Ref': 'Port'})} is fine", "Sg")

    view = TemplateView(template(("Port", ["443", "80"])))
    assert [v.message for v in over_parameters(view, rule)] == [
        "port 443 is fine when Port = 443; likewise for every other allowed value of Port"
    ]


def test_too_many_combinations_leave_the_parameters_unresolved():
    allowed = [str(n) for n in range(MAX_SCENARIOS + 1)]
    view = TemplateView(template(("Port", allowed)))
    assert outcomes(view)[0] == ("UNKNOWN", "port is unknown (depends on parameter Port)", "Sg")


def test_a_parameter_the_template_does_not_use_is_not_enumerated():
    calls: list[dict] = []

    def rule(view: TemplateView):
        calls.append(dict(view.bindings))
        return iter(())

    body = template(("Port", ["443", "22"]))
    body["Parameters"]["Unused"] = {"Type": "String", "AllowedValues": ["a", "b"]}
    assert list(over_parameters(TemplateView(body), rule)) == []
    assert calls == [{"Port": "443"}, {"Port": "22"}]
    assert isinstance(TemplateView(body).value({"Ref": "Unused"}), Unresolved)
