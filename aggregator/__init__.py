"""District SNS aggregator: posts and residents' comments from every platform in one store."""

__version__ = "0.1.0"
