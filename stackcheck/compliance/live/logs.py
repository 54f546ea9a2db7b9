"""Live-state readers for CloudWatch Logs: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none


class LogsReaders(Builder):
    """Readers of CloudWatch Logs resources (mixed into the live template builder)."""

    def log_group(self, resource: LiveResource) -> dict[str, Any]:
        """CloudWatch Logs log group: DescribeLogGroups by name prefix, the exact name picked
        (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html):
        ``KmsKeyId`` (``kmsKeyId``) and ``RetentionInDays`` (``retentionInDays``), each absent (and noted as
        read) when the group has none: not encrypted with a customer key, events never expire."""
        name = resource.physical_id
        group = self._log_group(resource, name)
        if group.get("kmsKeyId") is None:
            self.note(resource, "DescribeLogGroups: no kmsKeyId", "KmsKeyId")
        if group.get("retentionInDays") is None:
            self.note(resource, "DescribeLogGroups: no retentionInDays (events never expire)", "RetentionInDays")
        return drop_none(
            {"LogGroupName": name, "KmsKeyId": group.get("kmsKeyId"), "RetentionInDays": group.get("retentionInDays")}
        )

    def log_retention(self, resource: LiveResource) -> dict[str, Any]:
        """CDK's ``Custom::LogRetention`` (the custom resource of ``LogRetention`` and of a function's
        ``log_retention``; its provider gives the log group's name as the physical ID): DescribeLogGroups, as its
        properties ``LogGroupName`` and ``RetentionInDays`` (absent, noted as read, when events never expire).
        Its ``ServiceToken`` (the provider function) is not read."""
        name = resource.physical_id
        group = self._log_group(resource, name)
        if group.get("retentionInDays") is None:
            self.note(resource, "DescribeLogGroups: no retentionInDays (events never expire)", "RetentionInDays")
        return drop_none({"LogGroupName": name, "RetentionInDays": group.get("retentionInDays")})

    def _log_group(self, resource: LiveResource, name: str) -> dict[str, Any]:
        """DescribeLogGroups by name prefix, the group of exactly ``name``
        (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html); Gone
        when none is listed."""
        pages = self.call(resource, "logs", "paginate:describe_log_groups", logGroupNamePrefix=name)
        found = [g for page in pages for g in page.get("logGroups", []) if g.get("logGroupName") == name]
        if not found:
            raise Gone(f"ResourceNotFoundException: DescribeLogGroups lists no log group {name}")
        return dict(found[0])
