"""Uploads that are refused (400, or 413 above the transport cap) store nothing at all: no row,
no blob, no log entry, and the record is left as it was."""

import io
from typing import Any

import pytest
from httpx2 import Response
from PIL import Image

from tests.files.helpers import (
    Crm,
    Storage,
    body_of,
    error_of,
    fetch,
    image,
    upload,
    uploaded,
)

MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture
def untouched(crm: Crm, storage: Storage) -> Any:
    """Call it after the refused requests: asserts that nothing changed."""
    record = fetch(crm.tenant, crm.alice)
    logs = body_of(crm.tenant.get(f"/records/{crm.alice}/logs"))

    def check() -> None:
        assert storage.count(crm.tenant.account_id) == 0
        assert storage.blobs() == set()
        assert fetch(crm.tenant, crm.alice) == record
        assert body_of(crm.tenant.get(f"/records/{crm.alice}/logs")) == logs

    return check


def _refused(response: Response, message: str) -> None:
    error_of(response, 400, "ValidationError", message)


def test_files_of_other_types_are_refused(crm: Crm, untouched: Any) -> None:
    owner, alice = crm.tenant, crm.alice
    images = ".jpg .jpeg .png .gif .webp"
    documents = ".pdf .doc .docx .xls .xlsx .ppt .pptx .hwp .txt .csv .mp4 .mov .mp3"
    for kind in ("profile-image", "images"):
        _refused(
            upload(owner, alice, kind, "setup.exe", b"MZ\x90\x00"),
            f"file: 'setup.exe': the type is not allowed; allowed: {images}",
        )
        _refused(
            upload(owner, alice, kind, "report.pdf", b"%PDF-1.4"),
            f"file: 'report.pdf': the type is not allowed; allowed: {images}",
        )
    for name in ("setup.exe", "page.html", "image.svg", "noextension", "archive.tar.gz"):
        _refused(
            upload(owner, alice, "attachments", name, b"data"),
            f"file: '{name}': the type is not allowed; allowed: {images} {documents}",
        )
    untouched()


def test_a_file_over_10_mb_is_refused(crm: Crm, untouched: Any) -> None:
    _refused(
        upload(crm.tenant, crm.alice, "attachments", "big.pdf", b"%" * (MAX_BYTES + 1)),
        f"file: larger than {MAX_BYTES} bytes",
    )
    untouched()
    # Exactly the limit is fine.
    body = uploaded(crm.tenant, crm.alice, "attachments", "big.pdf", b"%" * MAX_BYTES)
    assert body["fileSize"] == MAX_BYTES


def test_a_body_over_the_transport_cap_is_refused_before_parsing(crm: Crm, untouched: Any) -> None:
    too_big = b"%" * (MAX_BYTES + 1024 * 1024 + 1)
    response = upload(crm.tenant, crm.alice, "attachments", "huge.pdf", too_big)
    error_of(response, 413, "PayloadTooLarge")
    untouched()


def test_images_must_be_what_their_extension_says(crm: Crm, untouched: Any) -> None:
    owner, alice = crm.tenant, crm.alice
    for kind in ("profile-image", "images", "attachments"):
        _refused(
            upload(owner, alice, kind, "fake.png", b"<html><script>alert(1)</script></html>"),
            "file: 'fake.png' is not a PNG, JPEG, GIF or WebP image",
        )
        _refused(
            upload(owner, alice, kind, "fake.jpg", b"GIF8" + b"\x00" * 100),
            "file: 'fake.jpg' is not a PNG, JPEG, GIF or WebP image",
        )
    # Right magic bytes, but no image behind them: refused where a thumbnail is made.
    broken = image("PNG", (64, 64))[:60]
    for kind in ("profile-image", "images"):
        _refused(
            upload(owner, alice, kind, "broken.png", broken),
            "file: not a readable image (the image cannot be decoded)",
        )
    untouched()


def test_images_that_would_decode_too_large_are_refused(crm: Crm, untouched: Any) -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 7000)).save(out, "PNG")  # a few KB, 56 megapixels
    assert len(out.getvalue()) < 100_000
    _refused(
        upload(crm.tenant, crm.alice, "images", "bomb.png", out.getvalue()),
        "file: not a readable image (more than 50000000 pixels to decode)",
    )
    untouched()


