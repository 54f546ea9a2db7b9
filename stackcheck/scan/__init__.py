"""Pre-merge template scans: one adapter per scanner (cfn-lint, checkov) mapping results into Findings.

Importing this package is cheap; the scanners load only when ``load_scanners`` (or an adapter
class) is used, so ``stackcheck --help`` never pays for checkov.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "SCANNER_ERROR_RULE",
    "CfnLintScanner",
    "CheckovScanner",
    "ScanResult",
    "Scanner",
    "StackContext",
    "SummaryRow",
    "contexts_from_assembly",
    "contexts_from_files",
    "load_scanners",
    "scan",
]

_LAZY = {
    "SCANNER_ERROR_RULE": "stackcheck.scan.base",
    "Scanner": "stackcheck.scan.base",
    "StackContext": "stackcheck.scan.base",
    "CfnLintScanner": "stackcheck.scan.cfn_lint",
    "CheckovScanner": "stackcheck.scan.checkov",
    "ScanResult": "stackcheck.scan.runner",
    "SummaryRow": "stackcheck.scan.runner",
    "contexts_from_assembly": "stackcheck.scan.runner",
    "contexts_from_files": "stackcheck.scan.runner",
    "load_scanners": "stackcheck.scan.runner",
    "scan": "stackcheck.scan.runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
