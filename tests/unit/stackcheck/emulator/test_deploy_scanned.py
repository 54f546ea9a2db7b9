"""Every deploy deploys the cloud assembly the last scan scanned, or refuses saying why."""

from __future__ import annotations

import json

import pytest

from stackcheck.assembly.digest import assembly_digest
from stackcheck.cli import main
from stackcheck.emulator.command import check_scanned
from stackcheck.errors import AssemblyError, BadInputError


@pytest.fixture
def assembly(tmp_path):
    root = tmp_path / "cdk.out"
    root.mkdir()
    (root / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}')
    (root / "App.template.json").write_text('{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}')
    return root


def record_scan(tmp_path, assembly, digest=None):
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    scanned = {"directory": str(assembly), "digest": digest or assembly_digest(assembly)}
    (reports / "scan.json").write_text(json.dumps({"schema": "stackcheck.scan/1", "assembly": scanned}))
    return reports


@pytest.mark.parametrize("required", [True, False])
def test_the_scanned_assembly_deploys(tmp_path, assembly, required):
    reports = record_scan(tmp_path, assembly)
    assert check_scanned(str(assembly), str(reports), required=required, allow_unscanned=False) is None


@pytest.mark.parametrize("required", [True, False])
def test_an_assembly_changed_after_the_scan_is_refused(tmp_path, assembly, required):
    reports = record_scan(tmp_path, assembly)
    scanned = assembly_digest(assembly)
    (assembly / "App.template.json").write_text('{"Resources": {}}')
    with pytest.raises(AssemblyError) as err:
        check_scanned(str(assembly), str(reports), required=required, allow_unscanned=False)
    assert err.value.message == (
        f"cloud assembly {assembly} changed after the last scan: {reports / 'scan.json'} scanned "
        f"{scanned[:19]}…, it is {assembly_digest(assembly)[:19]}… now; what would be deployed was never scanned"
    )
    assert err.value.exit_code == 2


def test_aws_needs_a_scan_the_emulator_does_not(tmp_path, assembly):
    reports = tmp_path / "reports"
    assert check_scanned(str(assembly), str(reports), required=False, allow_unscanned=False) is None
    with pytest.raises(AssemblyError, match=r"cloud assembly .*cdk.out was never scanned \(.*scan.json records no"):
        check_scanned(str(assembly), str(reports), required=True, allow_unscanned=False)


def test_a_scan_of_another_folder_is_refused(tmp_path, assembly):
    other = tmp_path / "other.out"
    other.mkdir()
    (other / "manifest.json").write_text("{}")
    reports = record_scan(tmp_path, other)
    with pytest.raises(AssemblyError, match=r"the last scan \(.*scan.json\) scanned .*other.out, not .*cdk.out"):
        check_scanned(str(assembly), str(reports), required=False, allow_unscanned=False)


def test_allow_unscanned_warns_instead(tmp_path, assembly, capsys):
    reports = record_scan(tmp_path, assembly, digest="sha256:" + "0" * 64)
    check_scanned(str(assembly), str(reports), required=True, allow_unscanned=True)
    err = capsys.readouterr().err
    assert err.startswith(f"stackcheck deploy: warning: cloud assembly {assembly} changed after the last scan")
    assert err.rstrip().endswith("(deploying it anyway: --allow-unscanned)")


def test_a_corrupt_scan_report_is_bad_input_naming_it(tmp_path, assembly):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "scan.json").write_text("{not json")
    with pytest.raises(BadInputError, match=r"scan.json"):
        check_scanned(str(assembly), str(tmp_path / "reports"), required=False, allow_unscanned=False)


def test_deploy_to_aws_of_an_unscanned_assembly_exits_2_before_running_the_cdk_cli(
    tmp_path, assembly, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a project without this repository's Makefile
    code = main(
        [
            "deploy",
            "--target",
            "aws",
            "--assembly",
            str(assembly),
            "--app-dir",
            str(tmp_path),  # no cdk.json: the staleness check does not apply
            "--report-dir",
            str(tmp_path / "reports"),
            "--outputs-dir",
            str(tmp_path / "cfn-outputs"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"cloud assembly {assembly} was never scanned" in err
    assert "stackcheck scan --assembly cdk.out" in err  # the next step, outside this repository's Makefile
    assert not (tmp_path / "cfn-outputs").exists()


def test_an_assembly_among_several_scanned_deploys_and_one_not_among_them_is_refused(tmp_path, assembly):
    other = tmp_path / "other.out"
    other.mkdir()
    reports = tmp_path / "reports"
    reports.mkdir()
    scanned = [
        {"directory": str(tmp_path / "third.out"), "digest": "sha256:" + "0" * 64},
        {"directory": str(assembly), "digest": assembly_digest(assembly)},
    ]
    (reports / "scan.json").write_text(json.dumps({"schema": "stackcheck.scan/1", "assemblies": scanned}))
    assert check_scanned(str(assembly), str(reports), required=True, allow_unscanned=False) is None
    with pytest.raises(AssemblyError, match=r"cloud assembly .*other.out was never scanned"):
        check_scanned(str(other), str(reports), required=True, allow_unscanned=False)
