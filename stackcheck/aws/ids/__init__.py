"""Identifier families, one module each (S3, Secrets Manager, KMS, Route 53, ECS, IAM, RDS, DNS); ``stackcheck.aws.normalize`` re-exports them."""
