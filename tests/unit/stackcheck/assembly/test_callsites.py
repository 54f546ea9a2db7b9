"""stackcheck.assembly.callsites: the app line that created each construct, recorded at in-process synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackcheck.assembly import synthesize
from stackcheck.assembly.callsites import CALL_SITES_FILE, CallSite, CallSites, load_call_sites

APP = """\
import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from tinyapp.parts import Alerts

app = cdk.App()
stack = cdk.Stack(app, "First")
sns.Topic(stack, "Topic")
Alerts(stack, "Alerts")
app.synth()
"""
PARTS = """\
from aws_cdk import aws_sns as sns
from constructs import Construct


class Alerts(Construct):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Topic",
        )
"""


def write_app(root: Path) -> Path:
    (root / "tinyapp").mkdir(parents=True)
    (root / "tinyapp" / "__init__.py").write_text("")
    (root / "tinyapp" / "main.py").write_text(APP)
    (root / "tinyapp" / "parts.py").write_text(PARTS)
    (root / "cdk.json").write_text(
        json.dumps(
            {
                "app": "python -m tinyapp.main",
                "watch": {"include": ["tinyapp/**/*.py"]},
                "context": {"aws:cdk:version-reporting": False, "stackcheck:cdk-nag": False},
            }
        )
    )
    return root


def test_synthesis_records_the_app_line_of_each_construct_a_subclass_at_its_callers_line(tmp_path):
    synthesize(write_app(tmp_path / "app"), tmp_path / "out")
    record = json.loads((tmp_path / "out" / CALL_SITES_FILE).read_text())
    assert record == {
        "format": 1,
        "root": "../app",
        "sites": {
            "": ["tinyapp/main.py", 5],
            "First": ["tinyapp/main.py", 6],
            "First/Topic": ["tinyapp/main.py", 7],
            "First/Alerts": ["tinyapp/main.py", 8],  # not parts.py's super().__init__ line
            "First/Alerts/Topic": ["tinyapp/parts.py", 8],  # the line the call starts on
        },
    }
    sites = load_call_sites(tmp_path / "out")
    parts = (tmp_path / "app" / "tinyapp" / "parts.py").resolve()
    assert sites.locate("/First/Alerts/Topic/Resource") == CallSite(parts, 8)
    assert sites.locate("/First/CDKMetadata/Default") == CallSite((tmp_path / "app/tinyapp/main.py").resolve(), 6)


def test_an_assembly_without_call_sites_is_synthesized_again(tmp_path):
    write_app(tmp_path)
    synthesize(tmp_path)
    (tmp_path / "cdk.out" / CALL_SITES_FILE).unlink()
    again = synthesize(tmp_path)
    assert again.cached is False
    assert (tmp_path / "cdk.out" / CALL_SITES_FILE).is_file()
    assert synthesize(tmp_path).cached is True


def test_locate_takes_the_nearest_recorded_ancestor():
    a, b = CallSite(Path("/r/a.py"), 3), CallSite(Path("/r/b.py"), 9)
    sites = CallSites({"S": a, "S/Bucket": b})
    assert [sites.locate(p) for p in ("/S/Bucket/Resource", "S/Bucket", "/S/Other/Resource", "/T/X", None, "")] == [
        b,
        b,
        a,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    "content",
    [
        None,
        "{not json",
        json.dumps([]),
        json.dumps({"format": 2, "root": "..", "sites": {}}),
        json.dumps({"format": 1, "root": "..", "sites": []}),
    ],
)
def test_a_missing_or_unreadable_record_gives_no_call_site(tmp_path, content):
    if content is not None:
        (tmp_path / CALL_SITES_FILE).write_text(content)
    assert load_call_sites(tmp_path) == CallSites()


def test_malformed_entries_are_left_out_and_files_resolve_against_the_root(tmp_path):
    (tmp_path / "cdk.out").mkdir()
    sites = {"S/A": ["infra/a.py", 4], "S/B": ["infra/b.py", 0], "S/C": ["infra/c.py"], "S/D": [1, 2]}
    (tmp_path / "cdk.out" / CALL_SITES_FILE).write_text(json.dumps({"format": 1, "root": "..", "sites": sites}))
    assert load_call_sites(tmp_path / "cdk.out") == CallSites(
        {"S/A": CallSite((tmp_path / "infra" / "a.py").resolve(), 4)}
    )
