"""Create-time parity with AWS: what AWS refuses the emulator refuses, what CloudFormation fills in it fills in."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stackcheck.emulator.cfn import rds_versions
from stackcheck.emulator.cfn.awslambda import blocked_runtime_message
from stackcheck.emulator.cfn.rds_versions import refused_engine_version_message
from stackcheck.errors import DeployError

from .conftest import lambda_resources

TEMPLATES = Path(__file__).resolve().parents[3] / "data" / "emulator"


def function_template(runtime: str) -> dict:
    return {
        "Resources": lambda_resources(runtime),
        "Outputs": {"FunctionName": {"Value": {"Ref": "Function"}}},
    }


@pytest.mark.parametrize(
    ("runtime", "today", "message"),
    [
        (
            "python3.7",
            dt.date(2026, 12, 3),
            "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. "
            "We recommend you use the new runtime ({successor}) while creating or updating functions.",
        ),
        ("python3.12", dt.date(2026, 12, 3), None),
        ("no-such-runtime", dt.date(2026, 12, 3), None),  # unknown to the table: Lambda's own validation decides
    ],
)
def test_blocked_runtime_message(runtime, today, message):
    # the successor is cfn-lint's (it moves with each cfn-lint release); the wording is Lambda's
    successor = _lifecycle()["python3.7"]["successor"]
    assert successor.startswith("python3.")
    assert blocked_runtime_message(runtime, today) == (message.format(successor=successor) if message else None)


def _lifecycle():
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    return load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json")


def test_a_runtime_is_blocked_from_its_create_block_date_on():
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    blocked = dt.date.fromisoformat(
        load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json")["nodejs14.x"]["create-block"]
    )
    assert blocked_runtime_message("nodejs14.x", blocked - dt.timedelta(days=1)) is None
    assert blocked_runtime_message("nodejs14.x", blocked).startswith("The runtime parameter of nodejs14.x is no longer")


@pytest.mark.emulator
def test_a_function_on_a_blocked_runtime_fails_its_stack_with_lambdas_message(deploy):
    with pytest.raises(DeployError) as err:
        deploy({"Old": (function_template("python3.7"), [])})
    assert "The runtime parameter of python3.7 is no longer supported for creating or updating" in str(err.value)


@pytest.mark.emulator
def test_a_function_on_a_current_runtime_is_created(deploy, aws, tmp_path):
    result = deploy({"Current": (function_template("python3.12"), [])})
    assert [(s.status, s.created, s.declared) for s in result.stacks] == [("CREATE_COMPLETE", 2, 2)]
    name = json.loads((tmp_path / "cfn-outputs" / "flat-outputs.json").read_text())["FunctionName"]
    assert aws("lambda").get_function(FunctionName=name)["Configuration"]["Runtime"] == "python3.12"


@pytest.mark.emulator
def test_a_service_without_desired_count_gets_cloudformations_default_of_one(deploy, aws, tmp_path):
    web = json.loads((TEMPLATES / "web.json").read_text())
    template = copy.deepcopy(web)
    del template["Resources"]["Service"]["Properties"]["DesiredCount"]
    deploy({"Stack": (template, [])})
    out = json.loads((tmp_path / "cfn-outputs" / "flat-outputs.json").read_text())
    (service,) = aws("ecs").describe_services(cluster=out["EcsClusterName"], services=[out["EcsServiceName"]])[
        "services"
    ]
    assert service["desiredCount"] == 1
    assert [d["desiredCount"] for d in service["deployments"]] == [1]


@pytest.mark.parametrize(
    ("engine", "version", "message"),
    [
        ("mysql", "5.7.30", "Cannot find version 5.7.30 for mysql"),  # no longer listed, 5.7.33+ are
        ("MySQL", "5.7.44", "Cannot find version 5.7.44 for mysql"),  # listed but deprecated: not creatable
        ("mysql", "8.0.46", None),
        ("mysql", "8.0.99", None),  # newer than every listed 8.0: a later release, not refused
        ("mysql", "8.0", None),  # major version only: RDS picks the default minor
        ("postgres", "17.6", None),
        ("postgres", "11.22", "Cannot find version 11.22 for postgres"),
        ("no-such-engine", "1.0.0", None),  # unknown to the table: RDS's own validation decides
    ],
)
def test_refused_engine_version_message(engine, version, message):
    assert refused_engine_version_message(engine, version) == message


LOAD_TABLES = """
import sys
from stackcheck.emulator.cfn import rds_versions
rds_versions.load_tables()
print(sorted(m for m in ("cfnlint", "sympy") if m in sys.modules))
"""


def test_the_version_tables_load_without_importing_cfn_lint():
    # the emulator's prewarm thread loads them beside the first deployment's requests: cfn-lint and sympy are 0.4 s
    done = subprocess.run([sys.executable, "-c", LOAD_TABLES], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_the_version_tables_are_cfn_lints_files_as_the_package_reads_them():
    from importlib import resources

    import cfnlint.data.schemas.extensions.aws_rds_dbinstance as schemas

    assert rds_versions._schemas_folder() == Path(str(resources.files(schemas)))
    listed = json.loads(resources.files(schemas).joinpath("engine_version.json").read_text(encoding="utf-8"))
    postgres = [e for e in listed["allOf"] if e["if"]["properties"]["Engine"].get("const") == "postgres"]
    versions = (
        postgres[0]["if"]["properties"].get("EngineVersion", {}).get("enum")
        or postgres[0]["then"]["properties"]["EngineVersion"]["enum"]
    )
    assert rds_versions._listed()["postgres"] == frozenset(str(v) for v in versions)


@pytest.mark.emulator
def test_a_db_instance_on_a_version_rds_no_longer_offers_fails_its_stack_with_rds_message(deploy):
    template = {
        "Resources": {
            "Database": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {
                    "Engine": "mysql",
                    "EngineVersion": "5.7.30",
                    "DBInstanceClass": "db.t3.micro",
                    "AllocatedStorage": "20",
                    "MasterUsername": "admin",
                    "MasterUserPassword": "not-a-real-secret-1",
                },
            }
        }
    }
    with pytest.raises(DeployError) as err:
        deploy({"Old": (template, [])})
    assert "InvalidParameterCombination" in str(err.value)
    assert "Cannot find version 5.7.30 for mysql" in str(err.value)
    current = copy.deepcopy(template)
    current["Resources"]["Database"]["Properties"]["EngineVersion"] = "8.0.46"
    (stack,) = deploy({"Current": (current, [])}).stacks
    assert (stack.status, stack.created, stack.declared) == ("CREATE_COMPLETE", 1, 1)


@pytest.mark.emulator
def test_a_lambda_alias_points_at_its_version(deploy, aws):
    template = function_template("python3.12")
    template["Resources"]["Version"] = {
        "Type": "AWS::Lambda::Version",
        "Properties": {"FunctionName": {"Ref": "Function"}},
    }
    template["Resources"]["Live"] = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {
            "Name": "live",
            "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
            "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
        },
    }
    template["Outputs"]["AliasArn"] = {"Value": {"Ref": "Live"}}
    template["Outputs"]["VersionArn"] = {"Value": {"Ref": "Version"}}
    (stack,) = deploy({"Aliased": (template, [])}).stacks
    name = stack.outputs["FunctionName"]
    alias = aws("lambda").get_alias(FunctionName=name, Name="live")
    assert (alias["AliasArn"], alias["FunctionVersion"]) == (stack.outputs["AliasArn"], "1")
    assert stack.outputs["VersionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:1"


@pytest.mark.emulator
def test_a_log_group_arn_from_getatt_ends_with_colon_star_as_cloudformations_does(deploy, tmp_path):
    template = {
        "Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "parity-logs"}}},
        "Outputs": {"LogsArn": {"Value": {"Fn::GetAtt": ["Logs", "Arn"]}}},
    }
    deploy({"Stack": (template, [])})
    out = json.loads((tmp_path / "cfn-outputs" / "flat-outputs.json").read_text())
    assert out["LogsArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:parity-logs:*"


@pytest.mark.emulator
def test_a_failover_record_names_its_health_check_by_getatt_health_check_id(deploy, aws):
    template = {
        "Resources": {
            "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": "parity.example.com"}},
            "Check": {
                "Type": "AWS::Route53::HealthCheck",
                "Properties": {
                    "HealthCheckConfig": {"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443}
                },
            },
            "Primary": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": {"Ref": "Zone"},
                    "Name": "www.parity.example.com",
                    "Type": "CNAME",
                    "TTL": "60",
                    "ResourceRecords": ["app.example.com"],
                    "SetIdentifier": "primary",
                    "Failover": "PRIMARY",
                    "HealthCheckId": {"Fn::GetAtt": ["Check", "HealthCheckId"]},
                },
            },
        },
        "Outputs": {
            "CheckId": {"Value": {"Fn::GetAtt": ["Check", "HealthCheckId"]}},
            "CheckRef": {"Value": {"Ref": "Check"}},
        },
    }
    (stack,) = deploy({"Failover": (template, [])}).stacks
    assert stack.status == "CREATE_COMPLETE"
    assert stack.outputs["CheckId"] == stack.outputs["CheckRef"]
    (zone,) = [z["Id"] for z in aws("route53").list_hosted_zones()["HostedZones"]]
    records = aws("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert [r.get("HealthCheckId") for r in records if r["Type"] == "CNAME"] == [stack.outputs["CheckId"]]


@pytest.mark.emulator
def test_a_rule_on_a_bus_of_its_stack_names_the_bus_by_ref(deploy, aws):
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "parity-orders"}},
            "Forward": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["parity.orders"]},
                    "State": "ENABLED",
                },
            },
        },
        "Outputs": {"BusName": {"Value": {"Ref": "Bus"}}, "RuleRef": {"Value": {"Ref": "Forward"}}},
    }
    (stack,) = deploy({"Mesh": (template, [])}).stacks
    assert (stack.status, stack.outputs["BusName"]) == ("CREATE_COMPLETE", "parity-orders")
    (rule,) = aws("events").list_rules(EventBusName="parity-orders")["Rules"]
    assert (rule["EventBusName"], json.loads(rule["EventPattern"])) == ("parity-orders", {"source": ["parity.orders"]})


@pytest.mark.emulator
def test_a_fargate_compute_environment_without_a_service_role_gets_batchs_service_linked_role(deploy, aws):
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.60.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.60.1.0/24"},
            },
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "batch", "VpcId": {"Ref": "Vpc"}},
            },
            "Environment": {
                "Type": "AWS::Batch::ComputeEnvironment",
                "Properties": {
                    "Type": "managed",  # as CDK writes it
                    "ComputeResources": {
                        "Type": "FARGATE",
                        "MaxvCpus": 4,
                        "Subnets": [{"Ref": "Subnet"}],
                        "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}],
                    },
                },
            },
        },
        "Outputs": {
            "EnvironmentArn": {"Value": {"Fn::GetAtt": ["Environment", "ComputeEnvironmentArn"]}},
            "EnvironmentRef": {"Value": {"Ref": "Environment"}},
        },
    }
    (stack,) = deploy({"Batch": (template, [])}).stacks
    assert stack.status == "CREATE_COMPLETE"
    assert stack.outputs["EnvironmentArn"] == stack.outputs["EnvironmentRef"]
    (environment,) = aws("batch").describe_compute_environments(computeEnvironments=[stack.outputs["EnvironmentArn"]])[
        "computeEnvironments"
    ]
    assert (environment["type"], environment["serviceRole"]) == (
        "MANAGED",
        "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch",
    )
