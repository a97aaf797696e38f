"""Reliability tooling that runs against a real server: the OpenAPI-driven fuzzer (``fuzz``)."""
