"""Live-state readers for Amazon SQS: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

QUEUE_POLICY = "AWS::SQS::QueuePolicy"

_SECONDS = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
)
_FIFO_ONLY = ("DeduplicationScope", "FifoThroughputLimit")


def _flag(text: str | None) -> bool | None:
    return None if text is None else text.lower() == "true"


class SqsReaders(Builder):
    """Readers of Amazon SQS resources (mixed into the live template builder)."""

    def sqs_queue(self, resource: LiveResource) -> dict[str, Any]:
        """SQS queue (physical ID: its URL): GetQueueAttributes with ``All``
        (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html), as
        AWS::SQS::Queue's properties: the numbers as integers, the flags as booleans, ``RedrivePolicy`` and
        ``RedriveAllowPolicy`` as the objects their JSON holds. ``FifoQueue`` is false for a standard queue (the API
        gives no such attribute); ``ContentBasedDeduplication``, ``DeduplicationScope`` and ``FifoThroughputLimit`` are
        read for a FIFO queue only. ``KmsMasterKeyId`` (and ``KmsDataKeyReusePeriodSeconds``) are absent, noted, for a
        queue on SSE-SQS or unencrypted; an absent ``RedrivePolicy`` or ``RedriveAllowPolicy`` is noted too, so drift
        calls a declared one that is gone a removal.

        The queue's ``Policy`` attribute becomes an ``AWS::SQS::QueuePolicy`` (``PolicyDocument``, ``Queues``) of the
        live template, as a topic's policy does (``SnsReaders.topic``): under the logical ID of the stack's queue
        policy whose ``Queues`` name this queue, which holds every queue whose policy is the same document; a queue
        whose policy is another document (or that no queue policy names) has its own, ``<queue key>/QueuePolicy``.
        A queue without a policy leaves a declared queue policy naming it gone.
        """
        url = resource.physical_id
        attributes = self.call(resource, "sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])[
            "Attributes"
        ]
        fifo = _flag(attributes.get("FifoQueue")) is True
        props: dict[str, Any] = {"QueueName": url.rstrip("/").rsplit("/", 1)[-1], "FifoQueue": fifo}
        props.update({name: int(attributes[name]) for name in _SECONDS if attributes.get(name) is not None})
        key = attributes.get("KmsMasterKeyId")
        if key:
            props["KmsMasterKeyId"] = key
            if attributes.get("KmsDataKeyReusePeriodSeconds") is not None:
                props["KmsDataKeyReusePeriodSeconds"] = int(attributes["KmsDataKeyReusePeriodSeconds"])
        else:
            self.note(resource, "GetQueueAttributes: no KmsMasterKeyId", "KmsMasterKeyId")
        props["SqsManagedSseEnabled"] = _flag(attributes.get("SqsManagedSseEnabled"))
        if fifo:
            props["ContentBasedDeduplication"] = _flag(attributes.get("ContentBasedDeduplication"))
            props.update({name: attributes[name] for name in _FIFO_ONLY if attributes.get(name)})
        policy = attributes.get("Policy")
        if policy:
            document = json.loads(policy) if isinstance(policy, str) else policy
            self.attached_policy(
                resource, QUEUE_POLICY, "Queues", document, service="sqs", operation="get_queue_attributes"
            )
        for name in ("RedrivePolicy", "RedriveAllowPolicy"):
            text = attributes.get(name)
            if text:
                props[name] = json.loads(text) if isinstance(text, str) else text
            else:
                self.note(resource, f"GetQueueAttributes: no {name}", name)
        return drop_none(props)
