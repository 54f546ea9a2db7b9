"""The policy pack on the real app: it scans clean, and each injected mistake is caught under the right rule id."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from stackcheck.assembly import synthesize
from stackcheck.findings import Status
from stackcheck.scan.custom import pack_rules
from stackcheck.scan.runner import contexts_from_assembly, scan
from stackcheck.suppressions import load_ledger

from .conftest import POLICIES, REPO

pytestmark = pytest.mark.slow

PACK_IDS = {rule.id for rule in pack_rules(POLICIES)}
LEDGER = REPO / "policies" / "suppressions.yaml"

# name -> (edits to the copy of the app: (file, text, replacement)), the exact unsuppressed failures of
# cfn-lint, checkov and the pack as (rule id, construct path))
# Pack findings on the app that the ledger covers (the logs buckets hold ALB access logs, which need SSE-S3).
LEDGERED = {("CKV_TAP_8", f"/TapStackdev{env}/Logs/Bucket/Resource") for env in ("Source", "Target")}

INJECTIONS = {
    "container_port_8080_target_group_80": (
        [
            (
                "infra/constructs/service.py",
                "port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT,",
                "port_mappings=[ecs.PortMapping(container_port=8080,",
            )
        ],
        {
            ("E9001", f"/TapStackdev{env}/Web/LoadBalancer/HttpListener/ServiceGroup/Resource")
            for env in ("Source", "Target")
        },
    ),
    "dms_role_trusts_only_the_global_principal": (
        [
            (
                "infra/stacks/dms_prereq.py",
                "assumed_by=dms_principal(self),",
                'assumed_by=iam.ServicePrincipal("dms.amazonaws.com", '
                'conditions={"StringEquals": {"aws:SourceAccount": self.account}}),',
            )
        ],
        {
            ("CKV_TAP_1", "/TapStackdevDmsPrereq/DmsVpcRole/Resource"),
            ("CKV_TAP_1", "/TapStackdevDmsPrereq/DmsCloudwatchLogsRole/Resource"),
        },
    ),
    "literal_db_password": (
        [
            (
                "infra/constructs/database.py",
                "        self.secret = self.instance.secret\n",
                "        self.secret = self.instance.secret\n"
                '        self.instance.node.default_child.add_property_override("MasterUserPassword", "hunter2hunter2")\n',
            )
        ],
        # cfn-lint's own W2501 (password properties) agrees
        {
            (rule, f"/TapStackdev{env}/Database/Instance/Resource")
            for env in ("Source", "Target")
            for rule in ("E9002", "W2501")
        },
    ),
    "bucket_without_tls_policy": (
        [("infra/constructs/storage.py", "enforce_ssl=True,", "enforce_ssl=False,")],
        {("E9003", f"/TapStackdev{env}/Logs/Bucket/Resource") for env in ("Source", "Target")},
    ),
    "import_without_export": (
        [
            (
                "infra/stacks/route53.py",
                'source_endpoint_arn=source.imported("DmsEndpointArn"),',
                'source_endpoint_arn=Fn.import_value(f"{source.stack_name}:DmsEndpointArnV2"),',
            ),
            (
                "infra/stacks/route53.py",
                "from aws_cdk import CfnOutput, Stack",
                "from aws_cdk import CfnOutput, Fn, Stack",
            ),
        ],
        {("E9101", "/TapStackdevRoute53/ReplicationTask")},
    ),
}


@pytest.fixture(scope="module")
def scanners():
    """cfn-lint, checkov and the pack (cdk-nag, which only reads what synthesis wrote, is left to its own tests)."""
    from stackcheck.scan.runner import load_scanners

    return load_scanners(policies=POLICIES)


@pytest.fixture(scope="module")
def ledger():
    """The repository ledger, checked against every rule id `stackcheck scan` knows (cdk-nag's included)."""
    from stackcheck.scan.runner import load_scanners

    return load_ledger(
        LEDGER, frozenset().union(*(s.rule_ids() for s in load_scanners(cdk_nag=True, policies=POLICIES)))
    )


@pytest.fixture(scope="module")
def app_scan(scanners, ledger):
    """The app's cloud assembly (cdk.out, cached synthesis) scanned with the pack and the repository ledger."""
    assembly = synthesize(REPO).assembly
    return assembly.directory, scan(contexts_from_assembly(assembly.directory), scanners, ledger)


def test_stackcheck_scan_exits_0_on_the_app_and_every_pack_rule_passes(app_scan, tmp_path, capsys):
    import json

    from stackcheck.cli import main

    directory, _ = app_scan
    code = main(["scan", "--assembly", str(directory), "--ledger", str(LEDGER), "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    findings = [f for f in json.loads((tmp_path / "scan.json").read_text())["findings"] if f["rule_id"] in PACK_IDS]
    assert {f["rule_id"] for f in findings} == PACK_IDS
    assert {(f["rule_id"], f["construct_path"]) for f in findings if f["status"] != "PASSED"} == LEDGERED
    assert {f["status"] for f in findings} == {"PASSED", "SUPPRESSED"}


def test_app_scans_clean_with_cfn_lint_checkov_and_the_pack(app_scan):
    _, result = app_scan
    pack = [f for f in result.findings if f.rule_id in PACK_IDS]
    assert {(f.rule_id, f.construct_path, f.status) for f in pack if f.status is not Status.PASSED} == {
        (rule, path, Status.SUPPRESSED) for rule, path in LEDGERED
    }
    assert {f.rule_id for f in pack} == PACK_IDS
    assert result.failures() == []


@pytest.fixture(scope="module", params=sorted(INJECTIONS))
def injected(request, tmp_path_factory, scanners, ledger):
    """(name, ScanResult) of a copy of the app with one mistake, synthesized once per mistake."""
    edits, _ = INJECTIONS[request.param]
    root = tmp_path_factory.mktemp(request.param)
    shutil.copytree(REPO / "infra", root / "infra", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "cdk.json", root / "cdk.json")
    for relative, text, replacement in edits:
        path = root / relative
        source = path.read_text()
        assert source.count(text) == 1, f"{relative} no longer holds {text!r}: update the injection"
        path.write_text(source.replace(text, replacement))
    # Synthesis imports the copy's `infra` package; put the repository's modules back afterwards.
    saved = {name: module for name, module in sys.modules.items() if name == "infra" or name.startswith("infra.")}
    try:
        assembly = synthesize(root).assembly
    finally:
        for name in [n for n in sys.modules if n == "infra" or n.startswith("infra.")]:
            del sys.modules[name]
        sys.modules.update(saved)
    return request.param, scan(contexts_from_assembly(assembly.directory), scanners, ledger)


def test_injected_mistake_fails_exactly_its_rule(injected):
    name, result = injected
    _, expected = INJECTIONS[name]
    assert {(f.rule_id, f.construct_path) for f in result.failures()} == expected
    assert all(f.status is Status.FAILED for f in result.failures())


def test_each_injection_is_caught_by_its_own_pack_rule():
    """One pack rule per injection, a different one each time, so a broken rule cannot hide behind another."""
    ids = [{rule for rule, _ in expected if rule in PACK_IDS} for _, expected in INJECTIONS.values()]
    assert all(len(s) == 1 for s in ids) and len(set().union(*ids)) == len(INJECTIONS)


def test_copies_leave_the_repository_app_importable():
    import infra.constructs.service as service

    assert Path(service.__file__).resolve().is_relative_to(REPO / "infra")
