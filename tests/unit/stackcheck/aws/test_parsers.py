"""S3 and IAM response parsers, fed the response shapes the S3 and IAM API references document."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from stackcheck.aws import parsers as p
from stackcheck.errors import BadInputError

META = {"ResponseMetadata": {"HTTPStatusCode": 200, "RetryAttempts": 0}}
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


# -- GetBucketEncryption -----------------------------------------------------------------------

ENCRYPTION = [
    (
        "sse-s3",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
            }
        },
        p.DefaultEncryption((p.EncryptionRule("AES256", None, False),)),
        {"AES256"},
        set(),
    ),
    (
        "sse-kms-bucket-key",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                        "BucketKeyEnabled": True,
                    }
                ]
            }
        },
        p.DefaultEncryption((p.EncryptionRule("aws:kms", KEY_ARN, True),)),
        {"aws:kms"},
        {KEY_ARN},
    ),
    (
        "dsse-kms",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]
            }
        },
        p.DefaultEncryption((p.EncryptionRule("aws:kms:dsse", None, False),)),
        {"aws:kms:dsse"},
        set(),
    ),
    (
        "bucket-key-only",
        {"ServerSideEncryptionConfiguration": {"Rules": [{"BucketKeyEnabled": True}]}},
        p.DefaultEncryption((p.EncryptionRule(None, None, True),)),
        set(),
        set(),
    ),
    ("no-rules", {"ServerSideEncryptionConfiguration": {"Rules": []}}, p.DefaultEncryption(()), set(), set()),
    ("metadata-only", dict(META), p.DefaultEncryption(()), set(), set()),
]


@pytest.mark.parametrize(
    ("response", "parsed", "algorithms", "keys"), [c[1:] for c in ENCRYPTION], ids=[c[0] for c in ENCRYPTION]
)
def test_parse_bucket_encryption(response: dict, parsed: p.DefaultEncryption, algorithms: set, keys: set) -> None:
    result = p.parse_bucket_encryption({**META, **response})
    assert result == parsed
    assert result.algorithms == algorithms
    assert result.kms_master_key_ids == keys
    assert result.enabled is bool(algorithms)


def test_bucket_default_encryption_not_found_is_no_encryption(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error(
            "get_bucket_encryption",
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
            404,
            expected_params={"Bucket": "tap-logs"},
        )
        assert p.bucket_default_encryption(s3, "tap-logs") == p.DefaultEncryption(())
        stub.assert_no_pending_responses()


def test_bucket_default_encryption_reads_response(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response(
            "get_bucket_encryption",
            {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                }
            },
            {"Bucket": "tap-logs"},
        )
        assert p.bucket_default_encryption(s3, "tap-logs").algorithms == {"AES256"}


def test_bucket_default_encryption_other_errors_propagate(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_encryption", "NoSuchBucket", "The specified bucket does not exist", 404)
        with pytest.raises(ClientError) as err:
            p.bucket_default_encryption(s3, "tap-logs")
    assert err.value.response["Error"]["Code"] == "NoSuchBucket"


# -- GetBucketLocation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "region"),
    [
        ({"LocationConstraint": None}, "us-east-1"),
        ({"LocationConstraint": ""}, "us-east-1"),
        ({}, "us-east-1"),
        ({"LocationConstraint": "EU"}, "eu-west-1"),
        ({"LocationConstraint": "eu-central-1"}, "eu-central-1"),
        ({"LocationConstraint": "us-gov-west-1"}, "us-gov-west-1"),
    ],
)
def test_parse_bucket_region(response: dict, region: str) -> None:
    assert p.parse_bucket_region({**META, **response}) == region


def test_bucket_region_falls_back_to_get_bucket_location_when_head_bucket_has_none(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("head_bucket", {}, {"Bucket": "tap-logs"})
        stub.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "tap-logs"})
        assert p.bucket_region(s3, "tap-logs") == "eu-west-1"
        stub.assert_no_pending_responses()


def test_bucket_region_reads_head_bucket_first(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("head_bucket", {"BucketRegion": "ap-southeast-2"}, {"Bucket": "tap-logs"})
        assert p.bucket_region(s3, "tap-logs") == "ap-southeast-2"
        stub.assert_no_pending_responses()


def test_bucket_region_from_a_head_bucket_403_header(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error(
            "head_bucket",
            service_error_code="403",
            http_status_code=403,
            response_meta={"HTTPHeaders": {"x-amz-bucket-region": "eu-central-1"}},
            expected_params={"Bucket": "tap-logs"},
        )
        assert p.bucket_region(s3, "tap-logs") == "eu-central-1"


def test_bucket_region_head_bucket_404_propagates(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
        with pytest.raises(ClientError) as err:
            p.bucket_region(s3, "tap-logs")
    assert err.value.response["Error"]["Code"] == "404"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("ServerSideEncryptionConfigurationNotFoundError", p.EncryptionKind.NONE),
        ("AccessDenied", p.EncryptionKind.UNREADABLE),
        ("NoSuchBucket", p.EncryptionKind.UNREADABLE),
    ],
)
def test_bucket_encryption_verdict_turns_errors_into_verdicts(s3: Any, code: str, kind: p.EncryptionKind) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_encryption", service_error_code=code, http_status_code=403)
        verdict = p.bucket_encryption_verdict(s3, "tap-logs")
    assert (verdict.kind, verdict.error_code) == (kind, None if kind is p.EncryptionKind.NONE else code)


def test_bucket_encryption_verdict_reads_the_kms_key(s3: Any) -> None:
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/tap"}}
    with Stubber(s3) as stub:
        stub.add_response(
            "get_bucket_encryption",
            {"ServerSideEncryptionConfiguration": {"Rules": [{**rule, "BucketKeyEnabled": True}]}},
            {"Bucket": "tap-logs"},
        )
        verdict = p.bucket_encryption_verdict(s3, "tap-logs")
    assert verdict == p.EncryptionVerdict(p.EncryptionKind.SSE_KMS, "alias/tap", True, reason="SSE-KMS with alias/tap")


# -- GetPublicAccessBlock ----------------------------------------------------------------------

ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@pytest.mark.parametrize(
    ("config", "expected", "all_on"),
    [
        (ALL_ON, p.PublicAccessBlock(True, True, True, True), True),
        ({**ALL_ON, "RestrictPublicBuckets": False}, p.PublicAccessBlock(True, True, True, False), False),
        ({"BlockPublicAcls": True}, p.PublicAccessBlock(True, False, False, False), False),
        ({}, p.PublicAccessBlock(), False),
    ],
)
def test_parse_public_access_block(config: dict, expected: p.PublicAccessBlock, all_on: bool) -> None:
    result = p.parse_public_access_block({**META, "PublicAccessBlockConfiguration": config})
    assert result == expected
    assert result.all_on is all_on


def test_no_public_access_block_means_all_off(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error(
            "get_public_access_block",
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
            404,
        )
        assert p.bucket_public_access_block(s3, "tap-logs") == p.PublicAccessBlock(False, False, False, False)


def test_public_access_block_reads_response(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": ALL_ON}, {"Bucket": "b-1"})
        assert p.bucket_public_access_block(s3, "b-1").all_on is True


def test_public_access_block_access_denied_propagates(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_public_access_block", "AccessDenied", "Access Denied", 403)
        with pytest.raises(ClientError) as err:
            p.bucket_public_access_block(s3, "b-1")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


# -- GetBucketVersioning -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ({"Status": "Enabled", "MFADelete": "Disabled"}, "Enabled"),
        ({"Status": "Suspended"}, "Suspended"),
        ({}, None),
    ],
)
def test_versioning_status(response: dict, status: str | None) -> None:
    assert p.versioning_status({**META, **response}) == status


# -- bucket policy: deny non-TLS ---------------------------------------------------------------

BUCKET_ARN = "arn:aws:s3:::tap-logs"
CDK_ENFORCE_SSL = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def policy(*statements: dict, single: bool = False) -> dict:
    return {"Version": "2012-10-17", "Statement": statements[0] if single else list(statements)}


def stmt(**changes: Any) -> dict:
    return {k: v for k, v in {**CDK_ENFORCE_SSL, **changes}.items() if v is not None}


ALLOW_READ = {
    "Effect": "Allow",
    "Principal": {"Service": "logging.s3.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*",
}

TLS_CASES = [
    ("cdk-enforce-ssl", policy(ALLOW_READ, CDK_ENFORCE_SSL), True),
    ("single-statement-dict", policy(CDK_ENFORCE_SSL, single=True), True),
    ("bool-value", policy(stmt(Condition={"Bool": {"aws:SecureTransport": False}})), True),
    ("list-value", policy(stmt(Condition={"Bool": {"aws:SecureTransport": ["false"]}})), True),
    ("key-case", policy(stmt(Condition={"Bool": {"AWS:SecureTransport": "FALSE"}})), True),
    ("bool-if-exists", policy(stmt(Condition={"BoolIfExists": {"aws:SecureTransport": "false"}})), True),
    ("action-star", policy(stmt(Action="*")), True),
    ("action-list", policy(stmt(Action=["s3:GetObject", "s3:*"])), True),
    ("principal-star", policy(stmt(Principal="*")), True),
    ("resource-star", policy(stmt(Resource="*")), True),
    ("allow-not-deny", policy(stmt(Effect="Allow")), False),
    ("secure-true", policy(stmt(Condition={"Bool": {"aws:SecureTransport": "true"}})), False),
    ("string-equals-not-bool", policy(stmt(Condition={"StringEquals": {"aws:SecureTransport": "false"}})), False),
    ("no-condition", policy(stmt(Condition=None)), False),
    ("only-get-object", policy(stmt(Action="s3:GetObject")), False),
    ("one-principal", policy(stmt(Principal={"AWS": "arn:aws:iam::123456789012:root"})), False),
    ("allow-only", policy(ALLOW_READ), False),
    ("no-statement", {"Version": "2012-10-17"}, False),
]


@pytest.mark.parametrize(("document", "denies"), [c[1:] for c in TLS_CASES], ids=[c[0] for c in TLS_CASES])
def test_denies_insecure_transport(document: dict, denies: bool) -> None:
    assert p.denies_insecure_transport(document) is denies


def test_denies_insecure_transport_accepts_response_and_json_string() -> None:
    text = json.dumps(policy(CDK_ENFORCE_SSL))
    assert p.denies_insecure_transport({**META, "Policy": text}) is True
    assert p.denies_insecure_transport(text) is True


@pytest.mark.parametrize(
    ("resource", "covers"),
    [
        ([BUCKET_ARN, f"{BUCKET_ARN}/*"], True),
        ("*", True),
        ([f"{BUCKET_ARN}/*"], False),
        (["arn:aws:s3:::other", "arn:aws:s3:::other/*"], False),
        (["arn:aws-cn:s3:::tap-logs", "arn:aws-cn:s3:::tap-logs/*"], True),
    ],
)
def test_denies_insecure_transport_for_bucket_checks_resources(resource: Any, covers: bool) -> None:
    assert p.denies_insecure_transport(policy(stmt(Resource=resource)), bucket="tap-logs") is covers


def test_bad_policy_document_raises() -> None:
    with pytest.raises(BadInputError, match="bucket policy is not valid JSON"):
        p.denies_insecure_transport("{not json")
    with pytest.raises(BadInputError, match="bucket policy must be a JSON object, got list"):
        p.denies_insecure_transport([])


def test_bucket_policy_absent_is_none(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "The bucket policy does not exist", 404)
        assert p.bucket_policy(s3, "tap-logs") is None


def test_bucket_policy_parses_document(s3: Any) -> None:
    with Stubber(s3) as stub:
        stub.add_response("get_bucket_policy", {"Policy": json.dumps(policy(CDK_ENFORCE_SSL))}, {"Bucket": "tap-logs"})
        document = p.bucket_policy(s3, "tap-logs")
    assert document == policy(CDK_ENFORCE_SSL)
    assert p.denies_insecure_transport(document, bucket="tap-logs") is True


IAM_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tap-logs/100%/*"}],
}


@pytest.mark.parametrize(
    "answer",
    [
        # what the IAM API sends (RFC 3986 URL-encoded JSON): the "%" in the ARN arrives as "%25"
        quote(json.dumps(IAM_DOCUMENT)),
        quote(json.dumps(IAM_DOCUMENT)).encode(),
        IAM_DOCUMENT,  # what boto3 hands over after decoding it
    ],
    ids=["url-encoded", "url-encoded-bytes", "decoded"],
)
def test_iam_policy_document_decodes_the_iam_api_answer(answer: Any) -> None:
    assert p.iam_policy_document(answer) == IAM_DOCUMENT


def test_iam_policy_document_names_what_is_not_a_json_object() -> None:
    with pytest.raises(BadInputError, match=r"^inline policy admin of role app is not URL-encoded JSON: Expecting"):
        p.iam_policy_document("%7Bnot json", "inline policy admin of role app")
    with pytest.raises(BadInputError, match=r"^IAM policy document must be a JSON object, got list$"):
        p.iam_policy_document(quote("[]"))
