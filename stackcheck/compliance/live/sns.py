"""Live-state readers for Amazon SNS: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


class SnsReaders(Builder):
    """Readers of Amazon SNS resources (mixed into the live template builder)."""

    def topic(self, resource: LiveResource) -> dict[str, Any]:
        """SNS topic: GetTopicAttributes (``KmsMasterKeyId`` is absent when the topic is not encrypted)."""
        attributes = self.call(resource, "sns", "get_topic_attributes", TopicArn=resource.physical_id)["Attributes"]
        return drop_none(
            {
                "TopicName": resource.physical_id.rsplit(":", 1)[-1],
                "KmsMasterKeyId": attributes.get("KmsMasterKeyId") or None,
            }
        )
