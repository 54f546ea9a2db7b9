"""Deploying an assembly to the emulator: ordering, verification, skipping unsupported types, outputs, failures, teardown."""

from __future__ import annotations

import json
import threading

import pytest

from stackcheck.cli import main
from stackcheck.emulator.command import check_current
from stackcheck.emulator.deploy import DeployResult, destroy, plan_templates, references
from stackcheck.emulator.process import start, status
from stackcheck.errors import AssemblyError, DeployError, UnsupportedResourceError


@pytest.mark.parametrize(
    ("fragment", "ids", "exports"),
    [
        ({"Ref": "Bucket"}, {"Bucket"}, set()),
        ({"Ref": "AWS::Region"}, set(), set()),
        ({"Fn::GetAtt": ["Lb", "DNSName"]}, {"Lb"}, set()),
        ({"Fn::GetAtt": "Lb.DNSName"}, {"Lb"}, set()),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${Db.Endpoint.Address}/${!Literal}"},
            {"Bucket", "Db"},
            set(),
        ),
        ({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Topic"}}]}, {"Name", "Topic"}, set()),
        ({"Fn::ImportValue": "Edge:Domain"}, set(), {"Edge:Domain"}),
        ({"Fn::Join": ["", [{"Ref": "A"}, {"Fn::GetAtt": ["B", "Arn"]}]]}, {"A", "B"}, set()),
    ],
)
def test_references(fragment, ids, exports):
    assert references(fragment) == (ids, exports)


def test_plan_refuses_unsupported_types_naming_them(make_assembly):
    assembly = make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])})
    with pytest.raises(UnsupportedResourceError) as err:
        plan_templates(assembly)
    assert str(err.value).startswith(
        "the emulator cannot create these resource types: AWS::AppRunner::Service (Edge/Distribution)"
    )


def test_plan_skips_unsupported_resources_and_what_needs_them(make_assembly):
    assembly = make_assembly({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])})
    (edge,), (importer,) = plan_templates(assembly, allow_unsupported=True)
    assert edge.skipped == {
        "Distribution": "unsupported type AWS::AppRunner::Service",
        "DistributionDomainParameter": "needs Distribution, which was skipped",
    }
    assert (edge.removed_outputs, sorted(edge.template["Resources"])) == (["DistributionDomain"], ["Bucket"])
    assert importer.skipped == {"DomainCopy": "imports Edge:DistributionDomain, whose resource was skipped"}
    assert sorted(importer.template["Resources"]) == ["Standalone"]


def test_left_out_names_per_stack_what_the_deploy_leaves_out_and_why(make_assembly):
    from stackcheck.emulator.plan import left_out

    assembly = make_assembly(
        {"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"]), "Storage": ("storage", [])}
    )
    assert left_out(assembly) == {
        "Edge": {
            "Distribution": "unsupported type AWS::AppRunner::Service",
            "DistributionDomainParameter": "needs Distribution, which was skipped",
        },
        "Importer": {"DomainCopy": "imports Edge:DistributionDomain, whose resource was skipped"},
    }


def test_plan_leaves_the_assembly_templates_untouched(make_assembly):
    assembly = make_assembly({"Edge": ("unsupported", [])})
    plan_templates(assembly, allow_unsupported=True)
    assert sorted(assembly.stack("Edge").resources) == ["Bucket", "Distribution", "DistributionDomainParameter"]


@pytest.mark.emulator
def test_deploy_creates_every_declared_resource_in_dependency_order(deploy, tmp_path):
    lines = []
    result = deploy(
        {
            "Storage": ("storage", []),
            "Monitoring": ("monitoring", ["Storage"]),
            "Migration": ("migration", ["Storage"]),
        },
        on_stack=lambda r: lines.append(r.line()),
    )
    assert isinstance(result, DeployResult)
    # Storage first (both others need it); the other two in whichever order they complete
    assert lines[0] == "Storage  CREATE_COMPLETE  declared 3 / created 3 / emulated 0 / skipped 0"
    assert sorted(lines[1:]) == [
        "Migration  CREATE_COMPLETE  declared 12 / created 12 / emulated 0 / skipped 0",
        "Monitoring  CREATE_COMPLETE  declared 4 / created 4 / emulated 0 / skipped 0",
    ]
    assert [(s.stack_name, s.missing) for s in result.stacks] == [
        ("Storage", ()),
        ("Migration", ()),
        ("Monitoring", ()),
    ]


