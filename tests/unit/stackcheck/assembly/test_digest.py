"""The cloud assembly digest the scan records and every deploy compares."""

from __future__ import annotations

import json
import re

import pytest

from stackcheck.assembly.digest import assembly_digest
from stackcheck.errors import AssemblyError


def make_assembly(root):
    root.mkdir(parents=True)
    (root / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}')
    (root / "App.template.json").write_text(json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}))
    (root / "asset.abc123").mkdir()
    (root / "asset.abc123" / "index.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "stackcheck-synth.json").write_text('{"key": "one"}')
    return root


def test_digest_is_sha256_and_stable(tmp_path):
    root = make_assembly(tmp_path / "cdk.out")
    digest = assembly_digest(root)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert assembly_digest(root) == digest
    # the same content elsewhere has the same digest: paths are relative to the assembly folder
    assert assembly_digest(make_assembly(tmp_path / "elsewhere" / "cdk.out")) == digest


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("App.template.json", '{"Resources": {}}'),  # a template edited
        ("asset.abc123/index.py", "def handler(event, context):\n    return 2\n"),  # an asset's code
        ("Extra.template.json", "{}"),  # a file added
    ],
)
def test_any_change_of_content_changes_the_digest(tmp_path, path, content):
    root = make_assembly(tmp_path / "cdk.out")
    before = assembly_digest(root)
    (root / path).write_text(content)
    assert assembly_digest(root) != before


def test_a_renamed_file_changes_the_digest(tmp_path):
    root = make_assembly(tmp_path / "cdk.out")
    before = assembly_digest(root)
    (root / "App.template.json").rename(root / "Other.template.json")
    assert assembly_digest(root) != before


def test_stackchecks_own_synth_record_does_not_count(tmp_path):
    root = make_assembly(tmp_path / "cdk.out")
    before = assembly_digest(root)
    (root / "stackcheck-synth.json").write_text('{"key": "two"}')
    assert assembly_digest(root) == before


def test_not_an_assembly_is_exit_2_naming_the_folder(tmp_path):
    with pytest.raises(AssemblyError, match=r"cloud assembly .*nowhere does not exist \(no manifest.json\)") as err:
        assembly_digest(tmp_path / "nowhere")
    assert err.value.exit_code == 2
