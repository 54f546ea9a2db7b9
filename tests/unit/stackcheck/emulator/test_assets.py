"""Assets published to the emulator before the stacks, as cdk-assets does: a Lambda from Code.from_asset deploys."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from stackcheck.emulator.assets import PublishedAssets, publish_assets, zip_directory
from stackcheck.emulator.process import emulator_session

APPS = Path(__file__).resolve().parents[3] / "data" / "apps"


def test_a_folder_zips_the_same_way_every_time(tmp_path):
    folder = tmp_path / "code"
    (folder / "lib").mkdir(parents=True)
    (folder / "index.py").write_text("x = 1\n")
    (folder / "lib" / "util.py").write_text("y = 2\n")
    first = zip_directory(folder)
    os.utime(folder / "index.py", (0, 0))  # a different mtime: the same archive
    assert zip_directory(folder) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["index.py", "lib/util.py"]
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("lib/util.py") == b"y = 2\n"


def test_what_was_published_in_one_line():
    assert PublishedAssets().line() is None
    assert PublishedAssets(files=["s3://b/k.zip"]).line() == "published 1 file asset"
    assert PublishedAssets(files=["s3://b/1", "s3://b/2"], images=["repo"]).line() == (
        "published 2 file assets; 1 container image not pushed "
        "(the emulator builds and runs no containers; repositories created: repo)"
    )


@pytest.mark.emulator
@pytest.mark.slow
def test_a_lambda_with_a_file_asset_deploys_with_the_published_code(emulator, emulator_dir, aws, tmp_path):
    from stackcheck.assembly import synthesize
    from stackcheck.emulator.deploy import deploy_assembly

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    assembly = synthesize(APPS / "lambda_asset", tmp_path / "cdk.out").assembly
    (asset,) = [p for p in assembly.directory.iterdir() if p.name.startswith("asset.")]
    result = deploy_assembly(assembly, emulator, outputs_dir=tmp_path / "out", log_file=emulator_dir / "emulator.log")
    (stack,) = result.stacks
    assert (stack.status, stack.created, stack.declared) == ("CREATE_COMPLETE", 2, 2)  # the role and the function
    bucket = f"cdk-hnb659fds-assets-123456789012-{emulator.region}"
    assert sorted(result.assets.files) == sorted(
        [
            f"s3://{bucket}/{asset.name.removeprefix('asset.')}.zip",
            *(f"s3://{bucket}/{k}" for k in _template_keys(assembly)),
        ]
    )
    archive = aws("s3").get_object(Bucket=bucket, Key=f"{asset.name.removeprefix('asset.')}.zip")["Body"].read()
    assert archive == zip_directory(asset)
    outputs = json.loads((tmp_path / "out" / "flat-outputs.json").read_text())
    function = aws("lambda").get_function(FunctionName=outputs["HandlerFunctionName"])
    # the function was created from the published archive: its CodeSha256 is that archive's
    assert function["Configuration"]["CodeSha256"] == base64.b64encode(hashlib.sha256(archive).digest()).decode()


def _template_keys(assembly):
    manifest = json.loads((assembly.directory / "LambdaAssetApp.assets.json").read_text())
    return [
        d["objectKey"]
        for a in manifest["files"].values()
        if a["source"]["packaging"] == "file"
        for d in a["destinations"].values()
    ]


@pytest.mark.emulator
def test_image_assets_get_their_repository_and_are_reported_not_pushed(emulator, aws, tmp_path):
    root = tmp_path / "cdk.out"
    root.mkdir()
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "version": "36.0.0",
                "artifacts": {"App.assets": {"type": "cdk:asset-manifest", "properties": {"file": "App.assets.json"}}},
            }
        )
    )
    (root / "App.assets.json").write_text(
        json.dumps(
            {
                "version": "36.0.0",
                "files": {"gen": {"source": {"executable": ["make", "bundle"]}, "destinations": {}}},
                "dockerImages": {
                    "img": {
                        "source": {"directory": "asset.img"},
                        "destinations": {
                            "d": {
                                "repositoryName": "cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}",
                                "imageTag": "img",
                            }
                        },
                    }
                },
            }
        )
    )
    published = publish_assets(root, emulator_session(emulator), emulator.endpoint_url, emulator.region)
    repository = f"cdk-hnb659fds-container-assets-123456789012-{emulator.region}"
    assert published == PublishedAssets(
        files=[], images=[repository], not_published=["file asset gen is built by a command, which is not run"]
    )
    names = [r["repositoryName"] for r in aws("ecr").describe_repositories()["repositories"]]
    assert names == [repository]
