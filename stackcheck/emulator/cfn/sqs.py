"""SQS for the emulator: AWS::SQS::QueuePolicy, which moto has no CloudFormation model for, and one encryption
at a time on a queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model, patch, relies_on

__all__ = ["QueuePolicy", "one_encryption", "one_encryption_at_create"]

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


SSE_DOC = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html"


@patch(
    "moto.sqs.models",
    "Queue.__init__",
    kind="method",
    resource_type="AWS::SQS::Queue",
    adds=("a KmsMasterKeyId turns SqsManagedSseEnabled off",),
    doc_url=SSE_DOC,
    params=("name", "region", "account_id"),
)
def one_encryption_at_create(
    original: Callable[..., Any], queue: Any, name: str, region: str, account_id: str, **kwargs: Any
) -> None:
    """CreateQueue (and ``AWS::SQS::Queue``) with a ``KmsMasterKeyId`` and no ``SqsManagedSseEnabled`` makes an
    SSE-KMS queue only: GetQueueAttributes answers ``SqsManagedSseEnabled`` false, as SQS does (moto kept its
    default true beside the key). See ``one_encryption`` for SetQueueAttributes.

    Follows https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
    and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
    """
    original(name, region, account_id, **kwargs)
    if kwargs.get("KmsMasterKeyId") and "SqsManagedSseEnabled" not in kwargs:
        queue.sqs_managed_sse_enabled = False


@patch(
    "moto.sqs.models",
    "Queue._set_attributes",
    kind="method",
    resource_type="AWS::SQS::Queue",
    adds=("a KmsMasterKeyId turns SqsManagedSseEnabled off",),
    doc_url=SSE_DOC,
    params=("attributes",),
)
def one_encryption(
    original: Callable[..., Any], queue: Any, attributes: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    """A queue has one server-side encryption at a time: a ``KmsMasterKeyId`` given to SetQueueAttributes
    without ``SqsManagedSseEnabled`` turns SSE-SQS off, so
    GetQueueAttributes answers ``SqsManagedSseEnabled`` false for an SSE-KMS queue, as SQS does; moto kept its
    default true beside the key.

    Follows https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
    and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
    """
    result = original(attributes, *args, **kwargs)
    if attributes.get("KmsMasterKeyId") and "SqsManagedSseEnabled" not in attributes:
        queue.sqs_managed_sse_enabled = False
    return result
