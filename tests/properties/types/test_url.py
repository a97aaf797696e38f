from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.properties.types import FieldType, property_type
from crmcore.properties.types.url import host_name
from tests.properties.types.helpers import NO_CHOICES, rejection

URL = property_type(FieldType.URL)
SCHEME = "must start with http:// or https://"
SPACES = "must not contain spaces or control characters"
HOST = "must have a host name"
LONGEST = "https://example.com/" + "a" * 2_028


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("http://example.com/path?q=1#top", "http://example.com/path?q=1#top"),
        (" HTTPS://Example.com/A ", "HTTPS://Example.com/A"),
        ("https://localhost:8080", "https://localhost:8080"),
        ("https://user@[::1]/x", "https://user@[::1]/x"),
        ("https://예시.한국/경로", "https://예시.한국/경로"),
        (LONGEST, LONGEST),
    ],
)
def test_normalise_accepts(value: str, stored: str) -> None:
    assert URL.normalise(value, NO_CHOICES) == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ftp://example.com", SCHEME),
        ("example.com", SCHEME),
        ("javascript:alert(1)", SCHEME),
        ("http:/example.com", SCHEME),
        ("https://exa mple.com", SPACES),
        ("https://example.com/\x00", SPACES),
        ("https://example.com/\u3000x", SPACES),
        ("https://", HOST),
        ("https:///path", HOST),
        ("https://user@/path", HOST),
        ("http://[::1", "must be a valid http or https URL"),
        (LONGEST + "a", "must be at most 2,048 characters long"),
        (5, "must be a string"),
    ],
)
def test_normalise_rejects(value: object, reason: str) -> None:
    assert rejection(lambda: URL.normalise(value, NO_CHOICES)) == reason


def test_wire_and_text_forms_are_as_given() -> None:
    assert URL.to_wire("HTTPS://Example.com") == "HTTPS://Example.com"
    assert URL.as_text("https://example.com/a") == "https://example.com/a"


@pytest.mark.parametrize(
    ("cell", "stored"), [(" https://example.com ", "https://example.com"), ("", None)]
)
def test_parse_text(cell: str, stored: str | None) -> None:
    assert URL.parse_text(cell, NO_CHOICES) == stored


def test_parse_text_validates() -> None:
    assert rejection(lambda: URL.parse_text("www.example.com", NO_CHOICES)) == SCHEME


_URL_PARTS = st.sampled_from(
    [
        "a",
        "B",
        "1",
        ".",
        "-",
        "@",
        ":",
        "[",
        "]",
        "/",
        "?",
        "#",
        "%",
        "::1",
        "예",
        "\uff53",
        "_",
        "~",
    ]
)


@settings(max_examples=400, deadline=None)
@given(scheme=st.sampled_from(["http://", "HTTPS://"]), rest=st.lists(_URL_PARTS, max_size=12))
def test_host_name_reads_what_urlsplit_reads(scheme: str, rest: list[str]) -> None:
    """The quick host reading accepts, refuses and finds exactly what the standard parser does."""
    text = scheme + "".join(rest)
    try:
        expected: str | type[ValueError] | None = urlsplit(text).hostname
    except ValueError:
        expected = ValueError
    try:
        found: str | type[ValueError] | None = host_name(text)
    except ValueError:
        found = ValueError
    assert found == expected
