"""F1-F3: uploads, read back through the record's signed links, with thumbnails for images."""

import io
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from crmcore.models.account import Role
from tests.files.helpers import (
    FILE_ID,
    Crm,
    Storage,
    body_of,
    download,
    fetch,
    image,
    link_parts,
    uploaded,
)

LINK = re.compile(
    rf"^http://testserver/crm-core/v1/files/({FILE_ID})\?expires=\d+&signature=[0-9a-f]{{64}}$"
)
THUMB_LINK = re.compile(
    rf"^http://testserver/crm-core/v1/files/({FILE_ID})\?expires=\d+&signature=[0-9a-f]{{64}}&variant=thumb$"
)


def _without_links(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("url", "thumbnailUrl")}


def _picture(content: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(content))
    picture.load()
    return picture


def test_profile_image_is_served_back_with_a_thumbnail(
    crm: Crm, client: TestClient, storage: Storage
) -> None:
    owner = crm.tenant
    content = image("PNG", (600, 300))
    body = uploaded(owner, crm.alice, "profile-image", "face.png", content)

    assert list(body) == ["fileId", "url", "thumbnailUrl", "fileName", "fileSize", "mimeType"]
    file_id = body["fileId"]
    assert re.fullmatch(FILE_ID, file_id)
    assert LINK.match(body["url"]).group(1) == file_id  # type: ignore[union-attr]
    assert THUMB_LINK.match(body["thumbnailUrl"]).group(1) == file_id  # type: ignore[union-attr]
    assert _without_links(body) == {
        "fileId": file_id,
        "fileName": "face.png",
        "fileSize": len(content),
        "mimeType": "image/png",
    }
    record = fetch(owner, crm.alice)
    assert _without_links(record["profileImage"]) == _without_links(body)
    assert record["images"] == []
    assert record["attachments"] == []

    served = download(client, record["profileImage"]["url"])
    assert served.status_code == 200
    assert served.content == content
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"] == "inline; filename*=UTF-8''face.png"
    assert served.headers["x-content-type-options"] == "nosniff"

    thumbnail = download(client, record["profileImage"]["thumbnailUrl"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.headers["content-disposition"] == "inline; filename*=UTF-8''face-thumbnail.jpg"
    picture = _picture(thumbnail.content)
    assert (picture.format, picture.size) == ("JPEG", (256, 128))

    account = owner.account_id
    assert storage.blobs() == {f"{account}/{file_id}", f"{account}/{file_id}.thumb"}
    [row] = storage.rows(account)
    assert (row.record_id, row.purpose, row.has_thumbnail) == (crm.alice, "PROFILE_IMAGE", True)


def test_gallery_images_keep_upload_order_and_get_thumbnails_of_their_kind(
    crm: Crm, client: TestClient, storage: Storage
) -> None:
    owner = crm.tenant
    uploads = [
        ("photo.JPG", image("JPEG", (300, 400)), "image/jpeg", ("JPEG", (192, 256))),
        ("anim.gif", image("GIF", (20, 10)), "image/gif", ("JPEG", (20, 10))),
        ("clear.webp", image("WEBP", (512, 512), "RGBA"), "image/webp", ("PNG", (256, 256))),
        # The bytes decide the type, not the name: this ".png" is a JPEG.
        ("misnamed.png", image("JPEG", (10, 10)), "image/jpeg", ("JPEG", (10, 10))),
    ]
    bodies = [uploaded(owner, crm.alice, "images", name, data) for name, data, _t, _p in uploads]

    for order, (body, (name, _data, _type, _shape)) in enumerate(zip(bodies, uploads, strict=True)):
        assert list(body) == ["fileId", "url", "thumbnailUrl", "fileName", "order"]
        assert (body["fileName"], body["order"]) == (name, order)
    record = fetch(owner, crm.alice)
    assert [_without_links(i) for i in record["images"]] == [_without_links(b) for b in bodies]
    assert record["profileImage"] is None

    for item, (_name, data, mime_type, (thumb_format, thumb_size)) in zip(
        record["images"], uploads, strict=True
    ):
        served = download(client, item["url"])
        assert (served.content, served.headers["content-type"]) == (data, mime_type)
        picture = _picture(download(client, item["thumbnailUrl"]).content)
        assert (picture.format, picture.size) == (thumb_format, thumb_size)
    assert len(storage.blobs()) == 2 * len(uploads)


def test_attachments_take_title_and_description(
    crm: Crm, client: TestClient, storage: Storage
) -> None:
    owner = crm.tenant
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    title, description = "계" * 200, "설명" * 500  # the limits, counted in characters
    body = uploaded(
        owner, crm.alice, "attachments", "계약서.pdf", pdf, title=title, description=description
    )
    assert list(body) == [
        "fileId", "url", "fileName", "fileSize", "mimeType", "title", "description"
    ]  # fmt: skip
    assert LINK.match(body["url"])
    assert _without_links(body) == {
        "fileId": body["fileId"],
        "fileName": "계약서.pdf",
        "fileSize": len(pdf),
        "mimeType": "application/pdf",
        "title": title,
        "description": description,
    }
    plain = uploaded(owner, crm.alice, "attachments", "notes.txt", b"hello")
    assert _without_links(plain) == {
        "fileId": plain["fileId"],
        "fileName": "notes.txt",
        "fileSize": 5,
        "mimeType": "text/plain",
        "title": "notes.txt",  # the file name when no title is given
    }
    record = fetch(owner, crm.alice)
    assert [_without_links(a) for a in record["attachments"]] == [
        _without_links(body),
        _without_links(plain),
    ]

    served = download(client, record["attachments"][0]["url"])
    assert served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%EA%B3%84%EC%95%BD%EC%84%9C.pdf"
    )
    assert served.headers["x-content-type-options"] == "nosniff"
    assert download(client, record["attachments"][1]["url"]).content == b"hello"
    assert len(storage.blobs()) == 2  # attachments get no thumbnails


def test_every_attachment_type_is_stored_with_its_mime_type(crm: Crm) -> None:
    expected = {
        ".pdf": "application/pdf",
        ".doc": "application/msword",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xls": "application/vnd.ms-excel",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".ppt": "application/vnd.ms-powerpoint",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".hwp": "application/x-hwp",
        ".txt": "text/plain",
        ".csv": "text/csv",
        ".mp4": "video/mp4",
        ".mov": "video/quicktime",
        ".mp3": "audio/mpeg",
    }
    for extension, mime_type in expected.items():
        body = uploaded(crm.tenant, crm.alice, "attachments", "f" + extension.upper(), b"x")
        assert body["mimeType"] == mime_type, extension
    images = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
    for extension, kind in images.items():
        body = uploaded(crm.tenant, crm.alice, "attachments", f"i.{extension}", image(kind))
        assert body["mimeType"] == f"image/{kind.lower()}", extension
        assert "thumbnailUrl" not in body


def test_an_upload_bumps_the_record_and_is_logged(crm: Crm) -> None:
    owner = crm.tenant
    member = owner.member(Role.MEMBER)
    before = fetch(owner, crm.alice)
    body = uploaded(member, crm.alice, "attachments", "a.txt", b"a")
    after = fetch(owner, crm.alice)
    assert after["updatedBy"] == member.member_id
    assert after["dateUpdated"] > before["dateUpdated"]
    assert after["createdBy"] == owner.member_id
    entry = body_of(owner.get(f"/records/{crm.alice}/logs"))["data"][0]
    assert entry["action"] == "FILE_ADDED"
    assert entry["actorId"] == member.member_id
    assert entry["changes"] == [
        {
            "field": "attachments",
            "before": None,
            "after": {"fileId": body["fileId"], "fileName": "a.txt"},
        }
    ]


def test_links_expire_an_hour_after_the_read(crm: Crm) -> None:
    body = uploaded(crm.tenant, crm.alice, "images", "a.png", image())
    started = time.time()
    path, query = link_parts(fetch(crm.tenant, crm.alice)["images"][0]["url"])
    assert path == f"/crm-core/v1/files/{body['fileId']}"
    assert set(query) == {"expires", "signature"}
    assert started + 3600 - 2 <= int(query["expires"]) <= time.time() + 3600
