"""What a cloud assembly is, as one digest: the scan records it, every deploy compares it.

The digest covers every file of the cloud assembly folder (templates, manifest, asset manifests,
nested-stack templates, asset folders, the cdk-nag reports), by relative path and content, except
stackcheck's own synth record (``stackcheck-synth.json``), which says how the folder was made,
not what it holds.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from stackcheck.errors import AssemblyError, NextStep

__all__ = ["DIGEST_EXCLUDED", "assembly_digest"]

DIGEST_EXCLUDED = frozenset({"stackcheck-synth.json"})
"""File names (top level of the assembly folder) the digest leaves out."""


def assembly_digest(directory: str | os.PathLike[str]) -> str:
    """``sha256:<64 hex>`` over every file under ``directory`` (relative POSIX path, NUL, content, NUL), in path order.

    Raises AssemblyError (exit 2) when ``directory`` is not a cloud assembly (no ``manifest.json``).
    """
    root = Path(directory)
    if not (root / "manifest.json").is_file():
        raise AssemblyError(f"cloud assembly {root} does not exist (no manifest.json)", next_step=NextStep.SYNTH)
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not (p.parent == root and p.name in DIGEST_EXCLUDED))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return f"sha256:{digest.hexdigest()}"
