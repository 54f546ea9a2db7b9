"""SQS for the emulator: AWS::SQS::QueuePolicy, which moto has no CloudFormation model for."""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, relies_on

__all__ = ["QueuePolicy"]

relies_on("moto.sqs.models", "sqs_backends")
relies_on("moto.sqs.models", "SQSBackend.set_queue_attributes", params=("queue_name", "attributes"))

QUEUE_POLICY_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queuepolicy.html"
)


@extended_model
class QueuePolicy(ExtensionModel, CloudFormationModel):
    """AWS::SQS::QueuePolicy: sets the ``Policy`` attribute of every queue of ``Queues`` (queue
    URLs) to ``PolicyDocument`` through moto's SQS backend, so GetQueueAttributes answers it.
    Ref is a generated ID, as CloudFormation's.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queuepolicy.html
    """

    CFN_TYPE = "AWS::SQS::QueuePolicy"
    PHYSICAL_ID = "physical_id"

    def __init__(self, physical_id: str, queues: list[str], document: dict[str, Any]):
        self.physical_id = physical_id
        self.queues = queues
        self.document = document

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> QueuePolicy:
        from moto.sqs.models import sqs_backends

        properties = cloudformation_json.get("Properties", {})
        document = properties["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        queues = [str(q) for q in properties.get("Queues") or []]
        backend = sqs_backends[account_id][region_name]
        for url in queues:
            backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": json.dumps(document)})
        return cls(str(uuid.uuid4()), queues, document)