@pytest.mark.emulator
def test_deploy_writes_nested_and_flat_outputs(deploy, tmp_path):
    result = deploy({"Storage": ("storage", []), "Monitoring": ("monitoring", [])})
    nested = json.loads((tmp_path / "cfn-outputs" / "all-outputs.json").read_text())
    flat = json.loads((tmp_path / "cfn-outputs" / "flat-outputs.json").read_text())
    assert result.outputs_files == (
        tmp_path / "cfn-outputs" / "all-outputs.json",
        tmp_path / "cfn-outputs" / "flat-outputs.json",
    )
    assert {stack: sorted(values) for stack, values in nested.items()} == {
        "Storage": ["LogsBucketName", "LogsBucketPolicyRef", "ScratchBucketName"],
        "Monitoring": ["AlarmTopicArn", "CpuAlarmArn", "CpuAlarmName"],
    }
    assert flat == {**nested["Storage"], **nested["Monitoring"]}


@pytest.mark.emulator
def test_deploy_with_colliding_output_keys_keeps_the_per_stack_outputs(deploy, tmp_path):
    # every stack is created: the per-stack file keeps all of them; only the flat file cannot hold both keys,
    # and the deploy says so without failing
    result = deploy(
        {
            "First": ("monitoring", []),
            "Third": (
                {
                    "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "x"}}},
                    "Outputs": {"CpuAlarmName": {"Value": {"Ref": "P"}}},
                },
                [],
            ),
        }
    )
    assert result.flat_skipped is not None
    assert "output key 'CpuAlarmName' is declared by both stack 'First' and stack 'Third'" in result.flat_skipped
    assert "flat-outputs.json was not written" in result.flat_skipped
    assert result.outputs_files == (tmp_path / "cfn-outputs" / "all-outputs.json", None)
    assert not (tmp_path / "cfn-outputs" / "flat-outputs.json").exists()
    nested = json.loads((tmp_path / "cfn-outputs" / "all-outputs.json").read_text())
    assert {stack: sorted(values) for stack, values in nested.items()} == {
        "First": ["AlarmTopicArn", "CpuAlarmArn", "CpuAlarmName"],
        "Third": ["CpuAlarmName"],
    }


@pytest.mark.emulator
def test_deploy_with_allow_unsupported_reports_what_was_skipped(deploy):
    result = deploy({"Edge": ("unsupported", []), "Importer": ("importer", ["Edge"])}, allow_unsupported=True)
    assert [s.line() for s in result.stacks] == [
        "Edge  CREATE_COMPLETE  declared 3 / created 1 / emulated 0 / skipped 2 (Distribution: unsupported type "
        "AWS::AppRunner::Service; DistributionDomainParameter: needs Distribution, which was skipped); "
        "lost outputs: DistributionDomain (depend on skipped Distribution)",
        "Importer  CREATE_COMPLETE  declared 2 / created 1 / emulated 0 / skipped 1 "
        "(DomainCopy: imports Edge:DistributionDomain, whose resource was skipped)",
    ]
    assert set(result.stacks[0].outputs) == {"BucketName"}


@pytest.mark.emulator
def test_resource_whose_condition_is_false_is_not_counted_as_missing(deploy):
    template = {
        "Conditions": {"IsProduction": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "ProductionBucket": {"Type": "AWS::S3::Bucket", "Condition": "IsProduction"},
        },
    }
    (result,) = deploy({"Stack": (template, [])}).stacks
    assert (result.created, result.declared) == (1, 2)
    assert result.skipped == {"ProductionBucket": "condition IsProduction is false"}


