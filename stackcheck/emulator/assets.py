"""Publishing a cloud assembly's assets to the emulator, as ``cdk-assets`` does before a deploy.

Each ``cdk:asset-manifest`` artifact of the assembly (``<stack>.assets.json``, schema:
https://github.com/aws/aws-cdk/tree/main/packages/cloud-assembly-schema) lists file assets
(``source.path`` relative to the assembly, ``packaging`` ``file`` or ``zip``; each destination a
``bucketName`` and ``objectKey`` with ``${AWS::AccountId}``, ``${AWS::Region}`` and
``${AWS::Partition}`` placeholders) and container image assets (each destination a
``repositoryName`` and ``imageTag``). Files are uploaded as they are, or as a zip of the folder with
entries in path order and a fixed timestamp (as cdk-assets zips them, so the same folder always
gives the same archive); the bootstrap bucket is created if the emulator lacks it. Images cannot
be built here (no container runtime): their ECR repository is created and the image is reported
as not pushed. A ``source.executable`` asset (built by a command) is reported and not run.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackcheck.errors import AssemblyError, NextStep

__all__ = ["PublishedAssets", "asset_forecast", "asset_manifests", "publish_assets", "zip_directory"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class PublishedAssets:
    """What was published: file assets uploaded (``s3://bucket/key``), images whose repository was
    created but whose image was not pushed, and assets left alone (with why)."""

    files: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    not_published: list[str] = field(default_factory=list)

    def line(self, verb: str = "published") -> str | None:
        """``published 3 file assets; 1 container image not pushed (...)``, or None when there was
        nothing; ``verb`` replaces "published" (``asset_forecast`` results say "to publish")."""
        if not (self.files or self.images or self.not_published):
            return None
        parts = [f"{verb} {len(self.files)} file asset{'s' if len(self.files) != 1 else ''}"]
        if self.images:
            parts.append(
                f"{len(self.images)} container image{'s' if len(self.images) != 1 else ''} not pushed "
                f"(the emulator builds and runs no containers; repositories created: {', '.join(self.images)})"
            )
        parts += self.not_published
        return "; ".join(parts)


def asset_manifests(directory: str | Path) -> list[Path]:
    """The asset manifest files the assembly's ``manifest.json`` names, in manifest order.

    Raises AssemblyError naming the file when ``manifest.json`` or an asset manifest cannot be read.
    """
    root = Path(directory)
    manifest = _read(root / "manifest.json")
    found = []
    for artifact in (manifest.get("artifacts") or {}).values():
        if isinstance(artifact, dict) and artifact.get("type") == "cdk:asset-manifest":
            name = (artifact.get("properties") or {}).get("file")
            if isinstance(name, str):
                found.append(root / name)
    return found


def asset_forecast(directory: str | Path) -> PublishedAssets:
    """What ``publish_assets`` would do for the assembly at ``directory``, without an emulator:
    file assets as ``<asset id> -> <destination bucketName>/<objectKey>`` (placeholders left in), image
    assets by repository name, and those it would leave alone (with why).

    Raises AssemblyError naming the file when a manifest cannot be read.
    """
    forecast = PublishedAssets()
    for manifest_path in asset_manifests(directory):
        manifest = _read(manifest_path)
        for asset_id, asset in (manifest.get("files") or {}).items():
            if (asset.get("source") or {}).get("executable"):
                forecast.not_published.append(f"file asset {asset_id} is built by a command, which is not run")
                continue
            for destination in (asset.get("destinations") or {}).values():
                forecast.files.append(f"s3://{destination.get('bucketName')}/{destination.get('objectKey')}")
        for asset in (manifest.get("dockerImages") or {}).values():
            for destination in (asset.get("destinations") or {}).values():
                if destination.get("repositoryName") not in forecast.images:
                    forecast.images.append(str(destination.get("repositoryName")))
    return forecast


def zip_directory(folder: Path) -> bytes:
    """The folder's files as a zip archive: paths relative to ``folder``, in path order, fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=_ZIP_TIME)
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def publish_assets(directory: str | Path, session: Any, endpoint_url: str, region: str) -> PublishedAssets:
    """Upload every file asset of the assembly at ``directory`` to the emulator and create every image
    asset's repository (see the module docstring); returns what was published.

    ``session`` is a boto3 Session for the emulator. Raises AssemblyError naming the manifest and
    the asset when an asset's source is missing.
    """
    root = Path(directory)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    account = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    published = PublishedAssets()
    buckets: set[str] = set()
    for manifest_path in asset_manifests(root):
        manifest = _read(manifest_path)
        for asset_id, asset in (manifest.get("files") or {}).items():
            source = asset.get("source") or {}
            if source.get("executable"):
                published.not_published.append(f"file asset {asset_id} is built by a command, which is not run")
                continue
            path = root / str(source.get("path", ""))
            if not path.exists():
                raise AssemblyError(
                    f"asset {asset_id} of {manifest_path}: its source {path} does not exist",
                    next_step=NextStep.RESYNTH,
                )
            body = zip_directory(path) if path.is_dir() else path.read_bytes()
            for destination in (asset.get("destinations") or {}).values():
                where = destination.get("region") or region
                bucket = _substitute(destination["bucketName"], account, where)
                key = _substitute(destination["objectKey"], account, where)
                if bucket not in buckets:
                    _ensure_bucket(s3, bucket, where)
                    buckets.add(bucket)
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                published.files.append(f"s3://{bucket}/{key}")
        for asset in (manifest.get("dockerImages") or {}).values():
            for destination in (asset.get("destinations") or {}).values():
                where = destination.get("region") or region
                repository = _substitute(destination["repositoryName"], account, where)
                ecr = session.client("ecr", endpoint_url=endpoint_url, region_name=where)
                with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
                    ecr.create_repository(repositoryName=repository)
                if repository not in published.images:
                    published.images.append(repository)
    return published


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AssemblyError(
            f"{path} cannot be read ({type(exc).__name__}: {exc})", next_step=NextStep.RESYNTH
        ) from None
    if not isinstance(data, dict):
        raise AssemblyError(f"{path} is not a JSON object", next_step=NextStep.RESYNTH)
    return data


def _substitute(text: str, account: str, region: str) -> str:
    return (
        text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region).replace("${AWS::Partition}", "aws")
    )


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError:
        pass
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
