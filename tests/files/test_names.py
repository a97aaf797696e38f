"""Client file names as they are stored: the last path component, nothing invisible, ≤ 255."""

import pytest

from crmcore.files.images import sniff
from crmcore.files.service import sanitize_file_name


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("C:\\x\\y", "y"),
        ("C:\\Users\\me\\..\\report.pdf", "report.pdf"),
        ("dir/sub\\mixed.csv", "mixed.csv"),
        ("bell\x07and\x00nul\x1f.txt", "bellandnul.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # no right-to-left override
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("sep\u2028arator.txt", "separator.txt"),
        ("  padded.txt \t", "padded.txt"),
        ("계약서.pdf", "계약서.pdf"),
        ("e\u0301.txt", "é.txt"),  # NFC: one character, as typed on most systems
        ("..", ""),
        (".", ""),
        ("dir/", ""),
        ("", ""),
        (".png", ".png"),
    ],
)
def test_file_names_are_sanitised(raw: str, stored: str) -> None:
    assert sanitize_file_name(raw) == stored


def test_long_names_are_cut_to_255_characters_keeping_the_extension() -> None:
    assert sanitize_file_name("가" * 300 + ".docx") == "가" * 250 + ".docx"
    assert sanitize_file_name("a" * 255 + ".txt") == "a" * 251 + ".txt"
    assert sanitize_file_name("a" * 251 + ".txt") == "a" * 251 + ".txt"
    assert sanitize_file_name("b" * 300) == "b" * 255
    # An "extension" too long to be one is cut like the rest.
    assert sanitize_file_name("c.d" + "e" * 300) == ("c.d" + "e" * 300)[:255]


@pytest.mark.parametrize(
    ("head", "mime_type"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"%PDF-1.7", None),
        (b"<svg xmlns=", None),
        (b"", None),
    ],
)
def test_images_are_recognised_by_their_first_bytes(head: bytes, mime_type: str | None) -> None:
    assert sniff(head) == mime_type
