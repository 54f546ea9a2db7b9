"""CDK for the emulator: AWS::CDK::Metadata, the version-reporting resource the CDK adds to every stack by default."""

from __future__ import annotations

import uuid
from typing import Any

from moto.core.common_models import CloudFormationModel

from stackcheck.emulator.cfn._registry import ExtensionModel, extended_model

__all__ = ["CdkMetadata"]

METADATA_DOC = "https://docs.aws.amazon.com/cdk/v2/guide/cli.html#version-reporting"


@extended_model
class CdkMetadata(ExtensionModel, CloudFormationModel):
    """AWS::CDK::Metadata: CloudFormation records it and creates nothing else; so does this
    model, so a stack synthesized with version reporting on deploys whole.

    Follows https://docs.aws.amazon.com/cdk/v2/guide/cli.html#version-reporting
    """

    CFN_TYPE = "AWS::CDK::Metadata"
    PHYSICAL_ID = "physical_id"

    def __init__(self, physical_id: str):
        self.physical_id = physical_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CdkMetadata:
        return cls(str(uuid.uuid4()))
