"""Live-state readers for Amazon SNS: each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

TOPIC_POLICY = "AWS::SNS::TopicPolicy"
_SUBSCRIPTION_JSON = ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy")


class SnsReaders(Builder):
    """Readers of Amazon SNS resources (mixed into the live template builder)."""

    def topic(self, resource: LiveResource) -> dict[str, Any]:
        """SNS topic: GetTopicAttributes
        (https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html); ``KmsMasterKeyId`` is absent when
        the topic is not encrypted.

        The topic's ``Policy`` attribute (every topic has one: SNS gives a topic its default policy) becomes an
        ``AWS::SNS::TopicPolicy`` (``PolicyDocument``, ``Topics``) of the live template. CloudFormation's physical
        ID of a topic policy is an ID of its own that names no topic, and its ``Topics`` are topic ARNs (``Ref``
        of an AWS::SNS::Topic), so the policy is found from the topic: it takes the logical ID of the stack's
        topic policy whose ``Topics`` name this topic, and one topic policy holds each topic whose policy is the
        same document; a topic whose policy is another document (or that no topic policy names) has its own,
        ``<topic key>/TopicPolicy``.
        """
        arn = resource.physical_id
        attributes = self.call(resource, "sns", "get_topic_attributes", TopicArn=arn)["Attributes"]
        policy = attributes.get("Policy")
        if policy:
            document = json.loads(policy) if isinstance(policy, str) else policy
            self.attached_policy(
                resource, TOPIC_POLICY, "Topics", document, service="sns", operation="get_topic_attributes"
            )
        else:
            self.note(resource, "GetTopicAttributes: no Policy")
        return drop_none(
            {
                "TopicName": arn.rsplit(":", 1)[-1],
                "KmsMasterKeyId": attributes.get("KmsMasterKeyId") or None,
            }
        )

    def sns_subscription(self, resource: LiveResource) -> dict[str, Any]:
        """SNS subscription (physical ID: its ARN): GetSubscriptionAttributes
        (https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html), as AWS::SNS::Subscription's
        properties: ``Protocol``, ``Endpoint``, ``TopicArn``, ``RawMessageDelivery`` as a boolean, ``FilterPolicy``,
        ``RedrivePolicy`` and ``DeliveryPolicy`` as the objects their JSON holds, ``FilterPolicyScope`` (SNS gives it
        only beside a filter policy) and ``SubscriptionRoleArn``. An absent filter or redrive policy is noted, so drift
        calls a declared one that is gone a removal.
        """
        attributes = self.call(resource, "sns", "get_subscription_attributes", SubscriptionArn=resource.physical_id)[
            "Attributes"
        ]
        props: dict[str, Any] = {
            name: attributes.get(name) or None
            for name in ("Protocol", "Endpoint", "TopicArn", "FilterPolicyScope", "SubscriptionRoleArn")
        }
        raw = attributes.get("RawMessageDelivery")
        props["RawMessageDelivery"] = None if raw is None else str(raw).lower() == "true"
        for name in _SUBSCRIPTION_JSON:
            text = attributes.get(name)
            if text:
                props[name] = json.loads(text) if isinstance(text, str) else text
            elif name != "DeliveryPolicy":
                self.note(resource, f"GetSubscriptionAttributes: no {name}", name)
        return drop_none(props)
