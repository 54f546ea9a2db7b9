"""Reusable constructs the stacks compose: network, database, storage, service, migration, monitoring."""
