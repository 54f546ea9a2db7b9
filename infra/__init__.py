"""The payment-migration CDK app: DMS prerequisites, source and target environments, Route53 cutover."""
