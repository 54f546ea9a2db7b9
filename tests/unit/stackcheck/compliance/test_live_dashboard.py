"""The CloudWatch dashboard reader on the emulator: a dashboard's name and body, exactly; a body edited out of band is drift."""

from __future__ import annotations

import json

import pytest

from stackcheck.drift.live import LiveDrift
from tests.unit.stackcheck.compliance.test_live_readers import properties, read

pytestmark = pytest.mark.emulator

BODY = {
    "widgets": [{"type": "metric", "width": 12, "height": 6, "properties": {"view": "timeSeries", "title": "Errors"}}]
}
TEMPLATE = {
    "Resources": {
        "Board": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": "fixture-board",
                # as CDK writes it: the JSON text joined from parts
                "DashboardBody": {
                    "Fn::Join": [
                        "",
                        [
                            '{"widgets":[{"type":"metric","width":12,"height":6,',
                            '"properties":{"view":"timeSeries","title":"Errors"}}]}',
                        ],
                    ]
                },
            },
        }
    }
}


def test_a_dashboard_reads_its_body_and_an_edited_body_is_drift(deploy):
    live = deploy("dashboard", template=TEMPLATE)
    template = read(live, "AWS::CloudWatch::Dashboard")
    board = properties(template, "Board")
    assert (board["DashboardName"], json.loads(board["DashboardBody"])) == ("fixture-board", BODY)
    assert template.resources["Board"].operations == ["cloudwatch:GetDashboard"]
    stacks = live.assembly.dependency_order()
    (clean,) = LiveDrift(live.factory()).detect(stacks, stacks)
    assert [(r.logical_id, r.status.value) for r in clean.resources] == [("Board", "IN_SYNC")]
    edited = {"widgets": [{**BODY["widgets"][0], "properties": {"view": "timeSeries", "title": "Latency"}}]}
    live.aws("cloudwatch").put_dashboard(DashboardName="fixture-board", DashboardBody=json.dumps(edited))
    (after,) = LiveDrift(live.factory()).detect(stacks, stacks)
    (board_after,) = after.resources
    assert (
        board_after.status.value,
        sorted((d.property_path, d.difference_type) for d in board_after.differences),
    ) == (
        "MODIFIED",
        [("/DashboardBody/widgets/0", "ADD"), ("/DashboardBody/widgets/0", "REMOVE")],  # a list item: as a whole
    )


def test_a_deleted_dashboard_is_gone(deploy):
    live = deploy("dashboard", template=TEMPLATE)
    live.aws("cloudwatch").delete_dashboards(DashboardNames=["fixture-board"])
    assert read(live, "AWS::CloudWatch::Dashboard").resources["Board"].gone is True