@pytest.mark.emulator
def test_redeploying_the_same_assembly_keeps_the_stacks(deploy):
    deploy({"Storage": ("storage", [])})
    (again,) = deploy({"Storage": ("storage", [])}).stacks
    assert (
        again.line()
        == "Storage  CREATE_COMPLETE  declared 3 / created 3 / emulated 0 / skipped 0  (already deployed, unchanged)"
    )
    assert set(again.outputs) == {"LogsBucketName", "LogsBucketPolicyRef", "ScratchBucketName"}


@pytest.mark.emulator
def test_redeploying_a_changed_template_says_to_tear_down_first(deploy, template):
    deploy({"Storage": ("storage", [])})
    changed = template("storage")
    changed["Resources"]["ScratchBucket"]["Properties"]["VersioningConfiguration"] = {"Status": "Enabled"}
    with pytest.raises(
        DeployError,
        match="stack Storage is already on the emulator from a different template; "
        "the emulator does not update stacks; tear it down with",
    ):
        deploy({"Storage": (changed, [])})


@pytest.mark.emulator
def test_failing_stack_names_the_resource_the_reason_and_what_is_missing(deploy, tmp_path):
    (tmp_path / "cfn-outputs").mkdir()
    (tmp_path / "cfn-outputs" / "flat-outputs.json").write_text('{"OldKey": "from an earlier deployment"}')
    with pytest.raises(DeployError) as err:
        deploy({"Broken": ("failing", [])})
    message = str(err.value)
    assert message.startswith("stack Broken is CREATE_")
    assert "with 2/3 resources" in message
    assert "failed: Parameter (AWS::SSM::Parameter): ValidationError" in message
    assert "has no key 'password'" in message
    assert message.endswith("missing logical IDs: Parameter")
    assert not (tmp_path / "cfn-outputs" / "flat-outputs.json").exists()


@pytest.mark.emulator
def test_model_crash_is_reported_as_the_failed_resource(deploy):
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Service": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1}},
        }
    }
    with pytest.raises(DeployError) as err:
        deploy({"Broken": (template, [])})
    assert "failed: Service (AWS::ECS::Service): KeyError: 'Cluster'" in str(err.value)
    assert str(err.value).endswith("missing logical IDs: Service")


@pytest.mark.emulator
def test_failure_in_one_stack_of_a_wave_stops_later_waves(deploy, emulator, aws):
    with pytest.raises(DeployError, match="stack Broken is CREATE_"):
        deploy({"Broken": ("failing", []), "Fine": ("storage", []), "Later": ("monitoring", ["Broken", "Fine"])})
    names = {s["StackName"] for s in aws("cloudformation").list_stacks()["StackSummaries"]}
    assert names == {"Broken", "Fine"}


def test_a_stack_starts_as_soon_as_its_own_dependencies_complete_each_thread_with_its_own_session(
    make_assembly, tmp_path, monkeypatch
):
    # Slow needs nothing and blocks until Later is reported; Later needs only Fast. Deploying wave by
    # wave (Later after the whole first wave) would never release Slow.
    from stackcheck.emulator import deploy as deploy_module
    from stackcheck.emulator.assets import PublishedAssets
    from stackcheck.emulator.deploy import StackResult, deploy_assembly
    from stackcheck.emulator.process import EmulatorRecord

    later_reported = threading.Event()
    sessions: dict[str, object] = {}  # kept alive, so no two ids can coincide

    def fake_deploy(session, record, plan, log=None):
        name = plan.artifact.stack_name
        sessions[name] = session
        if name == "Slow":
            assert later_reported.wait(timeout=30), "Later did not start before Slow completed"
        return StackResult(plan.artifact.artifact_id, name, "CREATE_COMPLETE", 0, 0, (), {}, {name: "v"}, 0.0)

    monkeypatch.setattr(deploy_module, "_deploy_stack", fake_deploy)
    monkeypatch.setattr(
        deploy_module, "publish_assets", lambda *args: PublishedAssets()
    )  # no server behind this record
    reported = []

    def on_stack(result):
        reported.append(result.stack_name)
        if result.stack_name == "Later":
            later_reported.set()

    assembly = make_assembly({"Slow": ("storage", []), "Fast": ("storage", []), "Later": ("storage", ["Fast"])})
    result = deploy_assembly(
        assembly, EmulatorRecord("http://127.0.0.1:9", "us-east-1", 1), outputs_dir=tmp_path / "out", on_stack=on_stack
    )
    assert reported == ["Fast", "Later", "Slow"]
    assert [s.stack_name for s in result.stacks] == ["Fast", "Slow", "Later"]  # the assembly's dependency order
    assert len({id(session) for session in sessions.values()}) == 3  # no Session shared between threads
    assert json.loads((tmp_path / "out" / "flat-outputs.json").read_text()) == {"Fast": "v", "Slow": "v", "Later": "v"}


