"""AWS helpers: ARN parsing, identifier normalization, response parsers, retry profiles, client factory."""

__all__: list[str] = []