def test_an_empty_file_is_refused(crm: Crm, untouched: Any) -> None:
    for kind in ("profile-image", "images", "attachments"):
        _refused(
            upload(
                crm.tenant, crm.alice, kind, "empty.txt" if kind == "attachments" else "e.png", b""
            ),
            "file: the file is empty",
        )
    untouched()


def test_bodies_without_a_file_part_are_refused(crm: Crm, untouched: Any) -> None:
    owner, path = crm.tenant, f"/records/{crm.alice}/attachments"
    not_multipart = "The body must be multipart/form-data with a file part named 'file'"
    _refused(owner.post(path, json={"file": "a.txt"}), not_multipart)
    _refused(owner.post(path), not_multipart)
    _refused(owner.post(path, data={"file": "a.txt"}), not_multipart)  # url-encoded
    _refused(
        owner.post(path, files={"attachment": ("a.txt", b"a")}),
        "file: the file part 'file' is missing",
    )
    _refused(
        owner.post(path, files={"title": (None, "just a title")}),
        "file: the file part 'file' is missing",
    )
    _refused(
        owner.post(path, files={"file": (None, "text, not a file")}),
        "file: must be a file (a part with a filename)",
    )
    _refused(
        owner.post(path, files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))]),
        "The multipart body is invalid: Too many files. Maximum number of files is 1.",
    )
    _refused(
        owner.post(path, content=b"--x\r\n", headers={"content-type": "multipart/form-data"}),
        "The multipart body is invalid: Missing boundary in multipart.",
    )
    _refused(
        owner.post(path, files={"file": ("a.txt", b"a"), "title": ("t.txt", b"a file as title")}),
        "The multipart body is invalid: Too many files. Maximum number of files is 1.",
    )
    untouched()


def test_title_and_description_are_limited(crm: Crm, untouched: Any) -> None:
    owner, alice = crm.tenant, crm.alice
    _refused(
        upload(owner, alice, "attachments", "a.txt", b"a", title="가" * 201),
        "title: at most 200 characters",
    )
    _refused(
        upload(owner, alice, "attachments", "a.txt", b"a", description="가" * 1001),
        "description: at most 1000 characters",
    )
    _refused(
        upload(owner, alice, "attachments", "a.txt", b"a", title="a\x00b"),
        "title: must not contain NUL characters",
    )
    untouched()


def test_the_caller_is_authenticated_before_the_body_is_read(crm: Crm, untouched: Any) -> None:
    path = f"/crm-core/v1/records/{crm.alice}/attachments"
    client = crm.tenant.client
    garbage = {"content-type": "multipart/form-data; boundary=x"}
    error_of(
        client.post(path, content=b"not multipart at all", headers=garbage), 401, "Unauthorized"
    )
    error_of(client.post(path, files={"file": ("a.txt", b"a")}), 401, "Unauthorized")
    untouched()


def test_client_file_names_are_sanitised(crm: Crm, storage: Storage) -> None:
    owner, alice = crm.tenant, crm.alice
    names = {
        "../../etc/passwd.txt": "passwd.txt",
        "..\\..\\windows\\win.ini.txt": "win.ini.txt",
        "C:\\Users\\me\\report.pdf": "report.pdf",
        "  spaced name.csv  ": "spaced name.csv",
        "x" * 300 + ".txt": "x" * 251 + ".txt",
    }
    for raw, clean in names.items():
        body = uploaded(owner, alice, "attachments", raw, b"data")
        assert body["fileName"] == clean
        assert body["title"] == clean
    ids = [row.file_id for row in storage.rows(owner.account_id)]
    assert storage.blobs() == {f"{owner.account_id}/{file_id}" for file_id in ids}
    _refused(
        upload(owner, alice, "attachments", "../", b"data"), "file: the file part has no file name"
    )


def test_a_refused_upload_leaves_earlier_files_alone(crm: Crm, storage: Storage) -> None:
    owner = crm.tenant
    kept = uploaded(owner, crm.alice, "images", "kept.png", image())
    _refused(
        upload(owner, crm.alice, "images", "bad.png", b"bad"),
        "file: 'bad.png' is not a PNG, JPEG, GIF or WebP image",
    )
    assert [i["fileId"] for i in fetch(owner, crm.alice)["images"]] == [kept["fileId"]]
    assert len(storage.blobs()) == 2