def test_check_current_refuses_a_stale_assembly(tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python -m app"}))
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text("{}")
    with pytest.raises(AssemblyError, match=r"is stale: .* synthesize again with `make synth`"):
        check_current(str(tmp_path), str(tmp_path / "cdk.out"), allow_stale=False)


def test_check_current_warns_on_a_stale_assembly_when_allowed(tmp_path, capsys):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python -m app"}))
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text("{}")
    check_current(str(tmp_path), str(tmp_path / "cdk.out"), allow_stale=True)
    assert "warning: cloud assembly" in capsys.readouterr().err


def test_check_current_refuses_a_missing_assembly(tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python -m app"}))
    with pytest.raises(AssemblyError, match="does not exist; synthesize first with `make synth`"):
        check_current(str(tmp_path), str(tmp_path / "cdk.out"), allow_stale=False)


def deploy_cli(assembly, tmp_path, outputs_dir) -> int:
    """``stackcheck deploy`` of ``assembly``, its staleness and scan checks pointed at ``tmp_path`` (no
    cdk.json, no scan there: the checkout's own ``reports/`` must not count)."""
    return main(
        [
            "deploy",
            "--assembly",
            str(assembly.directory),
            "--app-dir",
            str(tmp_path),
            "--report-dir",
            str(tmp_path / "reports"),
            "--outputs-dir",
            str(outputs_dir),
        ]
    )


def test_deploy_command_without_emulator_exits_3(make_assembly, tmp_path, capsys):
    assembly = make_assembly({"Stack": ("storage", [])})
    code = deploy_cli(assembly, tmp_path, str(tmp_path / "cfn-outputs"))
    assert code == 3
    assert "start it with `stackcheck emulator start`" in capsys.readouterr().err


@pytest.mark.emulator
def test_deploy_command_with_unsupported_type_exits_2(make_assembly, emulator, emulator_dir, tmp_path, capsys):
    assembly = make_assembly({"Edge": ("unsupported", [])})
    code = deploy_cli(assembly, tmp_path, str(emulator_dir))
    assert code == 2
    assert "AWS::AppRunner::Service (Edge/Distribution)" in capsys.readouterr().err


@pytest.mark.emulator
def test_deploy_command_with_failing_stack_exits_1(make_assembly, emulator, emulator_dir, tmp_path, capsys):
    assembly = make_assembly({"Broken": ("failing", [])})
    code = deploy_cli(assembly, tmp_path, str(emulator_dir))
    err = capsys.readouterr().err
    assert code == 1
    assert "failed: Parameter (AWS::SSM::Parameter)" in err
    assert err.rstrip().endswith("tear it down with `make destroy-local` before deploying again")


@pytest.mark.emulator
def test_deploy_command_prints_a_line_per_stack(make_assembly, emulator, emulator_dir, tmp_path, capsys):
    assembly = make_assembly({"Storage": ("storage", [])})
    code = deploy_cli(assembly, tmp_path, str(emulator_dir))
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert code == 0
    # progress on stderr, one plain line per stack as it completes (not a terminal)
    assert captured.err == "deploy: 1/1 Storage (3/3 resources created)\n"
    assert out[1].startswith("  Storage  CREATE_COMPLETE  declared 3 / created 3 / emulated 0 / skipped 0  (")
    assert out[0].startswith("deploying 1 stack (3 resources) to the emulator at ")
    assert out[2].startswith("deployed 1 stack: declared 3 / created 3 / emulated 0 / skipped 0 resources in ")


@pytest.mark.emulator
def test_destroy_resets_stops_and_removes_the_records(tmp_path):
    _record, _ = start(tmp_path)
    for name in ("all-outputs.json", "flat-outputs.json"):
        (tmp_path / name).write_text("{}")
    result = destroy(tmp_path)
    assert (result.reset, result.stopped) == (True, True)
    assert sorted(p.name for p in result.removed) == ["all-outputs.json", "flat-outputs.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emulator.log"]
    assert status(tmp_path).state == "absent"


def test_destroy_command_without_emulator_removes_files(tmp_path, capsys):
    (tmp_path / "flat-outputs.json").write_text("{}")
    assert main(["destroy", "--outputs-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"emulator was not running; removed {tmp_path / 'flat-outputs.json'}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.emulator
def test_deploy_command_with_a_repeated_output_key_exits_0_and_says_where_the_outputs_are(
    make_assembly, emulator, emulator_dir, tmp_path, capsys
):
    assembly = make_assembly({"First": ("monitoring", []), "Second": ("monitoring", [])})
    code = deploy_cli(assembly, tmp_path, str(emulator_dir))
    captured = capsys.readouterr()
    assert code == 0
    warning = next(line for line in captured.err.splitlines() if line.startswith("stackcheck deploy: warning:"))
    assert "output key 'AlarmTopicArn' is declared by both stack 'First' and stack 'Second'" in warning
    assert warning.endswith(f"--outputs-file={emulator_dir / 'all-outputs.json'} (or STACKCHECK_OUTPUTS_FILE).")
    assert captured.out.splitlines()[-1].endswith(f"outputs: {emulator_dir / 'all-outputs.json'}")


@pytest.mark.parametrize(
    ("created", "emulated", "skipped", "line"),
    [
        (3, {}, {}, "3/3 resources created"),
        (7, {"Invoke": "started the state machine"}, {}, "7 of 8 resources created, 1 emulated"),
        (
            2,
            {},
            {f"R{i}": "unsupported type AWS::AppSync::Resolver" for i in range(8)},
            "2 of 10 resources created, 8 skipped",
        ),
        (1, {"A": "x"}, {"B": "y"}, "1 of 3 resources created, 1 emulated, 1 skipped"),
    ],
)
def test_a_stacks_progress_line_counts_what_was_emulated_or_skipped_beside_what_was_created(
    created, emulated, skipped, line
):
    # "7/8 resources created" read as a failure when the eighth was a framework custom resource the emulator ran
    from stackcheck.emulator.command import deployed_counts
    from stackcheck.emulator.deploy import StackResult

    declared = created + len(emulated) + len(skipped)
    result = StackResult("S", "S", "CREATE_COMPLETE", declared, created, (), skipped, {}, 0.1, emulated=emulated)
    assert deployed_counts(result) == line


def _client_error(status: int, code: str, message: str):
    from botocore.exceptions import ClientError

    answer = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(answer, "CreateStack")


def test_a_failed_calls_line_names_the_servers_exception_for_a_500_only(tmp_path):
    from stackcheck.emulator.deploy import _error_text

    log = tmp_path / "emulator.log"
    log.write_text("Traceback (most recent call last):\n  ...\nKeyError: 'Subnets'\n", encoding="utf-8")
    assert _error_text(_client_error(500, "InternalFailure", "boom"), log) == (
        f"InternalFailure: boom; the emulator failed internally: KeyError: 'Subnets' (emulator log {log})"
    )
    lacking = _client_error(501, "NotImplemented", "moto 5.2.5: The detect_stack_drift action has not been implemented")
    assert _error_text(lacking, log) == (
        "NotImplemented: moto 5.2.5: The detect_stack_drift action has not been implemented"
    )
    assert _error_text(_client_error(503, "ServiceUnavailable", "try later"), log) == "ServiceUnavailable: try later"
