"""Live compliance: the policy pack's rules and checkov's checks with a live form, re-run on live state under the same ids."""

from stackcheck.compliance.deployed import DeployedResource, DeployedStack, deployed_stacks
from stackcheck.compliance.evaluate import (
    GONE_RULE,
    LIVE_TOOL,
    READ_ERROR_RULE,
    ComplianceResult,
    LiveForm,
    LiveTarget,
    check_compliance,
    live_forms,
)
from stackcheck.compliance.library import LIBRARY_CHECKS, LibraryCheck, library_forms
from stackcheck.compliance.live import READ_TYPES, LiveReader, LiveResource, LiveTemplate
from stackcheck.compliance.report import write_compliance_reports, write_error_reports

__all__ = [
    "GONE_RULE",
    "LIBRARY_CHECKS",
    "LIVE_TOOL",
    "READ_ERROR_RULE",
    "READ_TYPES",
    "ComplianceResult",
    "DeployedResource",
    "DeployedStack",
    "LibraryCheck",
    "LiveForm",
    "LiveReader",
    "LiveResource",
    "LiveTarget",
    "LiveTemplate",
    "check_compliance",
    "deployed_stacks",
    "library_forms",
    "live_forms",
    "write_compliance_reports",
    "write_error_reports",
]
