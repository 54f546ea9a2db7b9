"""CKV_TAP_10: AWS DMS replication tasks send their logs to CloudWatch Logs (Logging.EnableLogging true)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from checkov.common.models.enums import CheckCategories
from stackcheck.scan import custom
from stackcheck.scan.policy import Outcome, TemplateView, Unresolved, Verdict


def evaluate(logical_id: str, resource_type: str, properties: Mapping[str, Any], view: TemplateView) -> Verdict:
    """Verdict on one ``AWS::DMS::ReplicationTask``: its ``ReplicationTaskSettings`` JSON string (or object).

    PASSED when ``Logging.EnableLogging`` is true; FAILED when the settings are absent, not JSON, or
    leave logging off (DMS's default); UNKNOWN when the settings are decided at deploy time.
    https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.Logging.html
    """
    where = f"DMS replication task `{logical_id}`"
    path = ("Properties", "ReplicationTaskSettings")
    fix = 'set ReplicationTaskSettings {"Logging": {"EnableLogging": true}}'
    settings = view.value(properties.get("ReplicationTaskSettings"))
    if settings is None:
        return Verdict(Outcome.FAILED, f"{where}: no ReplicationTaskSettings, so task logging is off; {fix}", path=path)
    if isinstance(settings, str):
        try:
            settings = json.loads(settings)
        except ValueError:
            return Verdict(Outcome.FAILED, f"{where}: ReplicationTaskSettings is not JSON; {fix}", path=path)
    if isinstance(settings, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: ReplicationTaskSettings is decided at deploy time", path=path)
    logging = settings.get("Logging") if isinstance(settings, Mapping) else None
    enabled = logging.get("EnableLogging") if isinstance(logging, Mapping) else None
    if isinstance(enabled, Unresolved):
        return Verdict(Outcome.UNKNOWN, f"{where}: Logging.EnableLogging is decided at deploy time", path=path)
    if enabled is True:
        return Verdict(Outcome.PASSED, f"{where}: Logging.EnableLogging is true", path=path)
    return Verdict(
        Outcome.FAILED,
        f"{where}: Logging.EnableLogging is {json.dumps(enabled)}, so task logging is off; {fix}",
        path=path,
    )


class DmsTaskLogging(custom.ResourceCheck):
    """checkov check CKV_TAP_10; logic in ``evaluate``."""

    id = "CKV_TAP_10"
    outcome = "Ensure AWS DMS replication tasks turn on task logging (Logging.EnableLogging true)"
    description = (
        "Without task logging, a replication task that stops, skips tables or fails validation during the "
        "payment database migration leaves no record in CloudWatch Logs of what it did to cardholder data, "
        "and nobody can reconstruct which rows were moved or missed."
    )
    source_url = (
        "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TaskSettings.Logging.html"
    )
    resource_types = ("AWS::DMS::ReplicationTask",)
    live_resource_types = ("AWS::DMS::ReplicationTask",)
    categories = (CheckCategories.LOGGING,)
    evaluate = staticmethod(evaluate)


check = DmsTaskLogging()
